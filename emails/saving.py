"""Saving the chosen emails to Salesforce exactly once, and the ledger that makes it so.

The ledger row (``SavedEmail``) is written as an intent before the Salesforce write, the write is an
upsert on the org-wide sync key, and the ledger is committed only after it. An email that cannot be saved
goes to the retry ledger (emails/retrying.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

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
from emails.context import STREAM, StreamContext
from emails.fields import email_to_save, sync_key, task_to_save
from emails.models import SaveAs, SavedEmail, SavedEmailMailbox, SavedThread
from emails.retrying import save_failed
from syncengine.core.email_journal import SaveOutcome
from syncengine.core.email_plan import ThreadPlan, ToSave
from syncengine.models import SyncIssue
from syncengine.services.issues import issue_dismiss, issue_record
from syncengine.services.leases import lease_renew
from syncengine.services.retries import retries_settle

log = logging.getLogger(__name__)


def save(ctx: StreamContext, plan: ThreadPlan) -> None:
    picked = plan.to_save
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
            _save_chunk(ctx, picked[start : start + COLLECTION_LIMIT], ledger, plan)
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


def _target(ctx: StreamContext, candidate: ToSave, ledger: dict[str, SavedEmail]) -> str:
    row = ledger.get(candidate.email.internet_message_id)
    if row is not None and row.crm_id:
        return row.crm_object  # saved before (maybe under another setting): that record it stays
    return "Task" if ctx.settings.save_as == SaveAs.TASK else "EmailMessage"


def _save_chunk(
    ctx: StreamContext, chunk: Sequence[ToSave], ledger: dict[str, SavedEmail], plan: ThreadPlan
) -> None:
    targets = {c.email.internet_message_id: _target(ctx, c, ledger) for c in chunk}
    _intents(ctx, chunk, targets, ledger)
    files = _attachments(ctx, [c for c in chunk if targets[c.email.internet_message_id] == "EmailMessage"])
    messages: list[EmailToSave] = []
    tasks: list[EmailTaskToSave] = []
    for c in chunk:
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
    _commit_saves(ctx, chunk, targets, results, ledger, plan)


def _intents(
    ctx: StreamContext, chunk: Sequence[ToSave], targets: dict[str, str], ledger: dict[str, SavedEmail]
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


def _attachments(ctx: StreamContext, chunk: Sequence[ToSave]) -> dict[str, list[Attachment]]:
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
    chunk: Sequence[ToSave],
    targets: dict[str, str],
    results: dict[str, SaveResult],
    ledger: dict[str, SavedEmail],
    plan: ThreadPlan,
) -> None:
    now = timezone.now()
    lease_renew(lease=ctx.lease, now=now)  # a session that lost its lease writes nothing
    done: list[SavedEmail] = []
    savers: list[SavedEmailMailbox] = []
    threads: set[str] = set()
    failed: list[tuple[ToSave, SaveResult]] = []
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
        ctx.outcomes[key] = SaveOutcome(
            ok=True,
            crm_object=targets[key],
            crm_id=result.id,
            created=bool(result.created),
            problems=tuple(result.problems),
        )
        ctx.report.saved += 1
        ctx.report.created += bool(result.created)
        ctx.report.reasons[c.reason] += 1
        if result.problems:
            _partly_saved(ctx, c, result)
    SavedEmail.objects.bulk_update(done, ["crm_id", "crm_object", "saved_at"])
    SavedEmailMailbox.objects.bulk_create(savers, ignore_conflicts=True)
    if ctx.settings.save_threads and threads:
        SavedThread.objects.bulk_create(
            [
                SavedThread(
                    mailbox=ctx.mailbox,
                    conversation_id=t,
                    what_id=plan.thread_records.get(t, ""),
                    complete=t not in plan.deferred,  # its other emails: read in a later session
                )
                for t in threads
            ],
            ignore_conflicts=True,
        )
    saved_ids = {c.email.internet_message_id for c in chunk} - {
        c.email.internet_message_id for c, _ in failed
    }
    if saved_ids:
        retries_settle(
            mailbox=ctx.mailbox, stream=STREAM, mail_ids={i[:512] for i in saved_ids}, crm_ids=set()
        )
        _close_given_up(ctx, saved_ids)
    for c, result in failed:
        ctx.report.failed += 1
        retried = save_failed(ctx, c, result)
        answer = f"{result.code}: {result.message}" if result.code else result.message
        ctx.outcomes[c.email.internet_message_id] = SaveOutcome(
            ok=False, crm_object=targets[c.email.internet_message_id], answer=answer, retried=retried
        )


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


def _partly(candidate: ToSave, result: SaveResult) -> str:
    subject = candidate.email.subject or "(no subject)"
    return f"The email “{subject}” was saved to Salesforce, but not completely: {'; '.join(result.problems)}"


def _partly_saved(ctx: StreamContext, candidate: ToSave, result: SaveResult) -> None:
    email = candidate.email
    issue_record(
        **ctx.issue_of(email.internet_message_id, email.subject),
        code="EMAIL_PARTLY_SAVED",
        message=_partly(candidate, result),
        crm_id=result.id,
        details={"reason": candidate.reason},
    )
    ctx.report.issues += 1
