"""The email stream of one session: read three folders, decide, link, save once, tag, commit.

Each step has its module: ``choosing`` (deciding and linking), ``saving`` (the Salesforce write and the
ledger), ``mailbox_side`` (tags, moves, cursors); ``context`` holds what they share.

Batched per session, whatever the number of emails:
- mailbox: one delta read per folder (Inbox, Sent Items, "Salesforce emails"), one conversation read per
  thread that starts being saved (or holds an email waiting for a retry), at most MAX_THREAD_READS of them
  (the rest in the next sessions), attachments and category tags and moves in ``$batch`` calls of 20;
- Salesforce: one initial search for all emails of the session (one query per object; a second one only
  for emails a newly saved thread brings in), and per 200 emails one sync-key query, one upsert and one
  relations write (files: one call per 200 files).

Exactly once: the ledger row (``SavedEmail``) is written as an intent before the Salesforce write, the
write is an upsert on the org-wide sync key (from the InternetMessageId), and the ledger and the folder
cursors are committed only after it. A crash in between re-reads the same emails next session, and the
upsert finds the record it made. An email that cannot be saved becomes a ``SyncIssue`` and a
``PendingEmail``: the next sessions read it again and retry, up to MAX_SAVE_ATTEMPTS (none after a
permanent error); then an issue says why and what to do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from connectors.salesforce.connector import SalesforceConnector
from emails import choosing, mailbox_side, saving
from emails.context import FOLDERS, MAX_THREAD_READS, EmailReport, MailboxMail, StreamContext
from emails.models import EmailSettings, MailboxEmailSettings, SavedThread
from emails.saving import MAX_SAVE_ATTEMPTS
from syncengine.core.linking import LinkFilters
from syncengine.extensions import SessionStep, StepContext
from syncengine.models import Mailbox, SyncSession
from syncengine.services.leases import Lease

__all__ = ["MAX_SAVE_ATTEMPTS", "MAX_THREAD_READS", "EmailReport", "MailboxMail", "email_stream_run"]
log = logging.getLogger(__name__)


def email_stream_run(
    *,
    mailbox: Mailbox,
    lease: Lease,
    session: SyncSession | None,
    mail: Any,
    crm: SalesforceConnector,
    now: datetime,
) -> EmailReport | None:
    """Run the email stream for this mailbox; None when its organization does not save emails."""
    settings = EmailSettings.objects.filter(organization_id=mailbox.organization_id, enabled=True).first()
    if settings is None:
        return None
    if not callable(getattr(mail, "read_email_changes", None)):
        log.info("mailbox %s: its provider cannot save emails yet; the email stream is left out", mailbox.pk)
        return None
    own = MailboxEmailSettings.objects.filter(mailbox=mailbox).first() or MailboxEmailSettings(
        mailbox=mailbox
    )
    ctx = StreamContext(
        mailbox=mailbox, lease=lease, session=session, mail=mail, crm=crm, now=now, settings=settings, own=own
    )
    return _run(ctx)


def link_filters_of(mailbox: Mailbox) -> LinkFilters:
    """The org's applied record filters, set on its email settings page (else the reference's): the
    engine's linker of new Events and Tasks reads them too (syncengine/extensions.py)."""
    settings = EmailSettings.objects.filter(organization_id=mailbox.organization_id).first()
    return settings.link_filters() if settings else LinkFilters()


def _step(ctx: StepContext) -> EmailReport | None:
    return email_stream_run(
        mailbox=ctx.mailbox, lease=ctx.lease, session=ctx.session, mail=ctx.mail, crm=ctx.crm, now=ctx.now
    )


# A session's step after its streams (syncengine/services/sessions.py), registered in EmailsConfig.
EMAIL_STEP = SessionStep(stream="emails", title="Emails were not saved this time", run=_step)


def _run(ctx: StreamContext) -> EmailReport:
    changes = {
        role: ctx.mail.read_email_changes(
            folder=role,
            cursor=mailbox_side.cursor(ctx, role),
            backfill_days=ctx.settings.backfill_days,
            salesforce_folder=ctx.settings.salesforce_folder,
            now=ctx.now,
        )
        for role in FOLDERS
    }
    emails = [e for c in changes.values() for e in c.items]
    ctx.fresh = {role for role, c in changes.items() if c.full}
    ctx.session_emails = emails
    ctx.report.read = sum(1 for e in emails if not e.removed)
    saved_here = choosing.saved_here(ctx, emails)
    rows = list(
        SavedThread.objects.filter(mailbox=ctx.mailbox).values_list("conversation_id", "what_id", "complete")
    )
    ctx.thread_what = {conversation_id: what for conversation_id, what, _ in rows}
    incomplete = {conversation_id for conversation_id, _, complete in rows if not complete}
    threads = set(ctx.thread_what)

    candidates = choosing.retries(ctx, saved_here, threads)
    for email in emails:
        choosing.take(ctx, candidates, email, ctx.decide(email, saved_here, threads))
    choosing.link(ctx, candidates.values())
    picked = [c for c in candidates.values() if choosing.chosen(ctx, c)]
    picked += choosing.thread_emails(ctx, picked, candidates, saved_here, threads, incomplete)
    choosing.link_threads(ctx, picked, threads)
    saving.save(ctx, picked)
    mailbox_side.tag_and_move(ctx, picked, emails, saved_here)
    mailbox_side.commit_cursors(ctx, {role: c.next_cursor for role, c in changes.items()})
    return ctx.report
