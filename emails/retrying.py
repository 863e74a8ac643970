"""Emails that could not be saved: kept in the retry ledger (syncengine/services/retries.py), read again
and retried by the next sessions, up to MAX_SAVE_ATTEMPTS (none after a permanent error); then given up
on, with an issue that says why and what to do. Nothing is dropped silently."""

from __future__ import annotations

from connectors.salesforce.emails import SavedEmail as SaveResult
from emails.context import STREAM, StreamContext
from emails.models import SavedEmail
from syncengine.core.email_plan import EmailPlan, ToSave
from syncengine.services.retries import (
    RetryItem,
    retries_settle,
    retry_attempt_count,
    retry_give_up,
    retry_record,
)

# Sessions that try one email before it is given up on: a transient error lasting this long is not one.
MAX_SAVE_ATTEMPTS = 5


def settle_waiting(ctx: StreamContext, plan: EmailPlan) -> None:
    """The waiting emails deleted meanwhile (or no longer to be saved) leave the ledger; those with no
    thread to read them through count an attempt, and are given up on after MAX_SAVE_ATTEMPTS."""
    if plan.retries_gone:
        retries_settle(
            mailbox=ctx.mailbox, stream=STREAM, mail_ids={i[:512] for i in plan.retries_gone}, crm_ids=set()
        )
    for message_id in plan.retries_unreadable:
        _unreadable(ctx, ctx.waiting[message_id])


def save_failed(ctx: StreamContext, candidate: ToSave, result: SaveResult) -> bool:
    """Retried next session (True), unless the error is permanent or the email has had its attempts."""
    email = candidate.email
    subject = email.subject or "(no subject)"
    problem = result.message or "no reason given"
    code = result.code or "EMAIL_NOT_SAVED"
    earlier = ctx.waiting.get(email.internet_message_id)
    attempts = earlier.attempts + 1 if earlier is not None else 1
    if result.permanent or attempts >= MAX_SAVE_ATTEMPTS:
        why = "Salesforce refuses it" if result.permanent else f"it failed {attempts} times"
        give_up(ctx, email.internet_message_id, subject, candidate.reason, code, f"{problem} ({why})")
        return False
    item = RetryItem(
        side="mail",
        id=email.internet_message_id,
        attempts=attempts,
        reason=earlier.reason if earlier is not None else candidate.reason,  # why it was first to be saved
        problem=problem,
        thread=email.conversation_id[:512],
    )
    message = (
        f"The email “{subject}” could not be saved to Salesforce: {problem}. The next session tries again."
    )
    retry_record(
        **ctx.issue_of(email.internet_message_id, subject),
        item=item,
        code=code,
        message=message,
        details={"reason": candidate.reason},
    )
    ctx.report.issues += 1
    return True


def _unreadable(ctx: StreamContext, item: RetryItem) -> None:
    attempts = item.attempts + 1
    if attempts < MAX_SAVE_ATTEMPTS:
        retry_attempt_count(mailbox=ctx.mailbox, stream=STREAM, item=item, attempts=attempts)
        return
    subject = (
        SavedEmail.objects.filter(organization_id=ctx.mailbox.organization_id, internet_message_id=item.id)
        .values_list("subject", flat=True)
        .first()
        or "(no subject)"
    )
    problem = f"{item.problem or 'it could not be saved'} (it could not be read again to retry)"
    give_up(ctx, item.id, subject, item.reason, "EMAIL_NOT_SAVED", problem)


def give_up(ctx: StreamContext, message_id: str, subject: str, reason: str, code: str, problem: str) -> None:
    """No more retries: an issue (kept open, not retried) says why and what to do. Its mail id is the
    email's InternetMessageId, so nothing is lost."""
    folder = ctx.settings.salesforce_folder
    message = (
        f"The email “{subject}” could not be saved to Salesforce: {problem}. It is no longer retried: "
        f"once the cause is fixed, put the email in the “{folder}” folder to save it."
    )
    retry_give_up(**ctx.issue_of(message_id, subject), code=code, message=message, details={"reason": reason})
    ctx.report.issues += 1
    ctx.report.given_up += 1
