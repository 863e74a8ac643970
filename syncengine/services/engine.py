"""One stream of one session: gather -> plan -> execute -> commit.

The planner decides (pure, in ``syncengine.core``); this module reads, writes through connectors in
batches, records per-item results and commits pair state with cursors only after the writes.
A crash anywhere replays the same changes next time; creates are upserts on the sync key, so
the replay is harmless.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from connectors.base import ConnectorError, WriteResult
from connectors.graph.connector import GraphConnector
from connectors.neutral.times import Window
from connectors.salesforce.connector import SalesforceConnector
from syncengine.core.linking import ItemFacts
from syncengine.core.planner import Action, Kind, Plan, plan_stream
from syncengine.core.records import ChangeSet, ItemChange, PairState
from syncengine.core.scope import SALESFORCE_CATEGORY
from syncengine.models import Mailbox, RetryState, Side, SyncIssue, SyncSession
from syncengine.services.activity_links import link_new_activities
from syncengine.services.engine_calendar import CalendarRules
from syncengine.services.engine_dedup import Deduplication
from syncengine.services.engine_meetings import MeetingOwnership
from syncengine.services.failures import SESSION_WIDE_CODES
from syncengine.services.held import MASS_DELETE_HALTED, deletions_held, deletions_hold, deletions_settle
from syncengine.services.issues import CONFLICT_RESOLVED, issue_record, issues_resolve_for_items
from syncengine.services.leases import Lease
from syncengine.services.state import (
    cursors_load,
    intents_record,
    mail_intents_record,
    pairs_load,
    state_commit,
)
from syncengine.services.streams import StreamSpec

log = logging.getLogger(__name__)


@dataclass
class StreamReport:
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    issues: int = 0
    halted: bool = False  # stopped for this session, or deletions wait for a person's decision

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {direction: dict(c) for direction, c in self.counts.items()}


class StreamSync(CalendarRules, Deduplication, MeetingOwnership):
    def __init__(
        self,
        *,
        mailbox: Mailbox,
        lease: Lease,
        session: SyncSession,
        spec: StreamSpec,
        mail: GraphConnector,
        crm: SalesforceConnector,
        now: datetime,
    ) -> None:
        self.mailbox = mailbox
        self.lease = lease  # every commit of this stream is fenced by it (services/leases.py)
        self.session = session
        self.spec = spec
        self.rules = spec.rules
        self.mail = mail
        self.crm = crm
        self.now = now
        self.report = StreamReport()
        self.stream = spec.stream
        self.key_scope = f"mailbox:{mailbox.pk}"  # what makes this mailbox's sync keys its own
        self._untagged: dict[str, list[str]] = {}  # synced mail items without the category
        self._series_of: dict[str, str] = {}  # occurrence id -> its series master's id
        self._stamp: dict[str, str] = {}  # linked Salesforce records that get our sync key
        self._resolved: list[PairState] = []  # half-made pairs whose record was found
        self._pairs: list[PairState] = []
        self._crm_read: list[ItemChange] = []  # what this session read from Salesforce
        self._stale_intents: list[str] = []  # sync keys of creates that never happened
        self._resumed: set[str] = set()  # sync keys of mail creates a dead worker made, found again
        self._meetings: dict[str, tuple[list[str], str]] = {}  # mail id -> (attendees, organizer)
        self._responses: dict[str, dict[str, str]] = {}  # mail id -> attendee address -> answer
        self._answers: dict[str, str] = {}  # mail id -> this mailbox's own answer to the meeting
        self._new_records: list[tuple[str, str, bool]] = []  # (crm id, mail id, joined someone's)
        self._created: dict[str, dict[str, Any]] = {}  # crm id -> neutral values of records made now
        self._vanished: dict[str, set[str]] = {Side.MAIL: set(), Side.CRM: set()}  # retried, gone, unpaired

    # -- gather -----------------------------------------------------------------------------------
    def run(self) -> StreamReport:
        window = self.spec.window(self.now)
        cursors = cursors_load(mailbox=self.mailbox, stream=self.stream)
        pairs = self._resolve_intents(pairs_load(mailbox=self.mailbox, stream=self.stream))
        pairs = self._resolve_mail_intents(pairs)
        self._pairs = pairs
        mail_cursor = cursors.get(Side.MAIL, "")
        mail_set = self.mail.read_changes(
            stream=self.spec.mail_side_stream, cursor=mail_cursor, window=window
        )
        crm_cursor, moved = _crm_cursor_in(cursors.get(Side.CRM, ""), window)
        crm_set = self.crm.read_changes(
            crm_object=self.rules.crm_object,
            fields=self.rules.read_fields,
            cursor=crm_cursor,
            neutral=self.rules.neutral_from_crm,
            label_field=self.spec.label_field,
            extra_where=self.spec.crm_scope(window),
            always_where=self.spec.crm_filter,
            # The window moved since the last read: records that came into it are read too.
            widen_where=self.spec.crm_scope(window) if moved else "",
        )
        if self._side_suddenly_empty(mail_set, crm_set, pairs):
            return self.report

        self._crm_read = crm_set.changes
        every_hold = deletions_held(mailbox=self.mailbox, stream=self.stream)
        # A restore a dead worker already made is done: it is not decided on again, only settled.
        held = [h for h in every_hold if h.sync_key not in self._resumed]
        held_keys = {h.sync_key for h in held}
        # Items whose write failed earlier are read again as they are now, then mapped like any change.
        mail_changes = self._with_pending(Side.MAIL, mail_set.changes)
        mail_changes = self._in_scope(self._drop_unreadable(mail_changes), pairs)
        crm_changes = self._crm_in_window(self._with_pending(Side.CRM, crm_set.changes), pairs, window)
        unheld = [p for p in pairs if p.sync_key not in held_keys]  # a held pair waits for a person
        mail_changes = self._confirm_removals(mail_changes, mail_set, unheld)

        plan = plan_stream(
            rules=self.rules,
            scope=self.key_scope,
            pairs=pairs,
            mail_changes=mail_changes,
            crm_changes=crm_changes,
            held=held,
            owned=self._owned_meetings(pairs, mail_changes),
        )
        self._link_existing(plan)
        self._await_organizers(plan)
        # Conflicts and notices are recorded before any write: a worker that dies after writing
        # must not take with it the record of what it overwrote.
        self._record_plan_findings(plan)
        if plan.held:  # kept, neither applied nor forgotten, while the cursor moves on
            deletions_hold(mailbox=self.mailbox, stream=self.stream, actions=plan.held)
        upserts, removals = self._execute(plan)
        upserts = [*self._resolved, *upserts]  # later states of the same pair win in the commit
        removals = [*self._stale_intents, *removals]
        # Follow-ups after the writes: one failing records an issue, never holds back the commit.
        self._follow_up("category", lambda: self._tag_synced(pairs, upserts, removals))
        self._follow_up("deletion", lambda: upserts.extend(self._settle_tombstones(pairs, upserts, removals)))
        self._follow_up("attendees", lambda: self._relate_attendees(upserts, removals))
        self._follow_up("links", self._link_new_records)
        state_commit(
            mailbox=self.mailbox,
            lease=self.lease,
            stream=self.stream,
            crm_object=self.rules.crm_object,
            upserts=upserts,
            removals=removals,
            cursors={Side.MAIL: mail_set.next_cursor, Side.CRM: _crm_cursor_out(crm_set.next_cursor, window)},
        )
        issues_resolve_for_items(
            mailbox=self.mailbox,
            stream=self.stream,
            mail_ids=self._vanished[Side.MAIL],
            crm_ids=self._vanished[Side.CRM],
        )
        self._settle_held(every_hold, pairs, plan, upserts, removals)
        return self.report

    def _settle_held(
        self,
        held: list[Any],
        pairs: list[PairState],
        plan: Plan,
        upserts: list[PairState],
        removals: list[str],
    ) -> None:
        """Drop the holds whose decision was carried out (or whose pair is gone); while any waits for a
        decision, the stream is halted: the session says so, and so does the stream's issue."""
        done = set(removals) | {s.sync_key for s in upserts}
        paired = {p.sync_key for p in pairs}
        settled = {h.sync_key for h in held if h.decision and h.sync_key in done}
        settled |= {h.sync_key for h in held if h.sync_key not in paired}
        deletions_settle(mailbox=self.mailbox, stream=self.stream, sync_keys=settled)
        new = {a.sync_key for a in plan.held}
        waiting = [h for h in held if not h.decision and h.sync_key not in settled and h.sync_key not in new]
        count = len(waiting) + len(new)
        if not count:
            return
        self.report.halted = True
        self.report.counts["held"]["deletions"] = count
        if waiting and not plan.held:  # a halt of an earlier session: still waiting
            sides = {"crm": "Salesforce", "mail": "the mailbox"}
            where = " and ".join(sorted({sides[h.side] for h in waiting}))
            self._issue(
                MASS_DELETE_HALTED,
                f"{count} {self.stream} deletions in {where} are held and wait for your decision on the "
                "dashboard: confirm them, or restore the items. Nothing is deleted until then.",
            )

    def _side_suddenly_empty(self, mail_set: ChangeSet, crm_set: ChangeSet, pairs: list[PairState]) -> bool:
        """A full read that comes back empty while we hold pairs is a broken side, not a wipe-out."""
        threshold = self.rules.max_delete_min_count
        for change_set, name in ((mail_set, "mailbox"), (crm_set, "Salesforce")):
            if change_set.full and not change_set.changes and len(pairs) > threshold:
                self.report.halted = True
                self._issue(
                    "SIDE_EMPTY_HALTED",
                    f"The {name} returned no {self.stream} at all while {len(pairs)} are synced; the "
                    "stream was stopped for this session and nothing was deleted.",
                )
                return True
        return False

    def _drop_unreadable(self, changes: list[ItemChange]) -> list[ItemChange]:
        kept = []
        for change in changes:
            error = change.values.get("_error") if change.values else None
            if error:
                self._issue(
                    "ITEM_UNREADABLE",
                    f"This item could not be read: {error}.",
                    mail_id=change.id,
                    label=change.label,
                )
                self.report.counts["to_crm"]["failed"] += 1
            else:
                kept.append(change)
        return kept

    def _with_pending(self, side: str, changes: list[ItemChange]) -> list[ItemChange]:
        """Add items whose write failed in an earlier session, unless the side reported them again:
        read again from their side as they are now (one batched read), so they are mapped with the
        current rules and carry the current values, never the ones mapped when they failed."""
        pending = self._pending(side)
        ids = sorted(set(pending) - {c.id for c in changes})
        if not ids:
            return changes
        paired = {(p.mail_id if side == Side.MAIL else p.crm_id) for p in self._pairs}
        if side == Side.MAIL:
            extra = self.mail.read_items(stream=self.spec.mail_side_stream, ids=ids)
        else:
            found = self.crm.read_items(
                crm_object=self.rules.crm_object,
                fields=self.rules.read_fields,
                ids=ids,
                neutral=self.rules.neutral_from_crm,
                label_field=self.spec.label_field,
            )
            # Not returned at all: gone for good if its deletion was what failed, else read next time.
            extra = [found.get(i) or ItemChange(id=i, deleted=True) for i in ids if i in found or pending[i]]
        for change in extra:
            if change.deleted and change.id not in paired:  # nothing left to sync
                self._vanished[side].add(change.id)
        return changes + extra

    def _pending(self, side: str) -> dict[str, bool]:
        """Items of a side retried this session: id -> whether the write that failed was a deletion.
        Hidden issues are retried too; an issue a person stopped is not."""
        rows = (
            SyncIssue.objects.filter(mailbox=self.mailbox, stream=self.stream, details__pending__side=side)
            .filter(Q(retry=RetryState.AUTO) | Q(retry=RetryState.NONE, resolved=False))
            .values_list("details", flat=True)
        )
        out: dict[str, bool] = {}
        for details in rows:
            pending = details["pending"]
            legacy = pending.get("change") or {}  # issues stored before retries read items again
            item_id = str(pending.get("id") or legacy.get("id") or "")
            deleted = bool(pending.get("deleted") or legacy.get("deleted"))
            if item_id:
                out[item_id] = out.get(item_id, False) or deleted
        return out

    def _confirm_removals(
        self, changes: list[ItemChange], mail_set: ChangeSet, pairs: list[PairState]
    ) -> list[ItemChange]:
        """Tell "deleted" from "left the window": Graph reports both as removed.

        After a full read, paired items the read did not return are candidates too.
        """
        paired = {p.mail_id for p in pairs if p.mail_id}
        reported = {c.id for c in changes}
        candidates = {c.id for c in changes if c.removed and c.id in paired}
        if mail_set.full:
            candidates |= paired - reported
        # Items we created in the mailbox and have not seen in a delta yet: a delta only reports
        # the deletion of items it has shown, so ask for these by id (still there: nothing to do).
        unseen = {p.mail_id for p in pairs if p.mail_id and not p.mail_seen} - reported
        if not candidates and not unseen:
            return [c for c in changes if not c.removed]
        exists = self.mail.exists(stream=self.spec.mail_side_stream, ids=sorted(candidates | unseen))
        kept = [c for c in changes if not c.removed]
        kept += [
            ItemChange(id=i, removed=True, deleted=not still)
            for i, still in exists.items()
            if i in candidates or not still
        ]
        return kept

    # -- execute ----------------------------------------------------------------------------------
    def _execute(self, plan: Plan) -> tuple[list[PairState], list[str]]:
        upserts: list[PairState] = []
        removals: list[str] = []
        done_mail: set[str] = set()
        done_crm: set[str] = set()

        def succeeded(action: Action, state: PairState | None) -> None:
            if state is None:
                removals.append(action.sync_key)
            else:
                upserts.append(state)
            done_mail.add(action.mail_id or (state.mail_id if state else ""))
            done_crm.add(action.crm_id or (state.crm_id if state else ""))

        failed: set[str] = set()
        creates = plan.of_kind(Kind.CREATE_CRM)
        if creates:
            intents_record(
                mailbox=self.mailbox,
                lease=self.lease,
                stream=self.stream,
                crm_object=self.rules.crm_object,
                states=[a.state for a in creates if a.state is not None],
            )
        self._crm_creates(creates, succeeded)
        self._mail_creates(plan.of_kind(Kind.CREATE_MAIL), succeeded)
        updates = plan.of_kind(Kind.UPDATE)
        failed |= self._crm_updates([a for a in updates if a.crm_writes or a.crm_id in self._stamp])
        failed |= self._mail_updates([a for a in updates if a.mail_writes])
        for action in updates:
            if action.sync_key not in failed:
                succeeded(action, action.state)
                if action.crm_writes:
                    self.report.counts["to_crm"]["updated"] += 1
                if action.mail_writes:
                    self.report.counts["to_mail"]["updated"] += 1
        self._crm_deletes(plan.of_kind(Kind.DELETE_CRM), succeeded)
        self._mail_deletes(plan.of_kind(Kind.DELETE_MAIL), succeeded)
        self._let_go(plan.of_kind(Kind.LET_GO), succeeded)
        for action in plan.of_kind(Kind.UNLINK, Kind.FORGET):
            succeeded(action, None)
            self.report.counts["pairs"]["unlinked"] += 1
        for action in plan.of_kind(Kind.TOMBSTONE):
            succeeded(action, action.state)
            self.report.counts["pairs"]["deleted_in_salesforce"] += 1
        for action in plan.of_kind(Kind.REFRESH):
            succeeded(action, action.state)
        issues_resolve_for_items(
            mailbox=self.mailbox, stream=self.stream, mail_ids=done_mail - {""}, crm_ids=done_crm - {""}
        )
        return upserts, removals

    def _crm_creates(self, actions: list[Action], succeeded: Any) -> None:
        if not actions:
            return
        key_field = settings.SALESFORCE_SYNC_KEY_FIELD
        fixed = dict(self.rules.crm_create_values)  # under the mapped values: no row maps both
        records = [
            {
                key_field: a.sync_key,
                **fixed,
                **self.rules.crm_fields(a.crm_writes)[0],
                **self._owner_fields(a),
            }
            for a in actions
        ]
        results = self.crm.upsert(crm_object=self.rules.crm_object, records=records)
        for action, result in zip(actions, results, strict=True):
            assert action.state is not None
            if result.ok:
                action.state.crm_id = result.id
                # A meeting's record that existed: another attendee's mailbox saved it first. The
                # organizer's mailbox took it over in this upsert (its owner fields): it owns it now.
                joined = result.created is False and action.mail_id in self._meetings
                took_over = joined and self._organizes(action.mail_id)
                if joined and not took_over:
                    action.state.origin = "shared"
                succeeded(action, action.state)
                self.report.counts["to_crm"]["joined" if joined else "created"] += 1
                if took_over:
                    self.report.counts["pairs"]["ownership_moved"] += 1
                self._new_records.append((result.id, action.mail_id, joined and not took_over))
                if not joined:
                    self._created[result.id] = dict(action.crm_writes)
            else:
                self._item_failed(action, result, Side.MAIL, "to_crm")

    def _follow_up(self, what: str, step: Callable[[], None]) -> None:
        try:
            step()
        except ConnectorError as error:
            if error.code in SESSION_WIDE_CODES:
                raise
            self._issue("FOLLOW_UP_FAILED", f"Synced, but the {what} step after it failed: {error}")

    def _link_new_records(self) -> None:
        """Events and Tasks made this session get their business record (WhatId), as emails do."""
        if not self.spec.link_records or not self._created:
            return
        meetings = {crm_id: mail_id for crm_id, mail_id, _ in self._new_records}
        items = []
        for crm_id, values in self._created.items():
            attendees, organizer = self._meetings.get(meetings.get(crm_id, ""), ([], ""))
            facts = ItemFacts(
                sender=organizer,
                to=tuple(attendees),
                subject=str(values.get("subject") or ""),
                body=str(values.get("body") or ""),
            )
            items.append((crm_id, facts))
        problems = link_new_activities(
            self.crm,
            mailbox=self.mailbox,
            crm_object=self.rules.crm_object,
            items=items,
            today=self.now.date(),
        )
        for problem in problems:
            self._issue("LINK_FAILED", problem)

    def _mail_creates(self, actions: list[Action], succeeded: Any) -> None:
        if not actions:
            return
        extra = {"categories": [SALESFORCE_CATEGORY]} if self.spec.tag_category else {}
        if self.spec.mail_category:
            extra = {"categories": [self.spec.mail_category]}
        # Noted before the write, and each item stamped with its sync key: a worker that dies after
        # the create and before the commit leaves an intent the next session resolves by that key.
        mail_intents_record(
            mailbox=self.mailbox,
            lease=self.lease,
            stream=self.stream,
            crm_object=self.rules.crm_object,
            states=[a.state for a in actions if a.state is not None],
        )
        results = self.mail.create(
            stream=self.spec.mail_side_stream,
            items=[{**a.mail_writes, **extra} for a in actions],
            sync_keys=[a.sync_key for a in actions],
        )
        before = {p.sync_key: p for p in self._pairs}
        for action, result in zip(actions, results, strict=True):
            assert action.state is not None
            if result.ok:
                action.state.mail_id = result.id
                action.state.mail_version = result.version
                succeeded(action, action.state)
                self.report.counts["to_mail"]["created"] += 1
            else:
                self._item_failed(action, result, Side.CRM, "to_mail")
                # Nothing was made: the pair goes back to what it was (a restore), or away (new).
                if action.sync_key in before:
                    self._resolved.append(before[action.sync_key])
                else:
                    self._stale_intents.append(action.sync_key)

    def _crm_updates(self, actions: list[Action]) -> set[str]:
        if not actions:
            return set()
        key_field = settings.SALESFORCE_SYNC_KEY_FIELD
        records = [
            {"Id": a.crm_id, **self.rules.crm_fields(a.crm_writes)[0]}
            | ({key_field: self._stamp[a.crm_id]} if a.crm_id in self._stamp else {})
            for a in actions
        ]
        results = self.crm.update(crm_object=self.rules.crm_object, records=records)
        return {
            a.sync_key
            for a, r in zip(actions, results, strict=True)
            if not self._ok(a, r, Side.MAIL, "to_crm")
        }

    def _mail_updates(self, actions: list[Action]) -> set[str]:
        if not actions:
            return set()
        results = self.mail.update(
            stream=self.spec.mail_side_stream, items=[(a.mail_id, a.mail_writes) for a in actions]
        )
        return {
            a.sync_key
            for a, r in zip(actions, results, strict=True)
            if not self._ok(a, r, Side.CRM, "to_mail")
        }

    def _crm_deletes(self, actions: list[Action], succeeded: Any) -> None:
        if not actions:
            return
        results = self.crm.delete(ids=[a.crm_id for a in actions])
        for action, result in zip(actions, results, strict=True):
            if result.ok or result.code in ("ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"):
                succeeded(action, None)
                self.report.counts["to_crm"]["deleted"] += 1
            else:
                self._item_failed(action, result, Side.MAIL, "to_crm")

    def _mail_deletes(self, actions: list[Action], succeeded: Any) -> None:
        if not actions:
            return
        results = self.mail.delete(stream=self.spec.mail_side_stream, ids=[a.mail_id for a in actions])
        for action, result in zip(actions, results, strict=True):
            if result.ok:
                succeeded(action, None)
                self.report.counts["to_mail"]["deleted"] += 1
            else:
                self._item_failed(action, result, Side.CRM, "to_mail")

    def _ok(self, action: Action, result: WriteResult, source: str, direction: str) -> bool:
        if not result.ok:
            self._item_failed(action, result, source, direction)
        return result.ok

    def _item_failed(self, action: Action, result: WriteResult, source: str, direction: str) -> None:
        """Keep the item: record why, and which item to read again so the next session retries it.

        Only the item's id and side are kept: a retry reads the item as it is then and maps it with
        the rules of then, so a mapping fixed meanwhile is used and stale values are never replayed.
        """
        self.report.counts[direction]["failed"] += 1
        target = "Salesforce" if direction == "to_crm" else "the mailbox"
        pending = {
            "side": source,
            "id": action.mail_id if source == Side.MAIL else action.crm_id,
            "deleted": action.kind in (Kind.DELETE_CRM, Kind.DELETE_MAIL, Kind.LET_GO),
        }
        self._issue(
            result.code or "WRITE_FAILED",
            f"Could not write to {target}: {result.message or result.code}",
            mail_id=action.mail_id,
            crm_id=action.crm_id,
            label=action.label,
            details={"pending": pending, "permanent": result.permanent},
            retry=RetryState.AUTO,
        )

    # -- findings ---------------------------------------------------------------------------------
    def _record_plan_findings(self, plan: Plan) -> None:
        for notice in plan.notices:
            if notice.code == MASS_DELETE_HALTED:
                self.report.halted = True
            self._issue(
                notice.code, notice.message, mail_id=notice.mail_id, crm_id=notice.crm_id, label=notice.label
            )
        for conflict in plan.conflicts:
            self.report.counts["pairs"]["conflicts"] += 1
            loser = "Salesforce" if conflict.winner == "mail" else "mailbox"
            self._issue(
                CONFLICT_RESOLVED,
                f"'{conflict.field}' was changed on both sides; the {loser} value was overwritten.",
                label=conflict.label,
                mail_id=conflict.mail_id,
                crm_id=conflict.crm_id,
                details={
                    "field": conflict.field,
                    "mail_value": conflict.mail_value,
                    "crm_value": conflict.crm_value,
                    "winner": conflict.winner,
                },
            )

    def _issue(self, code: str, message: str, **kwargs: Any) -> None:
        self.report.issues += 1
        issue_record(
            mailbox=self.mailbox,
            session=self.session,
            stream=self.stream,
            code=code,
            message=message,
            crm_object=self.rules.crm_object,
            **kwargs,
        )


def _crm_cursor_in(stored: str, window: Window | None) -> tuple[str, bool]:
    """A windowed stream's Salesforce cursor carries the window's days: (stamp, window moved)."""
    if window is None:
        return stored, False
    day, bar, stamp = stored.partition("|")
    if not bar:  # a cursor kept before windows were noted: read the window once
        return stored, bool(stored)
    return stamp, day != _day(window)


def _crm_cursor_out(stamp: str, window: Window | None) -> str:
    return f"{_day(window)}|{stamp}" if window is not None else stamp


def _day(window: Window) -> str:
    return f"{window.start:%Y-%m-%d}~{window.end:%Y-%m-%d}"
