"""Gather: everything a stream's plan is made from, read before anything is written.

Both sides' changes since their cursors, the stored pairs (with the ones a dead worker left half-made
resolved by their sync keys), the items whose write failed earlier read again as they are now, the
calendar rules applied, the held deletions, and who owns the meetings deleted in the mailbox. Then,
once the planner has drafted, the facts the draft asks for (``look_up``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from connectors.neutral.times import Window
from connectors.salesforce.connector import comparable
from syncengine.core.calendar import ScopedChanges, crm_in_window, scoped_mail_changes
from syncengine.core.final_plan import Facts, Match, MeetingContext, Wanted, matches_read
from syncengine.core.meetings import Role
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange, PairState, Problem
from syncengine.extensions import NOBODY_BLOCKED, people_makeable, people_rules_for
from syncengine.models import Side
from syncengine.selectors import saved_meetings, synced_users
from syncengine.services.held import deletions_held
from syncengine.services.relations import people_of
from syncengine.services.retries import retries_due
from syncengine.services.state import cursors_load, pairs_load, rosters_load
from syncengine.stream.context import StepResult, StreamContext


@dataclass
class Intents:
    """Pairs a dead worker left half-made, resolved: whole again, or forgotten."""

    resolved: list[PairState] = field(default_factory=list)  # to store as found
    stale: list[str] = field(default_factory=list)  # sync keys of creates that never happened
    resumed: set[str] = field(default_factory=set)  # mail creates a dead worker made, found again


@dataclass
class Gathered:
    window: Window | None
    mail_set: ChangeSet
    crm_set: ChangeSet
    pairs: list[PairState]
    intents: Intents
    every_hold: list[Any]  # the stream's held deletions, a dead worker's restores among them
    held: list[Any]  # those still to decide on
    mail_changes: list[ItemChange] = field(default_factory=list)
    crm_changes: list[ItemChange] = field(default_factory=list)
    scoped: ScopedChanges = field(default_factory=lambda: ScopedChanges([]))
    owned: dict[str, bool] = field(default_factory=dict)  # meeting sync key -> this mailbox owns it
    vanished: dict[str, set[str]] = field(default_factory=dict)  # retried items gone and unpaired
    retried: dict[str, set[str]] = field(default_factory=dict)  # ids the retry ledger had, per side
    result: StepResult = field(default_factory=StepResult)
    halted: bool = False  # a side came back empty: nothing is planned this session
    first: bool = False  # no cursor yet: both sides read whole, as a first sync does


def gather(ctx: StreamContext, *, from_scratch: bool = False) -> Gathered:
    """``from_scratch``: read both sides whole, as a first or full sync does (the preview)."""
    spec, rules = ctx.spec, ctx.spec.rules
    window = spec.window(ctx.now)
    cursors = {} if from_scratch else cursors_load(mailbox=ctx.mailbox, stream=ctx.stream)
    intents = Intents()
    pairs = _resolve_intents(ctx, pairs_load(mailbox=ctx.mailbox, stream=ctx.stream), intents)
    pairs = _resolve_mail_intents(ctx, pairs, intents)
    mail_set = ctx.mail.read_changes(
        stream=spec.mail_side_stream, cursor=cursors.get(Side.MAIL, ""), window=window
    )
    crm_cursor, moved = crm_cursor_in(cursors.get(Side.CRM, ""), window)
    crm_set = ctx.crm.read_changes(
        crm_object=rules.crm_object,
        fields=rules.read_fields,
        cursor=crm_cursor,
        neutral=rules.neutral_from_crm,
        label_field=spec.label_field,
        extra_where=spec.crm_scope(window),
        always_where=spec.crm_filter,
        # The window moved since the last read: records that came into it are read too.
        widen_where=spec.crm_scope(window) if moved else "",
    )
    every_hold = deletions_held(mailbox=ctx.mailbox, stream=ctx.stream)
    gathered = Gathered(
        window=window,
        mail_set=mail_set,
        crm_set=crm_set,
        pairs=pairs,
        intents=intents,
        every_hold=every_hold,
        # A restore a dead worker already made is done: it is not decided on again, only settled.
        held=[h for h in every_hold if h.sync_key not in intents.resumed],
        vanished={Side.MAIL: set(), Side.CRM: set()},
        retried={Side.MAIL: set(), Side.CRM: set()},
        first=not cursors,
    )
    if intents.resumed:
        gathered.result.counts["pairs"]["resumed"] += len(intents.resumed)
    empty = _side_suddenly_empty(ctx, mail_set, crm_set, pairs)
    if empty is not None:
        gathered.result.problems.append(empty)
        gathered.halted = True
        return gathered

    held_keys = {h.sync_key for h in gathered.held}
    # Items whose write failed earlier are read again as they are now, then mapped like any change.
    mail_changes = _drop_unreadable(_with_pending(ctx, Side.MAIL, mail_set.changes, gathered), gathered)
    scoped = scoped_mail_changes(
        mail_changes,
        pairs,
        scope=spec.scope,
        only_category=spec.only_category,
        tag_category=spec.tag_category,
        organization_id=ctx.mailbox.organization_id,
    )
    if scoped.unsynced:
        gathered.result.counts["pairs"]["unsynced"] += scoped.unsynced
    crm_changes = crm_in_window(_with_pending(ctx, Side.CRM, crm_set.changes, gathered), pairs, window)
    unheld = [p for p in pairs if p.sync_key not in held_keys]  # a held pair waits for a person
    gathered.mail_changes = _confirm_removals(ctx, scoped.changes, mail_set, unheld)
    gathered.crm_changes = crm_changes
    gathered.scoped = scoped
    gathered.owned = _owned_meetings(ctx, pairs, gathered.mail_changes)
    return gathered


def meeting_context(ctx: StreamContext, gathered: Gathered) -> MeetingContext:
    scope = ctx.spec.scope
    saves_all = scope is None or scope.save_meetings_without_people
    return MeetingContext(
        meetings=gathered.scoped.meetings,
        own_address=str(ctx.mailbox.address),
        save_unresponded_invitations=scope is None or scope.save_unresponded_invitations,
        save_meetings_without_people=saves_all,
        save_internal_meetings=scope is not None and scope.save_internal_meetings,
        # The blocklists are read only where the rule asks who may count (six queries, once).
        blocked=(NOBODY_BLOCKED if saves_all else people_rules_for(ctx.mailbox)).blocked,
    )


def look_up(ctx: StreamContext, gathered: Gathered, wanted: Wanted) -> Facts:
    """The facts the draft asked for: records matching new items' natural keys (the ones read this
    session first, then, for org-wide keys, one search of the rest), and the organizers of invitations
    among the org's synced users, with the meetings their mailboxes saved."""
    spec, rules = ctx.spec, ctx.spec.rules
    matches: dict[Any, Any] = {}
    if wanted.match_keys:
        matches = matches_read(rules, spec.natural_key, gathered.crm_set.changes, comparable)
        missing = [k for k in wanted.match_keys if k not in matches]
        if missing and spec.natural_key_scope == "org":
            by_key = {r.key: r for r in rules.fields}
            found = ctx.crm.find_matches(
                crm_object=rules.crm_object,
                fields=rules.read_fields,
                match_fields=_match_types(ctx, [by_key[k] for k in spec.natural_key]),
                candidates=missing,
                neutral=rules.neutral_from_crm,
            )
            matches |= {key: Match(*row) for key, row in found.items()}
    people, makeable = None, frozenset[str]()
    if wanted.meeting_people:
        people = people_of(ctx.crm, wanted.people_to_ask)
        unblocked = {a for addresses in wanted.meeting_people.values() for a in addresses}
        makeable = people_makeable(ctx.mailbox, sorted(people.unknown() & unblocked))
    if not wanted.invitations:
        return Facts(matches=matches, people=people, makeable=makeable)
    invitations = wanted.invitations.values()
    synced = synced_users(
        organization_id=ctx.mailbox.organization_id, addresses=[i.organizer for i in invitations]
    )
    saved = saved_meetings(
        mailbox_ids=[pk for i in invitations for pk in synced.get(i.organizer, [])],
        stream=ctx.stream,
        sync_keys=[i.sync_key for i in invitations],
    )
    return Facts(
        matches=matches, synced_users=synced, saved_by=frozenset(saved), people=people, makeable=makeable
    )


