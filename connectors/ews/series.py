"""Recurring series: SyncFolderItems reports a series as its master; the engine (as with Graph's
calendarView) works with the occurrences in the window.

When a read brings a series master (new, edited, or an occurrence of it edited or deleted), its
occurrences in the window are read with one CalendarView call for all such masters, and reported
with ``series_master_id``; the occurrence ids reported last time per master are kept in the cursor,
so an occurrence that left the series (or the window) is reported removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exchangelib import CalendarItem

from connectors.ews import events
from syncengine.core.records import ItemChange

OCCURRENCE_TYPES = ("Occurrence", "Exception")


def is_master(item: Any) -> bool:
    return isinstance(item, CalendarItem) and item.type == "RecurringMaster"


def occurrence_changes(
    masters: Mapping[str, CalendarItem],
    occurrences: Sequence[Any],
    known: Mapping[str, Sequence[str]],
) -> tuple[list[ItemChange], dict[str, list[str]]]:
    """Changes for the window's occurrences of ``masters``, removals for those no longer there, and
    the occurrence ids to remember per master."""
    by_uid: dict[str, list[CalendarItem]] = {}
    for item in occurrences:
        if isinstance(item, CalendarItem) and item.type in OCCURRENCE_TYPES and item.uid:
            by_uid.setdefault(str(item.uid), []).append(item)
    changes: list[ItemChange] = []
    remembered: dict[str, list[str]] = {}
    for master_id, master in masters.items():
        ids: list[str] = []
        for occurrence in by_uid.get(str(master.uid or ""), []):
            changes.append(_occurrence_change(occurrence, master_id))
            ids.append(str(occurrence.id))
        changes += [ItemChange(id=gone, removed=True) for gone in known.get(master_id, []) if gone not in ids]
        if ids:
            remembered[master_id] = ids
    return changes, remembered


def _occurrence_change(occurrence: CalendarItem, master_id: str) -> ItemChange:
    try:
        change = events.to_change(occurrence)
    except ValueError as error:
        return ItemChange(
            id=str(occurrence.id), label=str(occurrence.subject or ""), values={"_error": str(error)}
        )
    meta = dict(change.meta)
    meta["series_master_id"] = master_id
    original = occurrence.original_start or occurrence.start
    # Every occurrence is its own meeting: its iCal id carries its original date, as Graph's does.
    meta["ical_uid"] = f"{occurrence.uid}{original:%Y%m%d}" if occurrence.uid and original else ""
    return ItemChange(
        id=change.id,
        version=change.version,
        values=change.values,
        modified_at=change.modified_at,
        label=change.label,
        meta=meta,
        deleted=change.deleted,
    )
