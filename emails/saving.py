"""Saving the chosen emails to Salesforce exactly once, and the ledger that makes it so.

The ledger row (``SavedEmail``) is written as an intent before the Salesforce write, the write is an
upsert on the org-wide sync key, and the ledger is committed only after it. An email that cannot be saved
becomes a ``PendingEmail`` and a retry ``SyncIssue``; after a permanent error, or MAX_SAVE_ATTEMPTS, it is
given up on: the pending row goes, and an issue that is not retried says why and what to do.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.salesforce.connector import COLLECTION_LIMIT
from connectors.salesforce.emails import (
    Attachment,
    EmailTaskToSave,
    EmailToSave,
    save_email_messages,
    save_email_tasks,
)
from connectors.salesforce.emails import SavedEmail as SaveResult
from emails.context import STREAM, Candidate, StreamContext
from emails.fields import email_to_save, sync_key, task_to_save
from emails.models import PendingEmail, SaveAs, SavedEmail, SavedEmailMailbox, SavedThread
from syncengine.models import SyncIssue
from syncengine.services.issues import issue_dismiss, issue_record, issues_resolve_for_items
from syncengine.services.leases import lease_renew

log = logging.getLogger(__name__)
# Sessions that try one email before it is given up on: a transient error lasting this long is not one.
MAX_SAVE_ATTEMPTS = 5


def save(ctx: StreamContext, picked: list[Candidate]) -> None:
    ledger = {
        row.internet_message_id: row
        for row in SavedEmail.objects.filter(
            organization_id=ctx.mailbox.organization_id,
            internet_message_id__in=[c.email.internet_message_id for c in picked],
        )
    }
    key_field = ctx.crm.config.sync_key_field
    for start in range(0, len(picked), COLLECTION_LIMIT):
        try:
            _save_chunk(ctx, picked[start : start + COLLECTION_LIMIT], ledger)
        except ConnectorError as error:
            if error.code != "INVALID_FIELD" or key_field not in error.message:
                raise
            raise ConnectorError(  # the one-time set-up is missing: say what to add, and where
                f"Salesforce has no field {key_field} on the object emails are saved as. An admin adds "
                f"it (Text(80), External ID, Unique) to EmailMessage (or Task, when emails are saved as "
                f"Tasks); until then no email is saved, and none is lost. ({error.message})",
                permanent=True,
                code="EMAIL_KEY_FIELD_MISSING",
            ) from error


def _target(ctx: StreamContext, candidate: Candidate, ledger: dict[str, SavedEmail]) -> str:
    row = ledger.get(candidate.email.internet_message_id)
    if row is not None and row.crm_id:
        return row.crm_object  # saved before (maybe under another setting): that record it stays
    return "Task" if ctx.settings.save_as == SaveAs.TASK else "EmailMessage"


def _save_chunk(ctx: StreamContext, chunk: list[Candidate], ledger: dict[str, SavedEmail]) -> None:
    targets = {c.email.internet_message_id: _target(ctx, c, ledger) for c in chunk}
    _intents(ctx, chunk, targets, ledger)
    files = _attachments(ctx, [c for c in chunk if targets[c.email.internet_message_id] == "EmailMessage"])
    messages: list[EmailToSave] = []
    tasks: list[EmailTaskToSave] = []
    for c in chunk:
        assert c.links is not None
        if targets[c.email.internet_message_id] == "Task":
            tasks.append(task_to_save(c.email, c.links, own=ctx.addresses))
        else:
            attachments = files.get(c.email.id, [])
            messages.append(email_to_save(c.email, c.links, own=ctx.addresses, attachments=attachments))
    results: dict[str, SaveResult] = {}
    if messages:
        limit = ctx.settings.max_attachment_bytes
        results.update(
            {r.sync_key: r for r in save_email_messages(ctx.crm, messages, max_attachment_bytes=limit)}
        )
    if tasks:
        results.update({r.sync_key: r for r in save_email_tasks(ctx.crm, tasks)})
    _commit_saves(ctx, chunk, targets, results, ledger)


def _intents(
    ctx: StreamContext, chunk: list[Candidate], targets: dict[str, str], ledger: dict[str, SavedEmail]
) -> None:
    """Ledger rows before the Salesforce write: the record to be (no id yet)."""
    new = [
        SavedEmail(
            organization_id=ctx.mailbox.organization_id,
            internet_message_id=c.email.internet_message_id,
            sync_key=sync_key(c.email.internet_message_id),
            crm_object=targets[c.email.internet_message_id],
            subject=c.email.subject[:300],
            conversation_id=c.email.conversation_id[:512],
        )
        for c in chunk
        if c.email.internet_message_id not in ledger
    ]
    if not new:
        return
    lease_renew(lease=ctx.lease)  # a session that lost its lease stops before the Salesforce write
    SavedEmail.objects.bulk_create(new, ignore_conflicts=True)  # another mailbox may be saving it too
    for row in SavedEmail.objects.filter(
        organization_id=ctx.mailbox.organization_id,
        internet_message_id__in=[r.internet_message_id for r in new],
    ):
        ledger[row.internet_message_id] = row


def _attachments(ctx: StreamContext, chunk: list[Candidate]) -> dict[str, list[Attachment]]:
    """Files of at most the org's size limit, in ``$batch``; larger ones are noted, not saved."""
    if not ctx.settings.save_attachments:
        return {}
    ids = [c.email.id for c in chunk if c.email.has_attachments]
    if not ids:
        return {}
    found = ctx.mail.read_attachments(ids, max_bytes=ctx.settings.max_attachment_bytes)
    out: dict[str, list[Attachment]] = {}
    for message_id, files in found.items():
        out[message_id] = [
            Attachment(f.name or "attachment", f.content) for f in files if f.content is not None
        ]
        for skipped in (f for f in files if f.skipped == "too_large"):
            log.info("mailbox %s: %s not saved: over the size limit", ctx.mailbox.pk, skipped.name)
            ctx.report.files_too_large += 1
    return out