# -- the pairs ------------------------------------------------------------------------------------
def _resolve_intents(ctx: StreamContext, pairs: list[PairState], intents: Intents) -> list[PairState]:
    """Pairs a dead worker left half-made (see intents_record): find their records by sync key.
    Found: the pair is whole again. Not found: the create never happened; forget the intent, the
    mail change is read again and created as usual."""
    half_made = {p.sync_key: p for p in pairs if not p.crm_id and p.origin == "mail" and not p.tombstone}
    if not half_made:
        return pairs
    found = ctx.crm.ids_by_sync_key(crm_object=ctx.spec.rules.crm_object, keys=sorted(half_made))
    for key, pair in half_made.items():
        if key in found:
            pair.crm_id = found[key]
            intents.resolved.append(pair)
        else:
            intents.stale.append(key)
    return [p for p in pairs if p.sync_key not in intents.stale]


def _resolve_mail_intents(ctx: StreamContext, pairs: list[PairState], intents: Intents) -> list[PairState]:
    """Mail items a dead worker may have made (see mail_intents_record): look them up by the sync key
    stamped on them, in one batched lookup. Found: the pair is whole, as its commit would have made
    it. Not found: the create never happened; a new pair is forgotten (the Salesforce change is read
    again and made once), a restore keeps its pair (its deletion is read again)."""
    pending = {p.sync_key: p for p in pairs if p.mail_intent_at is not None}
    if not pending:
        return pairs  # a quiet session: no call
    paired = {p.mail_id for p in pairs if p.mail_id and p.sync_key not in pending}
    found = ctx.mail.find_created(
        stream=ctx.spec.mail_side_stream,
        intents=[
            CreateIntent(key, dict(p.synced.get("mail") or {}), p.mail_intent_at)
            for key, p in pending.items()
            if p.mail_intent_at is not None
        ],
        paired=paired,
    )
    kept: list[PairState] = []
    for pair in pairs:
        item = found.get(pair.sync_key) if pair.sync_key in pending else None
        if pair.sync_key not in pending:
            kept.append(pair)
        elif item is not None and item.id not in paired:
            paired.add(item.id)
            whole = replace(pair, mail_id=item.id, mail_version=item.version, mail_intent_at=None)
            intents.resolved.append(whole)
            intents.resumed.add(pair.sync_key)
            kept.append(whole)
        elif pair.mail_id:  # a restore that never happened: the pair as it was, done again
            undone = replace(pair, mail_intent_at=None)
            intents.resolved.append(undone)
            kept.append(undone)
        else:
            intents.stale.append(pair.sync_key)
    return kept


