"""Store a stream's journal entries with its session (the pure part: syncengine/core/journal.py)."""

from __future__ import annotations

from collections.abc import Iterable

from syncengine.core.journal import Entry
from syncengine.models import JournalEntry, Mailbox, SyncSession

# A label or message longer than its column is cut, never refused: the journal must not fail a sync.
_LABEL, _MAIL_ID = 300, 512


def journal_record(
    *, mailbox: Mailbox, session: SyncSession | None, stream: str, crm_object: str, entries: Iterable[Entry]
) -> int:
    if session is None:  # a stream run outside a session (tests, tools): nothing to file it under
        return 0
    rows = [
        JournalEntry(
            session=session,
            mailbox=mailbox,
            stream=stream,
            what=e.what,
            sync_key=e.sync_key,
            item_label=e.label[:_LABEL],
            mail_id=e.mail_id[:_MAIL_ID],
            crm_object=crm_object if e.crm_id else "",
            crm_id=e.crm_id,
            fields=list(e.fields),
            message=e.message,
            details=dict(e.details),
        )
        for e in entries
    ]
    JournalEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)