@transaction.atomic
def _commit_saves(
    ctx: StreamContext,
    chunk: list[Candidate],
    targets: dict[str, str],
    results: dict[str, SaveResult],
    ledger: dict[str, SavedEmail],
) -> None:
    now = timezone.now()
    lease_renew(lease=ctx.lease, now=now)  # a session that lost its lease writes nothing
    done: list[SavedEmail] = []
    savers: list[SavedEmailMailbox] = []
    threads: set[str] = set()
    failed: list[tuple[Candidate, SaveResult]] = []
    for c in chunk:
        key = c.email.internet_message_id
        result = results[sync_key(key)]
        if not result.ok:
            failed.append((c, result))
            continue
        row = ledger[key]
        row.crm_id, row.crm_object, row.saved_at = result.id, targets[key], row.saved_at or now
        done.append(row)
        savers.append(
            SavedEmailMailbox(saved_email=row, mailbox=ctx.mailbox, mail_id=c.email.id, reason=c.reason)
        )
        if c.email.conversation_id:
            threads.add(c.email.conversation_id[:512])
        ctx.saved_now.add(key)
        ctx.report.saved += 1
        ctx.report.created += bool(result.created)
        ctx.report.reasons[c.reason] += 1
        if result.problems:
            _issue(ctx, c, "EMAIL_PARTLY_SAVED", _partly(c, result), details={}, crm_id=result.id)
    SavedEmail.objects.bulk_update(done, ["crm_id", "crm_object", "saved_at"])
    SavedEmailMailbox.objects.bulk_create(savers, ignore_conflicts=True)
    if ctx.settings.save_threads and threads:
        SavedThread.objects.bulk_create(
            [
                SavedThread(
                    mailbox=ctx.mailbox,
                    conversation_id=t,
                    what_id=ctx.thread_what.get(t, ""),
                    complete=t not in ctx.threads_deferred,  # its other emails: read in a later session
                )
                for t in threads
            ],
            ignore_conflicts=True,
        )
    saved_ids = {c.email.internet_message_id for c in chunk} - {
        c.email.internet_message_id for c, _ in failed
    }
    if saved_ids:
        PendingEmail.objects.filter(mailbox=ctx.mailbox, internet_message_id__in=saved_ids).delete()
        issues_resolve_for_items(mailbox=ctx.mailbox, stream=STREAM, mail_ids=saved_ids, crm_ids=set())
        _close_given_up(ctx, saved_ids)
    for c, result in failed:
        ctx.report.failed += 1
        _failed(ctx, c, result)


def _close_given_up(ctx: StreamContext, saved_ids: set[str]) -> None:
    """An email given up on and saved after all (filed again once the cause was fixed): its issue closes."""
    for issue in SyncIssue.objects.filter(
        mailbox=ctx.mailbox,
        stream=STREAM,
        resolved=False,
        mail_id__in=[i[:512] for i in saved_ids],
        details__has_key="gave_up",
    ):
        issue_dismiss(issue=issue)


