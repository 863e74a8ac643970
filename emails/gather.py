"""The email stream's reads, batched per session: the three folders since their cursors, the ledger (the
emails and threads this mailbox saved, the emails waiting for a retry), the threads to read, and the
Salesforce search. Nothing here decides: the plan does (syncengine/core/email_plan.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta

from emails.context import FOLDERS, STREAM, StreamContext
from emails.models import SavedEmailMailbox, SavedThread
from emails.services import CURSOR_SIDE, CURSOR_STREAMS
from syncengine.core.email_plan import (
    EmailInputs,
    EmailPlan,
    SavingRules,
    Thread,
    WaitingEmail,
    waiting_threads_to_read,
)
from syncengine.core.email_records import EmailChangeSet, FolderRole
from syncengine.core.linking import Found, ItemFacts
from syncengine.models import SyncCursor
from syncengine.services.lookup import search_session
from syncengine.services.retries import retries_due

CURSOR_SLACK = timedelta(minutes=10)  # clocks differ: better one conversation read too many


def first_round(ctx: StreamContext) -> tuple[EmailInputs, dict[FolderRole, str]]:
    """Round 1's inputs, and the folder cursors to commit once the emails are handled."""
    cursors = {
        row.stream: row
        for row in SyncCursor.objects.filter(
            mailbox=ctx.mailbox, stream__in=[CURSOR_STREAMS[r] for r in FOLDERS], side=CURSOR_SIDE
        )
    }
    changes: dict[FolderRole, EmailChangeSet] = {}
    read_since: dict[FolderRole, str] = {}
    for role in FOLDERS:
        row = cursors.get(CURSOR_STREAMS[role])
        if row is not None:  # the previous read began before its cursor was stored, on another clock
            read_since[role] = (row.updated_at - CURSOR_SLACK).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        changes[role] = ctx.mail.read_email_changes(
            folder=role,
            cursor=row.value if row is not None else "",
            backfill_days=ctx.settings.backfill_days,
            salesforce_folder=ctx.settings.salesforce_folder,
            now=ctx.now,
        )
    emails = [e for c in changes.values() for e in c.items]
    ctx.waiting = {item.id: item for item in retries_due(mailbox=ctx.mailbox, stream=STREAM, side="mail")}
    waiting = [WaitingEmail(item.id, item.thread) for item in ctx.waiting.values()]
    threads = list(
        SavedThread.objects.filter(mailbox=ctx.mailbox).values_list("conversation_id", "what_id", "complete")
    )
    inputs = EmailInputs(
        emails=emails,
        is_blocked=ctx.is_blocked,
        user=ctx.user,
        today=ctx.now.date(),
        rules=SavingRules(
            auto_save=ctx.auto_save,  # type: ignore[arg-type]
            auto_track=ctx.auto_track,  # type: ignore[arg-type]
            save_threads=ctx.settings.save_threads,
        ),
        filters=ctx.filters,
        saved_here=_saved_here(ctx, [*(e.internet_message_id for e in emails), *ctx.waiting]),
        saved_threads=frozenset(t for t, _, _ in threads),
        incomplete_threads=frozenset(t for t, _, complete in threads if not complete),
        thread_records={t: what for t, what, _ in threads},
        waiting=waiting,
        conversations={t: ctx.conversation(t) for t in waiting_threads_to_read(emails, waiting)},
        fresh=frozenset(role for role, c in changes.items() if c.full),
        read_since=read_since,
    )
    return inputs, {role: c.next_cursor for role, c in changes.items()}


def threads_of(ctx: StreamContext, plan: EmailPlan) -> tuple[dict[str, Thread | None], frozenset[str]]:
    """Round 2's reads: the emails of each thread the plan brings in (None: no read left this session),
    and which of them this mailbox saved before."""
    threads = {t: plan.local_threads.get(t) or ctx.conversation(t) for t in plan.threads_to_read}
    ids = [e.internet_message_id for members in threads.values() for e in members or ()]
    return threads, _saved_here(ctx, ids)


def search(ctx: StreamContext, facts: Sequence[ItemFacts]) -> Found:
    """One batched Salesforce search for these emails (none when there is nothing to ask)."""
    if not facts:
        return Found()
    return search_session(
        ctx.crm,
        facts,
        user=ctx.user,
        is_blocked=ctx.is_blocked,
        today=ctx.now.date(),
        filters=ctx.search_filters,
    )


def _saved_here(ctx: StreamContext, ids: Sequence[str]) -> frozenset[str]:
    """Of these InternetMessageIds, those this mailbox saved."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return frozenset()
    rows = SavedEmailMailbox.objects.filter(
        mailbox=ctx.mailbox, saved_email__internet_message_id__in=wanted
    ).exclude(saved_email__crm_id="")
    return frozenset(rows.values_list("saved_email__internet_message_id", flat=True))
