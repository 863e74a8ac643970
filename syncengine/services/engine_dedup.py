"""Deduplication inside a stream's session: half-made pairs a dead worker left (create intents, on
either side), and new mail items linked to the Salesforce record their natural key already names.

A part of ``StreamSync`` (syncengine/services/engine.py), kept apart because it is one job.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from connectors.graph.connector import GraphConnector
from connectors.salesforce.connector import SalesforceConnector, comparable
from syncengine.core.planner import Action, Kind, Plan, link_to_existing
from syncengine.core.records import CreateIntent, ItemChange, PairState
from syncengine.core.rules import FieldRule, StreamRules
from syncengine.services.streams import StreamSpec


class Deduplication:
    """Mixed into StreamSync, which sets these."""

    spec: StreamSpec
    rules: StreamRules
    crm: SalesforceConnector
    mail: GraphConnector
    report: Any
    _pairs: list[PairState]
    _crm_read: list[ItemChange]
    _resolved: list[PairState]
    _stale_intents: list[str]
    _resumed: set[str]
    _stamp: dict[str, str]
    _meetings: dict[str, tuple[list[str], str]]
    _new_records: list[tuple[str, str, bool]]

    def _resolve_intents(self, pairs: list[PairState]) -> list[PairState]:
        """Pairs a dead worker left half-made (see intents_record): find their records by sync key.
        Found: the pair is whole again. Not found: the create never happened; forget the intent,
        the mail change is read again and created as usual."""
        intents = {p.sync_key: p for p in pairs if not p.crm_id and p.origin == "mail" and not p.tombstone}
        if not intents:
            return pairs
        found = self.crm.ids_by_sync_key(crm_object=self.rules.crm_object, keys=sorted(intents))
        for key, pair in intents.items():
            if key in found:
                pair.crm_id = found[key]
                self._resolved.append(pair)
            else:
                self._stale_intents.append(key)
        return [p for p in pairs if p.sync_key not in self._stale_intents]

    def _resolve_mail_intents(self, pairs: list[PairState]) -> list[PairState]:
        """Mail items a dead worker may have made (see mail_intents_record): look them up by the sync
        key stamped on them, in one batched lookup. Found: the pair is whole, as its commit would have
        made it. Not found: the create never happened; a new pair is forgotten (the Salesforce change
        is read again and made once), a restore keeps its pair (its deletion is read again)."""
        intents = {p.sync_key: p for p in pairs if p.mail_intent_at is not None}
        if not intents:
            return pairs  # a quiet session: no call
        paired = {p.mail_id for p in pairs if p.mail_id and p.sync_key not in intents}
        found = self.mail.find_created(
            stream=self.spec.mail_side_stream,
            intents=[
                CreateIntent(key, dict(p.synced.get("mail") or {}), p.mail_intent_at)
                for key, p in intents.items()
                if p.mail_intent_at is not None
            ],
            paired=paired,
        )
        kept: list[PairState] = []
        for pair in pairs:
            item = found.get(pair.sync_key) if pair.sync_key in intents else None
            if pair.sync_key not in intents:
                kept.append(pair)
            elif item is not None and item.id not in paired:
                paired.add(item.id)
                whole = replace(pair, mail_id=item.id, mail_version=item.version, mail_intent_at=None)
                self._resolved.append(whole)
                self._resumed.add(pair.sync_key)
                self.report.counts["pairs"]["resumed"] += 1
                kept.append(whole)
            elif pair.mail_id:  # a restore that never happened: the pair as it was, done again
                undone = replace(pair, mail_intent_at=None)
                self._resolved.append(undone)
                kept.append(undone)
            else:
                self._stale_intents.append(pair.sync_key)
        return kept

    def _link_existing(self, plan: Plan) -> None:
        """Deduplication: a new mail item whose natural key (a contact's e-mail; a task's subject
        and due date; an event's subject and start) matches a Salesforce record is linked to it."""
        keys = self.spec.natural_key
        creates = plan.of_kind(Kind.CREATE_CRM)
        if self.spec.scope is not None:  # calendar items: only meetings are matched (reference)
            creates = [a for a in creates if a.mail_id in self._meetings]
        if not keys or not creates:
            return
        rules = {r.key: r for r in self.rules.fields}
        wanted: dict[tuple[Any, ...], Action] = {}
        for action in creates:
            raw = tuple(rules[k].crm_value(action.crm_writes.get(k))[0] for k in keys)
            if all(v not in (None, "") for v in raw):
                wanted.setdefault(tuple(comparable(v) for v in raw), action)
        if not wanted:
            return
        found = self._matches_read(keys, self._crm_read)  # the user's own records: no extra call
        missing = [k for k in wanted if k not in found]
        if missing and self.spec.natural_key_scope == "org":
            found |= self.crm.find_matches(
                crm_object=self.rules.crm_object,
                fields=self.rules.read_fields,
                match_fields=self._match_types([rules[k] for k in keys]),
                candidates=missing,
                neutral=self.rules.neutral_from_crm,
            )
        linked: dict[int, Action] = {}
        paired = {p.crm_id for p in self._pairs if p.crm_id}  # one record per mail item, never two
        for key, action in wanted.items():
            if key in found:
                crm_id, values, their_key = found[key]
                if their_key == action.sync_key or crm_id in paired:
                    continue  # another attendee saved this meeting (the upsert joins it), or paired
                paired.add(crm_id)
                linked[id(action)] = link_to_existing(self.rules, action, crm_id, values)
                self._new_records.append((crm_id, action.mail_id, False))
                if not their_key:  # stamp our key, so a replay after a crash finds this record
                    self._stamp[crm_id] = action.sync_key
        taken = {a.crm_id for a in linked.values()}
        # The same record may be new on the Salesforce side too: it is linked, not copied back.
        plan.actions = [
            linked.get(id(a), a)
            for a in plan.actions
            if not (a.kind is Kind.CREATE_MAIL and a.crm_id in taken)
        ]
        if linked:
            self.report.counts["pairs"]["linked"] += len(linked)

    def _match_types(self, rules: list[FieldRule]) -> dict[str, str]:
        """Each match field's describe type, as stored with the mapping; a row stored before types
        were kept is typed from a describe of the object (one call, only then)."""
        types = {r.crm_field: r.crm_type for r in rules}
        if not all(types.values()):
            described = self.crm.describe(self.rules.crm_object).get("fields", [])
            by_name = {str(f["name"]).lower(): str(f["type"]) for f in described}
            types = {f: t or by_name.get(f.lower(), "") for f, t in types.items()}
        return types

    def _matches_read(
        self, keys: tuple[str, ...], changes: list[ItemChange]
    ) -> dict[tuple[Any, ...], tuple[str, dict[str, Any], str]]:
        rules = {r.key: r for r in self.rules.fields}
        found: dict[tuple[Any, ...], tuple[str, dict[str, Any], str]] = {}
        for change in changes:
            if change.deleted:
                continue
            raw = tuple(rules[k].crm_value(change.values.get(k))[0] for k in keys)
            found.setdefault(
                tuple(comparable(v) for v in raw), (change.id, dict(change.values), change.sync_key)
            )
        return found
