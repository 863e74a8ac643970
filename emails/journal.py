"""The email step's journal, stored with the session (the entries: syncengine/core/email_journal.py).

A journal that cannot be written is logged and left out: it explains a session, it never fails one.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction

from emails.context import STREAM, StreamContext
from emails.fields import sync_key
from syncengine.core.email_journal import email_journal_entries
from syncengine.core.email_plan import EmailPlan, ThreadPlan
from syncengine.core.journal import Entry
from syncengine.services.journal import journal_record

log = logging.getLogger(__name__)


def journal_emails(ctx: StreamContext, plan: EmailPlan, final: ThreadPlan, *, stopped: str = "") -> int:
    """File the entries of this run's emails with its session; how many were filed."""
    try:
        return _journal(ctx, plan, final, stopped)
    except Exception:  # whatever goes wrong here, the emails were saved (or not) all the same
        log.exception("mailbox %s: the email journal of this session could not be written", ctx.mailbox.pk)
        return 0


def _journal(ctx: StreamContext, plan: EmailPlan, final: ThreadPlan, stopped: str) -> int:
    entries = email_journal_entries(
        plan=plan,
        final=final,
        outcomes=ctx.outcomes,
        key=sync_key,
        folder=ctx.settings.salesforce_folder,
        auto_track=ctx.auto_track,  # type: ignore[arg-type]
        stopped=stopped,
    )
    by_object: dict[str, list[Entry]] = defaultdict(list)  # an email's record: EmailMessage or Task
    for entry in entries:
        outcome = ctx.outcomes.get(str(entry.details.get("internet_message_id", "")))
        by_object[outcome.crm_object if outcome is not None else ""].append(entry)
    with transaction.atomic():  # a savepoint: a refused row leaves the session's own writes alone
        return sum(
            journal_record(
                mailbox=ctx.mailbox, session=ctx.session, stream=STREAM, crm_object=crm_object, entries=rows
            )
            for crm_object, rows in by_object.items()
        )
