"""What a mailbox's card says about its state, each thing once: the badge, why (in plain words), what
to do, the provider's own answer (small, for support) and when the next session runs.

The engine stores the same failure in three places (the session's error, the mailbox's status
message, the suspension reason); a person should read it once, and never a stale line beside a green
badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.timesince import timeuntil

from syncengine.models import Mailbox, MailboxStatus
from syncengine.services.failures import USER_SUSPENDED, Advice

USER_PREFIX = "Suspended by user: "
# A session due within this is "starting shortly": the scheduler's tick picks it up.
SHORTLY = timedelta(minutes=1)


@dataclass(frozen=True)
class MailboxState:
    advice: str  # what happened and what to do, in words ("" when all is well)
    detail: str  # the provider's or the person's own words, shown once and small
    code: str  # the cause code, muted, for support
    next_session: str


def mailbox_state(mailbox: Mailbox, advice: Advice, now: datetime) -> MailboxState:
    return MailboxState(
        advice=advice.text,
        detail=_detail(mailbox),
        code=mailbox.cause_code if advice.text else "",
        next_session=next_session_words(mailbox, now),
    )


def _detail(mailbox: Mailbox) -> str:
    if mailbox.suspended:
        reason = mailbox.suspended_reason
        if mailbox.cause_code == USER_SUSPENDED:
            given = reason.removeprefix(USER_PREFIX)
            return "" if given == "no reason given" else f"Your reason: {given}"
        return reason  # the failure's own message; status_message holds the same words
    if mailbox.status in (MailboxStatus.OK, MailboxStatus.NEW):
        return ""  # a message left from an earlier failure is no longer true
    return mailbox.status_message


def next_session_words(mailbox: Mailbox, now: datetime) -> str:
    if mailbox.suspended:
        return "none while suspended"
    if mailbox.lease_token:
        return "running now"
    if mailbox.queued_at is not None or mailbox.next_due_at <= now + SHORTLY:
        return "due now: starting shortly"
    return f"in {timeuntil(mailbox.next_due_at, now)}"