def _partly(candidate: Candidate, result: SaveResult) -> str:
    subject = candidate.email.subject or "(no subject)"
    return f"The email “{subject}” was saved to Salesforce, but not completely: {'; '.join(result.problems)}"


def _failed(ctx: StreamContext, candidate: Candidate, result: SaveResult) -> None:
    """Retried next session, unless the error is permanent or the email has had its attempts."""
    email = candidate.email
    subject = email.subject or "(no subject)"
    problem = result.message or "no reason given"
    code = result.code or "EMAIL_NOT_SAVED"
    row = PendingEmail.objects.filter(
        mailbox=ctx.mailbox, internet_message_id=email.internet_message_id
    ).first()
    attempts = (row.attempts + 1) if row is not None else 1
    if result.permanent or attempts >= MAX_SAVE_ATTEMPTS:
        why = "Salesforce refuses it" if result.permanent else f"it failed {attempts} times"
        give_up(ctx, email.internet_message_id, subject, candidate.reason, code, f"{problem} ({why})")
        return
    if row is None:
        PendingEmail.objects.create(
            mailbox=ctx.mailbox,
            internet_message_id=email.internet_message_id,
            conversation_id=email.conversation_id[:512],
            mail_id=email.id,
            reason=candidate.reason,
            last_error=problem,
        )
    else:
        PendingEmail.objects.filter(pk=row.pk).update(
            attempts=attempts, last_error=problem, mail_id=email.id, updated_at=timezone.now()
        )
    message = (
        f"The email “{subject}” could not be saved to Salesforce: {problem}. The next session tries again."
    )
    _issue(ctx, candidate, code, message, details={"pending": True, "reason": candidate.reason})


def pending_unreadable(ctx: StreamContext, pending: PendingEmail) -> None:
    """A pending email with no thread to read it through, and not in this session's folder reads: it
    stays pending (counted as an attempt), and is given up on after MAX_SAVE_ATTEMPTS."""
    attempts = pending.attempts + 1
    if attempts < MAX_SAVE_ATTEMPTS:
        PendingEmail.objects.filter(pk=pending.pk).update(attempts=attempts, updated_at=timezone.now())
        return
    subject = (
        SavedEmail.objects.filter(
            organization_id=ctx.mailbox.organization_id, internet_message_id=pending.internet_message_id
        )
        .values_list("subject", flat=True)
        .first()
        or "(no subject)"
    )
    problem = f"{pending.last_error or 'it could not be saved'} (it could not be read again to retry)"
    give_up(ctx, pending.internet_message_id, subject, pending.reason, "EMAIL_NOT_SAVED", problem)


def give_up(ctx: StreamContext, message_id: str, subject: str, reason: str, code: str, problem: str) -> None:
    """No more retries: the pending row goes, and an issue (kept open, not retried) says why and what to
    do. Its mail id is the email's InternetMessageId, so nothing is lost."""
    folder = ctx.settings.salesforce_folder
    message = (
        f"The email “{subject}” could not be saved to Salesforce: {problem}. It is no longer retried: "
        f"once the cause is fixed, put the email in the “{folder}” folder to save it."
    )
    issue_record(  # under the same code, the email's retry issue becomes this one (not retried)
        mailbox=ctx.mailbox,
        session=ctx.session,
        stream=STREAM,
        code=code,
        message=message,
        mail_id=message_id[:512],
        label=subject,
        details={"gave_up": True, "reason": reason},
    )
    # Retry issues of this email under other codes make way for it.
    issues_resolve_for_items(mailbox=ctx.mailbox, stream=STREAM, mail_ids={message_id[:512]}, crm_ids=set())
    ctx.report.issues += 1
    ctx.report.given_up += 1
    PendingEmail.objects.filter(mailbox=ctx.mailbox, internet_message_id=message_id).delete()


def _issue(
    ctx: StreamContext,
    candidate: Candidate,
    code: str,
    message: str,
    *,
    details: dict[str, object],
    crm_id: str = "",
) -> None:
    email = candidate.email
    issue_record(
        mailbox=ctx.mailbox,
        session=ctx.session,
        stream=STREAM,
        code=code,
        message=message,
        mail_id=email.internet_message_id[:512],
        crm_id=crm_id,
        label=email.subject or "(no subject)",
        details={**details, "reason": candidate.reason},
    )
    ctx.report.issues += 1
