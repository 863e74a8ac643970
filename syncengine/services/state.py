"""Loading and committing pair state and cursors (together, after the writes they describe)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from syncengine.core.records import PairState
from syncengine.models import ItemPair, Mailbox, MeetingRoster, SyncCursor
from syncengine.services.leases import Lease, lease_renew

STATE_FIELDS = [
    "mail_id",
    "crm_id",
    "origin",
    "mail_version",
    "crm_version",
    "mail_hash",
    "crm_hash",
    "mail_seen",
    "tombstone",
    "mail_intent_at",
]
PAIR_FIELDS = [*STATE_FIELDS, "synced_values", "updated_at"]


def pairs_load(*, mailbox: Mailbox, stream: str) -> list[PairState]:
    rows = ItemPair.objects.filter(mailbox=mailbox, stream=stream).values(
        "sync_key", "synced_values", *STATE_FIELDS
    )
    return [
        PairState(
            sync_key=r["sync_key"],
            synced=r["synced_values"] or {"mail": {}, "crm": {}},
            **{name: r[name] for name in STATE_FIELDS},
        )
        for r in rows
    ]


def cursors_reset(*, mailbox: Mailbox, stream: str = "") -> int:
    """A full resync: the next session reads the stream (or every stream) whole on both sides. The
    pairs stay, so every item read is matched to its pair again and nothing is created twice."""
    cursors = SyncCursor.objects.filter(mailbox=mailbox)
    if stream:
        cursors = cursors.filter(stream=stream)
    return cursors.delete()[0]


def cursors_load(*, mailbox: Mailbox, stream: str) -> dict[str, str]:
    rows = SyncCursor.objects.filter(mailbox=mailbox, stream=stream).values_list("side", "value")
    return dict(rows)


def intents_record(
    *, mailbox: Mailbox, lease: Lease, stream: str, crm_object: str, states: Iterable[PairState]
) -> None:
    """Before creating records in Salesforce, note which mail items they are for (no record id
    yet). A worker that dies after the create but before the commit leaves these behind, and the
    next session finds the records by their sync keys instead of losing track of them."""
    intents = [replace(s, crm_id="", mail_seen=False) for s in states]
    known = set(  # a tombstone gives way: the user saved the item again, as a new record
        ItemPair.objects.filter(
            mailbox=mailbox, stream=stream, sync_key__in=[s.sync_key for s in intents], tombstone=""
        ).values_list("sync_key", flat=True)
    )
    state_commit(
        mailbox=mailbox,
        lease=lease,
        stream=stream,
        crm_object=crm_object,
        upserts=[s for s in intents if s.sync_key not in known],
        removals=[],
        cursors={},
    )


def mail_intents_record(
    *, mailbox: Mailbox, lease: Lease, stream: str, crm_object: str, states: Iterable[PairState]
) -> None:
    """Before creating mail items, store the pairs they are for as they will be once made, marked as
    intents (``mail_intent_at``). A restore keeps the id of the item it replaces, so that if the create
    never happened, the deletion read again still finds its pair and restores once more."""
    states = list(states)
    now = timezone.now()
    replaced = dict(
        ItemPair.objects.filter(
            mailbox=mailbox, stream=stream, sync_key__in=[s.sync_key for s in states]
        ).values_list("sync_key", "mail_id")
    )
    state_commit(
        mailbox=mailbox,
        lease=lease,
        stream=stream,
        crm_object=crm_object,
        upserts=[replace(s, mail_id=replaced.get(s.sync_key, ""), mail_intent_at=now) for s in states],
        removals=[],
        cursors={},
    )


@transaction.atomic
def state_commit(
    *,
    mailbox: Mailbox,
    lease: Lease,
    stream: str,
    crm_object: str,
    upserts: Iterable[PairState],
    removals: Iterable[str],
    cursors: dict[str, str],
    rosters: Mapping[str, Roster] | None = None,
    rosters_forget: Iterable[str] = (),
) -> None:
    """Store pair changes, the new cursors and the meetings' rosters in one transaction: all of it,
    or none of it.

    Only while the session holds the mailbox's lease: one that lost it raises ``LeaseLostError`` first
    and writes nothing.
    """
    now = timezone.now()
    lease_renew(lease=lease, now=now)
    upserts = list({s.sync_key: s for s in upserts}.values())  # the last state of a pair wins
    rows = [
        ItemPair(
            mailbox=mailbox,
            stream=stream,
            sync_key=state.sync_key,
            crm_object=crm_object,
            created_at=now,
            mail_id=state.mail_id,
            crm_id=state.crm_id,
            origin=state.origin,
            mail_version=state.mail_version[:200],
            mail_seen=state.mail_seen,
            tombstone=state.tombstone,
            mail_intent_at=state.mail_intent_at,
            crm_version=state.crm_version[:40],
            mail_hash=state.mail_hash,
            crm_hash=state.crm_hash,
            synced_values=state.synced,
            updated_at=now,
        )
        for state in upserts
    ]
    # One upsert on the pair's key, whether the row is new or not (an intent written before the
    # writes, or an earlier sync): linear, where an UPDATE per field and row is not.
    ItemPair.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["mailbox", "stream", "sync_key"],
        update_fields=PAIR_FIELDS,
    )
    removals = list(set(removals) - {s.sync_key for s in upserts})  # a pair made anew stays
    if removals:
        ItemPair.objects.filter(mailbox=mailbox, stream=stream, sync_key__in=removals).delete()
    for side, value in cursors.items():
        SyncCursor.objects.update_or_create(
            mailbox=mailbox, stream=stream, side=side, defaults={"value": value, "updated_at": now}
        )
    _rosters_store(mailbox=mailbox, rosters=rosters or {}, forget=rosters_forget)


@dataclass(frozen=True)
class Roster:
    """A synced meeting as the mailbox last showed it: its people (organizer included) and organizer."""

    attendees: frozenset[str]
    organizer: str = ""


def rosters_load(*, mailbox: Mailbox, sync_keys: Iterable[str]) -> dict[str, Roster]:
    """The attendees each synced meeting had when the mailbox last showed it, and its organizer."""
    keys = list(sync_keys)
    rows = MeetingRoster.objects.filter(mailbox=mailbox, sync_key__in=keys) if keys else []
    return {row.sync_key: Roster(frozenset(row.attendees), row.organizer) for row in rows}


def _rosters_store(*, mailbox: Mailbox, rosters: Mapping[str, Roster], forget: Iterable[str]) -> None:
    """The meetings' attendees in one statement (an upsert on mailbox + sync key)."""
    forget = list(forget)
    if forget:
        MeetingRoster.objects.filter(mailbox=mailbox, sync_key__in=forget).delete()
    if rosters:
        MeetingRoster.objects.bulk_create(
            [
                MeetingRoster(
                    mailbox=mailbox, sync_key=k, attendees=sorted(v.attendees), organizer=v.organizer[:320]
                )
                for k, v in rosters.items()
            ],
            update_conflicts=True,
            unique_fields=["mailbox", "sync_key"],
            update_fields=["attendees", "organizer", "updated_at"],
        )
