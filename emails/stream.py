"""The email stream of one session, top to bottom: gather, plan, execute, commit.

- gather (emails/gather.py): the three folders since their cursors, the ledger (what this mailbox saved,
  the threads it saves whole, the emails waiting for a retry), one Salesforce search;
- plan (syncengine/core/email_plan.py, pure): what to save, why not the rest, and each email's links;
  a thread that starts being saved brings in its other emails: a second gather (its conversation read,
  their own search) and plan round;
- new people (emails/people.py): participants no Lead or Contact has get one through the engine's people
  maker (autoresolving), and their emails are linked again to them, before anything is written;
- execute: the waiting emails' ledger upkeep (emails/retrying.py), the Salesforce writes
  (emails/saving.py), the category tags and moves (emails/mailbox_side.py);
- commit: the ledger with each write, then the folder cursors;
- journal (emails/journal.py, syncengine/core/email_journal.py): each email the step weighed, saved
  (with its record and which rule chose its person and business record), failed (Salesforce's answer)
  or left out (why), filed with the session for the dashboard and the console's item trace.

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
upsert finds the record it made. An email that cannot be saved becomes a ``SyncIssue`` that holds it in
the retry ledger (syncengine/services/retries.py): the next sessions read it again and retry, up to
MAX_SAVE_ATTEMPTS (none after a permanent error); then an issue says why and what to do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from connectors.salesforce.connector import SalesforceConnector
from emails import gather, mailbox_side, people, retrying, saving
from emails.context import EmailReport, StreamContext
from emails.journal import journal_emails
from emails.models import EmailSettings, MailboxEmailSettings
from syncengine.core.email_plan import emails_to_search, plan_emails, plan_threads, thread_emails_to_search
from syncengine.core.linking import LinkFilters, merged
from syncengine.extensions import SessionStep, StepContext
from syncengine.models import Mailbox, SyncSession
from syncengine.services.leases import Lease

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
    inputs, cursors = gather.first_round(ctx)
    first = gather.search(ctx, emails_to_search(inputs))
    plan = plan_emails(inputs, first)
    threads, saved = gather.threads_of(ctx, plan)
    found = gather.search(ctx, thread_emails_to_search(inputs, plan, threads, saved))
    final = plan_threads(inputs, plan, threads, saved, found)
    final = people.with_new_people(ctx, inputs, final, merged(first, found))

    ctx.report.read = sum(1 for e in inputs.emails if not e.removed)
    ctx.report.skipped.update(skip for _, skip in (*plan.left_alone, *final.left_alone))
    stopped = ""
    try:
        retrying.settle_waiting(ctx, plan)
        saving.save(ctx, final)
    except Exception as error:  # the session records the error; the journal says which emails it left
        stopped = str(error) or type(error).__name__
        raise
    finally:
        journal_emails(ctx, plan, final, stopped=stopped)
    mailbox_side.tag_and_move(ctx, final.to_save, inputs.emails, inputs.saved_here)
    mailbox_side.commit_cursors(ctx, cursors, final.completed)
    return ctx.report
