"""The calendar rules a stream applies to what it read, before planning (pure: data in, data out).

Which mail items are saved at all (the event scope, "Salesforce Unsync", another object's category),
which ones were deleted in Salesforce and stay unsaved (tombstones), which Salesforce records fall in
the sliding window, and the facts about meetings (attendees, organizer, answers) and about the
"Salesforce" category that the plan and the follow-ups need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from syncengine.core.records import ItemChange, PairState
from syncengine.core.scope import (
    SALESFORCE_CATEGORY,
    Decision,
    EventScope,
    event_decision,
    has_category,
    is_internal,
    skip_reason,
)


class Span(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True)
class MeetingFacts:
    """A meeting as this mailbox read it: its attendees, organizer and answers."""

    attendees: tuple[str, ...]
    organizer: str
    responses: Mapping[str, str] = field(default_factory=dict)  # attendee address -> their answer
    answer: str = ""  # this mailbox's own answer
    tagged: bool = False  # it has the 'Salesforce' category: saved whoever is in it
    names: Mapping[str, str] = field(default_factory=dict)  # address -> display name, as invited
    internal: bool = False  # everyone in it is from the company's domains


@dataclass(frozen=True)
class ScopedChanges:
    """The mail changes a stream syncs, and what the scope learnt about them on the way."""

    changes: list[ItemChange]
    meetings: dict[str, MeetingFacts] = field(default_factory=dict)  # mail id -> the meeting
    untagged: dict[str, list[str]] = field(default_factory=dict)  # mail id -> its categories, no "Salesforce"
    series_of: dict[str, str] = field(default_factory=dict)  # occurrence id -> its series master's id
    unsynced: int = 0  # items "Salesforce Unsync" takes out of sync
    left_out: dict[str, tuple[str, str]] = field(default_factory=dict)  # mail id -> (label, why: a code)


def scoped_mail_changes(
    changes: list[ItemChange],
    pairs: list[PairState],
    *,
    scope: EventScope | None,
    only_category: str,
    tag_category: bool,
    organization_id: int,
) -> ScopedChanges:
    """Keep what the scope saves (or what is already synced); turn "Salesforce Unsync" into a deletion
    of the Salesforce record. Meetings get the org-wide key that makes one Event of all the attendees'
    copies."""
    changes = past_tombstones(changes, pairs)
    paired = {p.mail_id for p in pairs if p.mail_id}
    if only_category:  # another object's stream: only its own items, or what it made
        return ScopedChanges(
            [
                c
                for c in changes
                if c.id in paired
                or c.deleted
                or c.removed
                or has_category(c.meta.get("categories") or [], only_category)
            ]
        )
    if scope is None:
        return ScopedChanges(changes)
    result = ScopedChanges([])
    unsynced = 0
    for change in changes:
        if change.deleted or change.removed or not change.meta:
            result.changes.append(change)
            continue
        decision = event_decision(change.meta, scope)
        if decision is Decision.UNSYNC:
            if change.id in paired:
                result.changes.append(ItemChange(id=change.id, deleted=True, label=change.label))
                unsynced += 1
            continue
        if decision is Decision.SKIP and change.id not in paired:
            result.left_out[change.id] = (change.label, skip_reason(change.meta, scope))
            continue
        if change.meta.get("attendees") and change.meta.get("ical_uid"):
            change = replace(change, shared_key=f"org:{organization_id}:{change.meta['ical_uid']}")
            result.meetings[change.id] = MeetingFacts(
                attendees=tuple(change.meta["attendees"]),
                organizer=str(change.meta.get("organizer") or ""),
                responses=dict(change.meta.get("responses") or {}),
                answer=str(change.meta.get("response") or ""),
                tagged=has_category(change.meta.get("categories") or [], SALESFORCE_CATEGORY),
                names=dict(change.meta.get("names") or {}),
                internal=is_internal(change.meta, scope),
            )
        result.changes.append(change)
        categories = list(change.meta.get("categories") or [])
        if tag_category and not has_category(categories, SALESFORCE_CATEGORY):
            result.untagged[change.id] = categories
            if change.meta.get("series_master_id"):
                result.series_of[change.id] = str(change.meta["series_master_id"])
    return replace(result, unsynced=unsynced)


def past_tombstones(changes: list[ItemChange], pairs: list[PairState]) -> list[ItemChange]:
    """Items whose record was deleted in Salesforce are never saved again on their own: only their
    deletion, or the user giving back the category we took off (saving it anew), passes."""
    tombstones = {p.mail_id: p.tombstone for p in pairs if p.tombstone and p.mail_id}
    if not tombstones:
        return changes
    return [
        c
        for c in changes
        if c.id not in tombstones
        or c.deleted
        or c.removed
        or (tombstones[c.id] == "quiet" and has_category(c.meta.get("categories") or [], SALESFORCE_CATEGORY))
    ]


def crm_in_window(changes: list[ItemChange], pairs: list[PairState], window: Span | None) -> list[ItemChange]:
    """A change read after the first read is not limited to the window: a record not synced yet comes
    to the calendar only when it falls inside the window, as the first read would have it."""
    if window is None:
        return changes
    paired = {p.crm_id for p in pairs if p.crm_id}
    start, end = _stamp(window.start), _stamp(window.end)
    kept: list[ItemChange] = []
    for change in changes:
        values = change.values
        first, last = values.get("start"), values.get("end") or values.get("start")
        outside = bool(first and last) and (str(first) >= end or str(last) < start)
        if change.deleted or change.id in paired or not outside:
            kept.append(change)
    return kept


def final_states(
    pairs: Iterable[PairState], upserts: Iterable[PairState], removals: Iterable[str]
) -> list[PairState]:
    """Each pair as the commit will store it: a later state of a pair wins, removed ones are gone."""
    final = {p.sync_key: p for p in pairs}
    upserts = list(upserts)
    final.update({s.sync_key: s for s in upserts})
    for key in set(removals) - {s.sync_key for s in upserts}:
        final.pop(key, None)
    return list(final.values())


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