# -- the changes ----------------------------------------------------------------------------------
def _side_suddenly_empty(
    ctx: StreamContext, mail_set: ChangeSet, crm_set: ChangeSet, pairs: list[PairState]
) -> Problem | None:
    """A full read that comes back empty while we hold pairs is a broken side, not a wipe-out."""
    threshold = ctx.spec.rules.max_delete_min_count
    for change_set, name in ((mail_set, "mailbox"), (crm_set, "Salesforce")):
        if change_set.full and not change_set.changes and len(pairs) > threshold:
            return Problem(
                "SIDE_EMPTY_HALTED",
                f"The {name} returned no {ctx.stream} at all while {len(pairs)} are synced; the "
                "stream was stopped for this session and nothing was deleted.",
            )
    return None


def _drop_unreadable(changes: list[ItemChange], gathered: Gathered) -> list[ItemChange]:
    kept = []
    for change in changes:
        error = change.values.get("_error") if change.values else None
        if error:
            gathered.result.problems.append(
                Problem(
                    "ITEM_UNREADABLE",
                    f"This item could not be read: {error}.",
                    mail_id=change.id,
                    label=change.label,
                )
            )
            gathered.result.counts["to_crm"]["failed"] += 1
        else:
            kept.append(change)
    return kept


def _with_pending(
    ctx: StreamContext, side: str, changes: list[ItemChange], gathered: Gathered
) -> list[ItemChange]:
    """Add items whose write failed in an earlier session, unless the side reported them again: read
    again from their side as they are now (one batched read), so they are mapped with the current
    rules and carry the current values, never the ones mapped when they failed."""
    pending = _pending(ctx, side)
    gathered.retried[side] = set(pending)
    ids = sorted(set(pending) - {c.id for c in changes})
    if not ids:
        return changes
    rules = ctx.spec.rules
    paired = {(p.mail_id if side == Side.MAIL else p.crm_id) for p in gathered.pairs}
    if side == Side.MAIL:
        extra = ctx.mail.read_items(stream=ctx.spec.mail_side_stream, ids=ids)
    else:
        found = ctx.crm.read_items(
            crm_object=rules.crm_object,
            fields=rules.read_fields,
            ids=ids,
            neutral=rules.neutral_from_crm,
            label_field=ctx.spec.label_field,
        )
        # Not returned at all: gone for good if its deletion was what failed, else read next time.
        extra = [found.get(i) or ItemChange(id=i, deleted=True) for i in ids if i in found or pending[i]]
    for change in extra:
        if change.deleted and change.id not in paired:  # nothing left to sync
            gathered.vanished[side].add(change.id)
    return changes + extra


