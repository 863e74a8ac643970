"""Which provider failures end more than the item or stream they happened in, how long a mailbox waits
after a failed session, and what the dashboard tells a person about each cause (by code, never by
searching messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from syncengine.core.code_words import words_for

# Failures no retry can fix: suspend the mailbox at once, with the reason, until a person acts.
# Everything else is transient (an outage, a limit, a bug being fixed): back off and keep probing.
# A stored sign-in this server's keys cannot open (a key lost or changed) is fixed the same way.
MAIL_CREDENTIALS_UNREADABLE = "MAIL_CREDENTIALS_UNREADABLE"
CRM_CREDENTIALS_UNREADABLE = "CRM_CREDENTIALS_UNREADABLE"
# A new sign-in to the mailbox fixes these; connecting Salesforce again fixes the next ones.
MAIL_SIGN_IN_CODES = {"MAIL_AUTH_REVOKED", MAIL_CREDENTIALS_UNREADABLE}
# CRM_INSTANCE_REFUSED: the stored or refreshed instance URL is outside the hosts we chose.
SALESFORCE_SIGN_IN_CODES = {
    "CRM_AUTH_REVOKED",
    "CRM_INSTANCE_REFUSED",
    "SALESFORCE_NOT_CONNECTED",
    CRM_CREDENTIALS_UNREADABLE,
}
SUSPENDING_CODES = MAIL_SIGN_IN_CODES | SALESFORCE_SIGN_IN_CODES
# Failures that end the whole session rather than one stream (or one step of it).
SESSION_WIDE_CODES = SUSPENDING_CODES | {"REQUEST_LIMIT_EXCEEDED", "NETWORK"}
# Causes of our own, stored on the mailbox like the connectors' codes.
INTERNAL_ERROR = "INTERNAL_ERROR"
USER_SUSPENDED = "USER_SUSPENDED"


def failure_backoff(
    *, interval: timedelta, failures: int, cap: timedelta, retry_after: float | None = None
) -> timedelta:
    """The wait before the next try: the interval doubled per failure in a row, never beyond ``cap``
    (so a provider down for a weekend is probed every ``cap`` and picked up soon after it is back),
    and at least what the provider asked for, within the same cap."""
    doubled = interval * 2 ** min(max(failures - 1, 0), 16)
    asked = timedelta(seconds=retry_after or 0)
    return min(max(doubled, asked), max(cap, interval))


Action = Literal["", "reconnect_mailbox", "reconnect_salesforce", "admin_consent", "resume", "wait"]


@dataclass(frozen=True)
class Advice:
    """What the dashboard says about a mailbox's cause: what happened, and what to do."""

    text: str
    action: Action


def cause_advice(
    *, code: str, suspended: bool, org_wide: bool = False, next_try: datetime | None = None
) -> Advice:
    """The cause named for a person, with the one action that fixes it ("" when all is well)."""
    when = f" The next try is at {next_try:%H:%M} (UTC)." if next_try and not suspended else ""
    if code in (MAIL_CREDENTIALS_UNREADABLE, CRM_CREDENTIALS_UNREADABLE):
        mail = code == MAIL_CREDENTIALS_UNREADABLE
        which = "mailbox" if mail else "Salesforce"
        action: Action = "reconnect_mailbox" if mail else "reconnect_salesforce"
        return Advice(
            f"The stored sign-in to your {which} can no longer be read by this server (its encryption "
            f"key changed). Reconnect your {which}: the sync state is kept and nothing is synced twice.",
            action,
        )
    if code in MAIL_SIGN_IN_CODES:
        if org_wide:
            return Advice(
                "Microsoft 365 no longer lets the app into this org-wide mailbox. An org admin grants "
                "admin consent again; syncing then resumes where it stopped.",
                "admin_consent",
            )
        return Advice(
            "The mailbox's sign-in is no longer accepted (consent revoked, password changed or access "
            "expired). Reconnect it: its sync state is kept and nothing is synced twice.",
            "reconnect_mailbox",
        )
    if code in SALESFORCE_SIGN_IN_CODES:
        return Advice(
            "Salesforce no longer accepts your sign-in, or is not connected. Reconnect Salesforce: the "
            "mailbox resumes by itself.",
            "reconnect_salesforce",
        )
    if code == USER_SUSPENDED:
        return Advice("You suspended this mailbox. Nothing syncs until you resume it.", "resume")
    if suspended:  # suspended before causes were stored, or by an operator: resuming retries
        return Advice("Sync is suspended. Resume it to sync again.", "resume")
    if code == "NETWORK":
        return Advice(
            "The provider could not be reached. This is usually an outage on their side: the engine "
            f"keeps trying, less often while it lasts, and nothing is lost.{when}",
            "wait",
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        return Advice(
            "Your Salesforce org has used up its API requests for now. Syncing resumes when the limit "
            f"resets; a Salesforce admin can raise it.{when}",
            "wait",
        )
    if code == INTERNAL_ERROR:
        return Advice(
            "An internal error stopped the last session; the support team can see the details in the "
            f"logs. The engine keeps trying.{when}",
            "wait",
        )
    if code:  # in words (syncengine/core/code_words.py), never the bare code
        words = words_for(code)
        return Advice(f"The last session failed: {words.text} {words.todo}{when}", "wait")
    return Advice("", "")
