"""Calendar rules inside a stream's session: which items are saved (scope, categories), the
"Salesforce" category put on synced items, and meeting attendees related in Salesforce.

A part of ``StreamSync`` (syncengine/services/engine.py), kept apart because it is one job.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connectors.graph.connector import GraphConnector
from connectors.salesforce.connector import SalesforceConnector
from syncengine.core.records import ItemChange, PairState, content_hash
from syncengine.core.scope import SALESFORCE_CATEGORY, Decision, event_decision, has_category
from syncengine.extensions import people_rules_for
from syncengine.models import Mailbox
from syncengine.services.leases import Lease
from syncengine.services.relations import Meeting, relate_attendees, related_addresses, unrelate_attendees
from syncengine.services.state import Roster, rosters_load, rosters_save
from syncengine.services.streams import StreamSpec


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CalendarRules:
    """Mixed into StreamSync, which sets these."""

    spec: StreamSpec
    mailbox: Mailbox
    lease: Lease
    mail: GraphConnector
    crm: SalesforceConnector
    stream: str
    report: Any
    _untagged: dict[str, list[str]]
    _series_of: dict[str, str]
    _meetings: dict[str, tuple[list[str], str]]
    _responses: dict[str, dict[str, str]]
    _answers: dict[str, str]
    _new_records: list[tuple[str, str, bool]]
    _pairs: list[PairState]
    _crm_read: list[ItemChange]

    def _issue(self, code: str, message: str, **kwargs: Any) -> None:
        raise NotImplementedError

    def _in_scope(self, changes: list[ItemChange], pairs: list[PairState]) -> list[ItemChange]:
        """Keep what the scope saves (or what is already synced); turn "Salesforce Unsync" into a
        deletion of the Salesforce record. Remember synced items that lack the category."""
        changes = self._past_tombstones(changes, pairs)
        scope = self.spec.scope
        paired = {p.mail_id for p in pairs if p.mail_id}
        if self.spec.only_category:  # another object's stream: only its own items, or what it made
            return [
                c
                for c in changes
                if c.id in paired
                or c.deleted
                or c.removed
                or has_category(c.meta.get("categories") or [], self.spec.only_category)
            ]
        if scope is None:
            return changes
        kept: list[ItemChange] = []
        for change in changes:
            if change.deleted or change.removed or not change.meta:
                kept.append(change)
                continue
            decision = event_decision(change.meta, scope)
            if decision is Decision.UNSYNC:
                if change.id in paired:
                    kept.append(ItemChange(id=change.id, deleted=True, label=change.label))
                    self.report.counts["pairs"]["unsynced"] += 1
                continue
            if decision is Decision.SKIP and change.id not in paired:
                continue
            if change.meta.get("attendees") and change.meta.get("ical_uid"):
                # One Salesforce Event per meeting, whichever attendees' mailboxes save it.
                change = replace(
                    change, shared_key=f"org:{self.mailbox.organization_id}:{change.meta['ical_uid']}"
                )
                organizer = str(change.meta.get("organizer") or "")
                self._meetings[change.id] = (list(change.meta["attendees"]), organizer)
                self._responses[change.id] = dict(change.meta.get("responses") or {})
                self._answers[change.id] = str(change.meta.get("response") or "")
            kept.append(change)
            categories = list(change.meta.get("categories") or [])
            if self.spec.tag_category and not has_category(categories, SALESFORCE_CATEGORY):
                self._untagged[change.id] = categories
                if change.meta.get("series_master_id"):
                    self._series_of[change.id] = str(change.meta["series_master_id"])
        return kept

    @staticmethod
    def _past_tombstones(changes: list[ItemChange], pairs: list[PairState]) -> list[ItemChange]:
        """Items whose record was deleted in Salesforce are never saved again on their own: only
        their deletion, or the user giving back the category we took off (saving it anew), passes."""
        tombstones = {p.mail_id: p.tombstone for p in pairs if p.tombstone and p.mail_id}
        if not tombstones:
            return changes
        return [
            c
            for c in changes
            if c.id not in tombstones
            or c.deleted
            or c.removed
            or (
                tombstones[c.id] == "quiet"
                and has_category(c.meta.get("categories") or [], SALESFORCE_CATEGORY)
            )
        ]

    @staticmethod
    def _crm_in_window(changes: list[ItemChange], pairs: list[PairState], window: Any) -> list[ItemChange]:
        """A change read after the first read is not limited to the window: a record not synced yet
        comes to the calendar only when it falls inside the window, as the first read would have it."""
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

    def _tag_synced(self, pairs: list[PairState], upserts: list[PairState], removals: list[str]) -> None:
        """Give synced calendar items the "Salesforce" category (and put it back if removed)."""
        synced = {p.mail_id for p in _final_states(pairs, upserts, removals) if not p.tombstone}
        # An occurrence's category is set on its series: tagging each occurrence would turn every
        # one of them into an exception of the series in the user's calendar.
        targets: dict[str, list[str]] = {}
        for i in sorted(i for i in self._untagged if i in synced):
            targets.setdefault(self._series_of.get(i, i), self._untagged[i])
        items = [(i, {"categories": [*categories, SALESFORCE_CATEGORY]}) for i, categories in targets.items()]
        if not items:
            return
        for (item_id, _), result in zip(
            items, self.mail.update(stream=self.spec.mail_side_stream, items=items), strict=True
        ):
            if not result.ok:
                self._issue(
                    "CATEGORY_NOT_SET",
                    f"Could not set the Salesforce category: {result.message}",
                    mail_id=item_id,
                )

    def _settle_tombstones(
        self, pairs: list[PairState], upserts: list[PairState], removals: list[str]
    ) -> list[PairState]:
        """Take the "Salesforce" category off items whose record was deleted in Salesforce (the
        reference's deletion table), so the calendar no longer says they are saved."""
        waiting = [p for p in _final_states(pairs, upserts, removals) if p.tombstone == "untag"]
        if not waiting:
            return []
        if not self.spec.tag_category:  # nothing to take off: the item simply stays unsaved
            return [replace(p, tombstone="kept") for p in waiting]
        current = {
            c.id: c
            for c in self.mail.read_items(stream=self.spec.mail_side_stream, ids=[p.mail_id for p in waiting])
        }
        settled: list[PairState] = []
        untag: list[tuple[PairState, list[str]]] = []
        for pair in waiting:
            item = current.get(pair.mail_id)
            if item is None or item.deleted:
                continue  # its deletion comes in a delta and drops the pair
            categories = [str(c) for c in item.meta.get("categories") or []]
            if item.meta.get("series_master_id"):
                settled.append(replace(pair, tombstone="kept"))  # the category is the whole series'
            elif has_category(categories, SALESFORCE_CATEGORY):
                untag.append((pair, [c for c in categories if not has_category([c], SALESFORCE_CATEGORY)]))
            else:
                settled.append(replace(pair, tombstone="quiet"))
        if untag:
            results = self.mail.update(
                stream=self.spec.mail_side_stream,
                items=[(pair.mail_id, {"categories": categories}) for pair, categories in untag],
            )
            for (pair, _), result in zip(untag, results, strict=True):
                if result.ok:
                    settled.append(replace(pair, tombstone="quiet"))
                else:  # stays "untag": the next session tries again
                    self._issue(
                        "CATEGORY_NOT_REMOVED",
                        "Deleted in Salesforce; the Salesforce category could not be taken off the "
                        f"calendar item: {result.message}",
                        mail_id=pair.mail_id,
                    )
        return settled

    def _relate_attendees(self, upserts: list[PairState], removals: list[str]) -> None:
        """Relate a new meeting's attendees; afterwards follow the mailbox's attendee changes."""
        new = {mail_id for _, mail_id, _ in self._new_records}
        meetings = [
            Meeting(
                crm_id,
                tuple(self._meetings[mail_id][0]),
                self._meetings[mail_id][1],
                self.crm.user_id if joined else "",
                self._responses.get(mail_id, {}),
            )
            for crm_id, mail_id, joined in self._new_records
            if mail_id in self._meetings
        ]
        # A let-go attendee's marker (see PairState.tombstone) no longer has a meeting to follow.
        gone = set(removals) | {s.sync_key for s in upserts if s.tombstone == "left"}
        paired = {p.mail_id: p for p in [*self._pairs, *upserts] if p.mail_id and p.crm_id}
        people: dict[str, frozenset[str]] = {}  # meetings whose roster changed: their people now
        organizers: dict[str, str] = {}
        unrelated: list[tuple[str, frozenset[str]]] = []
        before = rosters_load(mailbox=self.mailbox, sync_keys=[p.sync_key for p in paired.values()])
        for mail_id, (attendees, organizer) in self._meetings.items():
            pair = paired.get(mail_id)
            if pair is None or pair.sync_key in gone:
                continue
            now = frozenset(a.lower() for a in (*attendees, organizer) if a)
            kept = before.get(pair.sync_key)
            last = kept.attendees if kept is not None else None
            organizers[pair.sync_key] = organizer.lower()
            if last != now or kept is None or kept.organizer != organizer.lower():
                people[pair.sync_key] = now
            if mail_id in new or not self.spec.continuous_attendees or last == now:
                continue
            if last is None:  # paired before rosters were kept: make sure everyone is related
                meetings.append(
                    Meeting(pair.crm_id, tuple(sorted(now)), organizer, "", self._responses.get(mail_id, {}))
                )
                continue
            if now - last:
                responses = self._responses.get(mail_id, {})
                meetings.append(Meeting(pair.crm_id, tuple(sorted(now - last)), "", "", responses))
            unrelated.append((pair.crm_id, last - now))
        if meetings or unrelated:
            relatable = people_rules_for(self.mailbox).relatable
            meetings = [
                replace(
                    m,
                    attendees=tuple(a for a in m.attendees if relatable(a)),
                    organizer=m.organizer if relatable(m.organizer) else "",
                )
                for m in meetings
            ]
        problems = relate_attendees(self.crm, meetings, owner_id=self.crm.user_id)
        problems += unrelate_attendees(self.crm, unrelated, owner_id=self.crm.user_id)
        for problem in problems:
            self._issue("RELATION_FAILED", problem)
        if self.spec.continuous_attendees:
            known = {key: roster.attendees for key, roster in before.items()}
            people |= self._attendees_from_salesforce(paired, {**known, **people}, gone)
        rosters = {
            key: Roster(now, organizers.get(key) or (before[key].organizer if key in before else ""))
            for key, now in people.items()
        }
        rosters_save(
            mailbox=self.mailbox, lease=self.lease, rosters=rosters, forget=[k for k in gone if k in before]
        )

    def _attendees_from_salesforce(
        self, paired: dict[str, PairState], rosters: dict[str, frozenset[str]], gone: set[str]
    ) -> dict[str, frozenset[str]]:
        """People related in Salesforce to a synced meeting's Event join the calendar item (the
        reference: added with an unknown response); one removed there stays. Only Events whose content
        changed since the last sync are looked at, so a quiet session costs nothing: the Salesforce
        read returns again the rows of its overlap and our own writes, whose content is unchanged."""
        synced = {p.crm_id: p.crm_hash for p in self._pairs if p.crm_id}
        changed = {
            c.id for c in self._crm_read if not c.deleted and content_hash(c.values) != synced.get(c.id)
        }
        meetings = {
            p.crm_id: p
            for p in paired.values()
            if p.crm_id in changed and p.sync_key in rosters and p.sync_key not in gone
        }
        if not meetings:
            return {}
        related = related_addresses(self.crm, sorted(meetings), owner_id=self.crm.user_id)
        own = str(self.mailbox.address).lower()
        additions: list[tuple[str, dict[str, Any]]] = []
        grown: dict[str, frozenset[str]] = {}
        keys: list[str] = []
        for crm_id, pair in meetings.items():
            new = related.get(crm_id, set()) - rosters[pair.sync_key] - {own}
            if new:
                additions.append((pair.mail_id, {"add_attendees": sorted(new)}))
                keys.append(pair.sync_key)
                grown[pair.sync_key] = rosters[pair.sync_key] | new
        if not additions:
            return {}
        results = self.mail.update(stream=self.spec.mail_side_stream, items=additions)
        for (mail_id, _), key, result in zip(additions, keys, results, strict=True):
            if not result.ok:  # tried again after the Event's next change
                grown.pop(key, None)
                self._issue(
                    "ATTENDEES_NOT_ADDED", f"Could not add attendees: {result.message}", mail_id=mail_id
                )
        return grown


def _final_states(pairs: list[PairState], upserts: list[PairState], removals: list[str]) -> list[PairState]:
    """Each pair as the commit will store it: a later state of a pair wins, removed ones are gone."""
    final = {p.sync_key: p for p in pairs}
    final.update({s.sync_key: s for s in upserts})
    for key in set(removals) - {s.sync_key for s in upserts}:
        final.pop(key, None)
    return list(final.values())