def _pending(ctx: StreamContext, side: str) -> dict[str, bool]:
    """Items of a side retried this session (the retry ledger): id -> whether the write that failed
    was a deletion."""
    return {item.id: item.deleted for item in retries_due(mailbox=ctx.mailbox, stream=ctx.stream, side=side)}


def _confirm_removals(
    ctx: StreamContext, changes: list[ItemChange], mail_set: ChangeSet, pairs: list[PairState]
) -> list[ItemChange]:
    """Tell "deleted" from "left the window": Graph reports both as removed. After a full read,
    paired items the read did not return are candidates too."""
    paired = {p.mail_id for p in pairs if p.mail_id}
    reported = {c.id for c in changes}
    candidates = {c.id for c in changes if c.removed and c.id in paired}
    if mail_set.full:
        candidates |= paired - reported
    # Items we created in the mailbox and have not seen in a delta yet: a delta only reports the
    # deletion of items it has shown, so ask for these by id (still there: nothing to do).
    unseen = {p.mail_id for p in pairs if p.mail_id and not p.mail_seen} - reported
    if not candidates and not unseen:
        return [c for c in changes if not c.removed]
    exists = ctx.mail.exists(stream=ctx.spec.mail_side_stream, ids=sorted(candidates | unseen))
    kept = [c for c in changes if not c.removed]
    kept += [
        ItemChange(id=i, removed=True, deleted=not still)
        for i, still in exists.items()
        if i in candidates or not still
    ]
    return kept


# -- meetings -------------------------------------------------------------------------------------
def _owned_meetings(
    ctx: StreamContext, pairs: list[PairState], mail_changes: list[ItemChange]
) -> dict[str, bool]:
    """For meetings deleted in the mailbox this session: sync key -> whether this mailbox owns the
    Event, by the organizer its roster kept. A meeting whose organizer is no synced user is left to
    the pair's origin (the first mailbox to save it owns it)."""
    gone = {c.id for c in mail_changes if c.deleted}
    keys = [p.sync_key for p in pairs if p.mail_id in gone and p.crm_id]
    if not gone or not keys:
        return {}
    organizers = {
        k: r.organizer for k, r in rosters_load(mailbox=ctx.mailbox, sync_keys=keys).items() if r.organizer
    }
    if not organizers:
        return {}
    synced = synced_users(organization_id=ctx.mailbox.organization_id, addresses=organizers.values())
    context = MeetingContext(meetings={}, own_address=str(ctx.mailbox.address))
    owned: dict[str, bool] = {}
    for key, organizer in organizers.items():
        role = context.role_of(organizer, "", synced)
        if role is not Role.UNKNOWN:
            owned[key] = role is Role.ORGANIZER
    return owned


def _match_types(ctx: StreamContext, rules: list[Any]) -> dict[str, str]:
    """Each match field's describe type, as stored with the mapping; a row stored before types were
    kept is typed from a describe of the object (one call, only then)."""
    types = {r.crm_field: r.crm_type for r in rules}
    if not all(types.values()):
        described = ctx.crm.describe(ctx.spec.rules.crm_object).get("fields", [])
        by_name = {str(f["name"]).lower(): str(f["type"]) for f in described}
        types = {f: t or by_name.get(f.lower(), "") for f, t in types.items()}
    return types


# -- cursors --------------------------------------------------------------------------------------
def crm_cursor_in(stored: str, window: Window | None) -> tuple[str, bool]:
    """A windowed stream's Salesforce cursor carries the window's days: (stamp, window moved)."""
    if window is None:
        return stored, False
    day, bar, stamp = stored.partition("|")
    if not bar:  # a cursor kept before windows were noted: read the window once
        return stored, bool(stored)
    return stamp, day != _day(window)


def crm_cursor_out(stamp: str, window: Window | None) -> str:
    return f"{_day(window)}|{stamp}" if window is not None else stamp


def _day(window: Window) -> str:
    return f"{window.start:%Y-%m-%d}~{window.end:%Y-%m-%d}"
