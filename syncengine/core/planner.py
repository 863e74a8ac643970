"""The planner: a pure function from (stored pairs, changes on each side, rules) to actions.

Field-level three-way merge against what each side held after the last sync:
- a field changed on one side goes to the other (if the field's direction allows);
- the same new value on both sides is not a conflict;
- different new values follow the stream's conflict policy, and the conflict is reported;
- a side's version marker that moved while its content did not (changeKey churn, or the engine's
  own write coming back in the next delta) is no change at all.

Deletions are never inferred from absence, and a session that would delete more than a set share
of a stream is halted for that direction instead of propagated: the halted deletions are handed back
(``Plan.held``) to be kept until a person confirms them or restores the items (``Held``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from syncengine.core.records import ItemChange, PairState, content_hash, make_sync_key
from syncengine.core.rules import StreamRules


class Kind(StrEnum):
    CREATE_CRM = "create_crm"
    CREATE_MAIL = "create_mail"
    UPDATE = "update"  # field writes to one or both sides of an existing pair
    DELETE_CRM = "delete_crm"
    DELETE_MAIL = "delete_mail"
    UNLINK = "unlink"  # forget the pair, touch neither side (left the window, unshared)
    LET_GO = "let_go"  # an attendee's copy of a meeting went: forget it and their relation, the Event stays
    FORGET = "forget"  # both sides are gone: drop the stored pair
    TOMBSTONE = "tombstone"  # deleted in Salesforce, the mail item stays: remember it, never save it again
    REFRESH = "refresh"  # only version markers moved: store them, write nothing


@dataclass
class Action:
    kind: Kind
    sync_key: str
    label: str = ""
    mail_id: str = ""
    crm_id: str = ""
    crm_writes: dict[str, Any] = field(default_factory=dict)  # neutral values to write to Salesforce
    mail_writes: dict[str, Any] = field(default_factory=dict)  # neutral values to write to the mailbox
    state: PairState | None = None  # the pair to store once the writes succeed (None: delete it)


@dataclass(frozen=True)
class Conflict:
    sync_key: str
    label: str
    field: str
    mail_value: Any
    crm_value: Any
    winner: str  # "mail" | "crm"
    mail_id: str = ""
    crm_id: str = ""


@dataclass(frozen=True)
class Notice:
    code: str  # e.g. FIELD_TRUNCATED, MASS_DELETE_HALTED
    message: str
    sync_key: str = ""
    label: str = ""
    mail_id: str = ""
    crm_id: str = ""


@dataclass(frozen=True)
class Held:
    """A deletion the mass-delete guard stopped in an earlier session, and a person's decision."""

    sync_key: str
    side: str  # where the deletion would happen: "crm" | "mail"
    decision: str = ""  # "" (waiting: the pair is left alone) | "confirm" | "restore"
    label: str = ""


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    held: list[Action] = field(default_factory=list)  # deletions the guard stopped in this plan

    def of_kind(self, *kinds: Kind) -> list[Action]:
        return [a for a in self.actions if a.kind in kinds]


def plan_stream(
    *,
    rules: StreamRules,
    scope: str,
    pairs: Iterable[PairState],
    mail_changes: Iterable[ItemChange],
    crm_changes: Iterable[ItemChange],
    held: Iterable[Held] = (),
    owned: Mapping[str, bool] | None = None,
) -> Plan:
    """Decide what to do with one stream's changes. ``scope`` makes sync keys unique per mailbox.

    ``held``: pairs whose deletion waits for a person. Their changes are left alone until a decision;
    a decision becomes the deletion (confirmed) or the item made again from its pair (restored).
    ``owned``: meetings whose owner the organizer rule decides (syncengine/core/meetings.py): sync key
    -> whether this mailbox owns the Event. Any other pair owns its record unless it joined someone
    else's (origin "shared").
    """
    plan = Plan()
    holds = {h.sync_key: h for h in held}
    by_key = {p.sync_key: p for p in pairs}
    by_mail = {p.mail_id: p for p in by_key.values() if p.mail_id}
    by_crm = {p.crm_id: p for p in by_key.values() if p.crm_id}

    mail_by_key: dict[str, ItemChange] = {}
    for change in mail_changes:
        pair = by_mail.get(change.id)
        if pair is not None:
            key = pair.sync_key
        else:
            key = (
                make_sync_key("shared", change.shared_key)
                if change.shared_key
                else make_sync_key(scope, change.id)
            )
        mail_by_key[key] = change  # the last report of an item wins (delta pages may repeat it)
    crm_by_key: dict[str, ItemChange] = {}
    for change in crm_changes:
        pair = by_crm.get(change.id) or (by_key.get(change.sync_key) if change.sync_key else None)
        key = pair.sync_key if pair else (change.sync_key or f"crm:{change.id}")
        crm_by_key[key] = change

    for key in sorted(set(mail_by_key) | set(crm_by_key)):
        if key in holds:
            continue
        pair = by_key.get(key)
        owns = (owned or {}).get(key, pair is not None and pair.origin != "shared")
        _plan_item(plan, rules, key, pair, mail_by_key.get(key), crm_by_key.get(key), owns)

    _guard_mass_deletes(plan, rules, len(by_key))
    # A person's decision is not a wave of deletions to guard against: it comes after the guard.
    for key in sorted(holds):
        pair = by_key.get(key)
        if pair is not None and holds[key].decision:
            plan.actions.append(_decided(rules, pair, holds[key]))
    return plan


def _decided(rules: StreamRules, pair: PairState, held: Held) -> Action:
    """What a person decided about a held deletion: delete it now, or make the lost item again."""
    key, label = pair.sync_key, held.label
    if held.decision == "confirm":
        kind = Kind.DELETE_CRM if held.side == "crm" else Kind.DELETE_MAIL
        return Action(kind, key, label, pair.mail_id, pair.crm_id)
    if held.side == "crm":  # the mail item was deleted: make it again from the Salesforce record
        return _restore_in_mail(rules, pair, None, label)
    return _restore_in_crm(rules, pair, None, label)  # the record was deleted: again from the mail item


def _plan_item(
    plan: Plan,
    rules: StreamRules,
    key: str,
    pair: PairState | None,
    mail: ItemChange | None,
    crm: ItemChange | None,
    owns: bool = True,
) -> None:
    label = (mail.label if mail else "") or (crm.label if crm else "")
    if pair is None:
        _plan_new(plan, rules, key, mail, crm, label)
        return
    if pair.tombstone:
        _plan_tombstoned(plan, rules, pair, mail, crm, label)
        return

    mail_gone = mail is not None and mail.deleted
    crm_gone = crm is not None and crm.deleted
    if mail_gone and crm_gone:
        plan.actions.append(Action(Kind.FORGET, key, label, pair.mail_id, pair.crm_id))
        return
    if mail_gone:
        if not owns:  # someone else's record (a meeting they own): only let go of it
            plan.actions.append(Action(Kind.LET_GO, key, label, pair.mail_id, pair.crm_id, state=pair))
        elif rules.delete_in_crm and pair.crm_id:
            plan.actions.append(Action(Kind.DELETE_CRM, key, label, pair.mail_id, pair.crm_id))
        elif rules.restore_in_mail and pair.crm_id:
            plan.actions.append(_restore_in_mail(rules, pair, crm, label))
        else:
            plan.actions.append(Action(Kind.UNLINK, key, label, pair.mail_id, pair.crm_id))
        return
    if crm_gone:
        if rules.restore_in_crm and pair.mail_id and pair.origin != "shared":
            plan.actions.append(_restore_in_crm(rules, pair, mail, label))
            return
        if not pair.mail_id:
            plan.actions.append(Action(Kind.UNLINK, key, label, pair.mail_id, pair.crm_id))
        elif rules.delete_in_mail or pair.origin == "crm":
            # An item that came from Salesforce goes with its record (the reference's deletion table);
            # one made in the mailbox only when the org's setting says so.
            plan.actions.append(Action(Kind.DELETE_MAIL, key, label, pair.mail_id, pair.crm_id))
        else:
            state = replace(pair, crm_id="", crm_version="", crm_hash="", tombstone="untag")
            plan.actions.append(Action(Kind.TOMBSTONE, key, label, pair.mail_id, pair.crm_id, state=state))
        return
    if mail is not None and mail.removed:  # left the window, still exists: keep both, stop syncing
        plan.actions.append(Action(Kind.UNLINK, key, label, pair.mail_id, pair.crm_id))
        return
    _plan_merge(plan, rules, pair, mail, crm, label)


def _plan_tombstoned(
    plan: Plan,
    rules: StreamRules,
    pair: PairState,
    mail: ItemChange | None,
    crm: ItemChange | None,
    label: str,
) -> None:
    """A pair whose record was deleted in Salesforce. The engine passes on a change of its mail item
    only when the user tagged it again, which saves it again as a new record. A let-go attendee's
    marker (no mail item, the record they still own) ignores the record's changes until it is gone."""
    if mail is None:  # Salesforce reporting the deletion again, or the marker's record changing
        if not pair.mail_id and crm is not None and crm.deleted:
            plan.actions.append(Action(Kind.FORGET, pair.sync_key, label, crm_id=pair.crm_id))
        return
    if mail.deleted:
        plan.actions.append(Action(Kind.FORGET, pair.sync_key, label, pair.mail_id))
        return
    if mail.removed:
        return  # out of the window: the tombstone stays, so coming back does not save it again
    _plan_new(plan, rules, pair.sync_key, mail, None, label)


def _plan_new(
    plan: Plan, rules: StreamRules, key: str, mail: ItemChange | None, crm: ItemChange | None, label: str
) -> None:
    if mail is not None and not mail.deleted and not mail.removed:
        if not rules.create_in_crm:
            return
        values = dict(mail.values)
        writes = {k: v for k, v in values.items() if rules.direction_of(k).to_crm}
        _note_truncations(plan, rules, key, label, mail.id, writes)
        state = PairState(
            sync_key=key,
            mail_id=mail.id,
            origin="mail",
            mail_version=mail.version,
            synced={"mail": values, "crm": rules.crm_readback(writes)},
        )
        _seal(state)
        plan.actions.append(
            Action(Kind.CREATE_CRM, key, label, mail_id=mail.id, crm_writes=writes, state=state)
        )
    elif crm is not None and not crm.deleted and rules.create_in_mail:
        values = dict(crm.values)
        writes = {k: v for k, v in values.items() if rules.creates_in_mail(k)}
        state = PairState(
            sync_key=key,
            crm_id=crm.id,
            origin="crm",
            crm_version=crm.version,
            mail_seen=False,
            synced={"mail": writes, "crm": values},
        )
        _seal(state)
        plan.actions.append(
            Action(Kind.CREATE_MAIL, key, label, crm_id=crm.id, mail_writes=writes, state=state)
        )


def _restore_in_mail(rules: StreamRules, pair: PairState, crm: ItemChange | None, label: str) -> Action:
    """Re-create a deleted mail item from its Salesforce record (whose latest values win)."""
    crm_values = dict(crm.values) if crm is not None else dict(pair.synced.get("crm", {}))
    writes = {k: v for k, v in crm_values.items() if rules.creates_in_mail(k)}
    state = PairState(
        sync_key=pair.sync_key,
        crm_id=pair.crm_id,
        origin=pair.origin,
        crm_version=crm.version if crm is not None else pair.crm_version,
        mail_seen=False,
        synced={"mail": writes, "crm": crm_values},
    )
    _seal(state)
    return Action(Kind.CREATE_MAIL, pair.sync_key, label, crm_id=pair.crm_id, mail_writes=writes, state=state)


def _restore_in_crm(rules: StreamRules, pair: PairState, mail: ItemChange | None, label: str) -> Action:
    """Re-create a Salesforce record deleted there, from its mail item (one-way to Salesforce)."""
    mail_values = dict(mail.values) if mail is not None else dict(pair.synced.get("mail", {}))
    writes = {k: v for k, v in mail_values.items() if rules.direction_of(k).to_crm}
    state = PairState(
        sync_key=pair.sync_key,
        mail_id=pair.mail_id,
        origin=pair.origin,
        mail_version=mail.version if mail is not None else pair.mail_version,
        mail_seen=pair.mail_seen,
        synced={"mail": mail_values, "crm": rules.crm_readback(writes)},
    )
    _seal(state)
    return Action(Kind.CREATE_CRM, pair.sync_key, label, mail_id=pair.mail_id, crm_writes=writes, state=state)


def _plan_merge(
    plan: Plan,
    rules: StreamRules,
    pair: PairState,
    mail: ItemChange | None,
    crm: ItemChange | None,
    label: str,
) -> None:
    base_mail = pair.synced.get("mail", {})
    base_crm = pair.synced.get("crm", {})
    # Equal content is no change, whatever the version marker did.
    mail_values = dict(mail.values) if mail and content_hash(mail.values) != pair.mail_hash else None
    crm_values = dict(crm.values) if crm and content_hash(crm.values) != pair.crm_hash else None

    new_mail = dict(base_mail)
    new_crm = dict(base_crm)
    mail_writes: dict[str, Any] = {}
    crm_writes: dict[str, Any] = {}
    mail_now = mail_values or {}  # read only where m_changed says the mail side has the field
    for rule in rules.fields:
        k = rule.key
        m_changed = mail_values is not None and k in mail_values and mail_values[k] != base_mail.get(k)
        c_changed = crm_values is not None and k in crm_values and crm_values[k] != base_crm.get(k)
        if not (m_changed or c_changed):
            continue
        if (
            m_changed
            and not c_changed
            and k not in base_mail
            and rule.crm_readback(mail_now[k]) == base_crm.get(k)
        ):
            # First seen on the mail side (an item made from a record gets only the fields that go to
            # the mailbox; the rest take the mailbox's defaults) and Salesforce already agrees: noted only.
            new_mail[k] = mail_now[k]
            continue
        m_val = mail_values[k] if m_changed and mail_values is not None else base_mail.get(k)
        c_val = crm_values[k] if c_changed and crm_values is not None else base_crm.get(k)
        if m_changed and c_changed:
            if m_val == c_val or rule.crm_readback(m_val) == c_val:
                new_mail[k], new_crm[k] = m_val, c_val
                continue
            winner = _winner(rules, mail, crm)
            plan.conflicts.append(
                Conflict(pair.sync_key, label, k, m_val, c_val, winner, pair.mail_id, pair.crm_id)
            )
        else:
            winner = "mail" if m_changed else "crm"
        if winner == "mail":
            new_mail[k] = m_val
            if rule.direction.to_crm:
                crm_writes[k] = m_val
                new_crm[k] = rule.crm_readback(m_val)
            elif rule.direction.to_mail:  # one-way to the mailbox: revert the mailbox edit
                new_crm[k] = c_val
                mail_writes[k] = c_val
                new_mail[k] = c_val
            else:
                new_crm[k] = c_val
        else:
            new_crm[k] = c_val
            if rule.direction.to_mail:
                mail_writes[k] = c_val
                new_mail[k] = c_val
            elif rule.direction.to_crm:  # one-way to Salesforce: revert the Salesforce edit
                crm_writes[k] = m_val
                new_crm[k] = rule.crm_readback(m_val)
            else:
                new_mail[k] = m_val

    if crm_writes and rules.write_together & set(crm_writes):
        for k in rules.write_together:
            if k in new_mail and rules.direction_of(k).to_crm:
                crm_writes.setdefault(k, new_mail[k])
    state = PairState(
        sync_key=pair.sync_key,
        mail_id=pair.mail_id,
        crm_id=pair.crm_id or (crm.id if crm else ""),  # re-link a record whose id was never stored
        origin=pair.origin,
        mail_version=mail.version if mail else pair.mail_version,
        mail_seen=pair.mail_seen or mail is not None,
        crm_version=crm.version if crm else pair.crm_version,
        synced={"mail": new_mail, "crm": new_crm},
    )
    _seal(state)
    if crm_writes or mail_writes:
        _note_truncations(plan, rules, pair.sync_key, label, pair.mail_id, crm_writes)
        plan.actions.append(
            Action(
                Kind.UPDATE, pair.sync_key, label, pair.mail_id, pair.crm_id, crm_writes, mail_writes, state
            )
        )
    elif (state.mail_hash, state.crm_hash, state.crm_id, state.mail_seen) != (
        pair.mail_hash,
        pair.crm_hash,
        pair.crm_id,
        pair.mail_seen,
    ):
        # Content moved the same way on both sides, or a record was re-linked: store, write nothing.
        # A version marker that moved alone is not worth a write: the content says "no change".
        plan.actions.append(
            Action(Kind.REFRESH, pair.sync_key, label, pair.mail_id, pair.crm_id, state=state)
        )


def _seal(state: PairState) -> None:
    """Each side's hash is the hash of what that side holds after this plan's writes, so the
    engine's own writes read back as "no change" in the next session."""
    state.mail_hash = content_hash(state.synced["mail"])
    state.crm_hash = content_hash(state.synced["crm"])


def _winner(rules: StreamRules, mail: ItemChange | None, crm: ItemChange | None) -> str:
    if rules.conflict_policy in ("mail", "crm"):
        return rules.conflict_policy
    mail_at = mail.modified_at if mail else ""
    crm_at = crm.modified_at if crm else ""
    return "crm" if crm_at > mail_at else "mail"  # ISO-8601 UTC strings order like instants


def _note_truncations(
    plan: Plan, rules: StreamRules, key: str, label: str, mail_id: str, writes: Mapping[str, Any]
) -> None:
    _, cut = rules.crm_fields(writes)
    for field_key in cut:
        rule = next(r for r in rules.fields if r.key == field_key)
        plan.notices.append(
            Notice(
                "FIELD_TRUNCATED",
                f"{rule.crm_field} was longer than Salesforce allows ({rule.max_length} characters) "
                "and was cut to fit; the full text stays in the mailbox.",
                sync_key=key,
                label=label,
                mail_id=mail_id,
            )
        )


def _guard_mass_deletes(plan: Plan, rules: StreamRules, pair_count: int) -> None:
    """Refuse to propagate a wave of deletions (a wiped cache, a wrong folder, a revoked share)."""
    limit = max(rules.max_delete_min_count, math.floor(pair_count * rules.max_delete_share))
    for kind, side in ((Kind.DELETE_CRM, "Salesforce"), (Kind.DELETE_MAIL, "the mailbox")):
        deletes = plan.of_kind(kind)
        if len(deletes) > limit:
            plan.actions = [a for a in plan.actions if a.kind is not kind]
            plan.held += deletes
            plan.notices.append(
                Notice(
                    "MASS_DELETE_HALTED",
                    f"{len(deletes)} of {pair_count} {rules.stream} would be deleted in {side} in one "
                    f"session (limit {limit}); nothing was deleted and the stream's deletions wait for "
                    "your decision on the dashboard: confirm them, or restore the items.",
                )
            )


def link_to_existing(
    rules: StreamRules, create: Action, crm_id: str, crm_values: Mapping[str, Any]
) -> Action:
    """Turn a create into a link with a record Salesforce already has (a natural-key match).

    Neither side loses data: the mail item's filled fields go to Salesforce, and Salesforce fills
    the fields the mail item leaves empty.
    """
    assert create.state is not None
    mail_values = dict(create.state.synced["mail"])
    crm_now = dict(crm_values)
    crm_writes: dict[str, Any] = {}
    mail_writes: dict[str, Any] = {}
    for rule in rules.fields:
        k = rule.key
        mine, theirs = mail_values.get(k), crm_now.get(k)
        if mine not in (None, "", False) and rule.direction.to_crm and rule.crm_readback(mine) != theirs:
            crm_writes[k] = mine
            crm_now[k] = rule.crm_readback(mine)
        elif mine in (None, "") and theirs not in (None, "") and rule.direction.to_mail:
            mail_writes[k] = theirs
            mail_values[k] = theirs
    state = PairState(
        sync_key=create.sync_key,
        mail_id=create.mail_id,
        crm_id=crm_id,
        origin="mail",
        mail_version=create.state.mail_version,
        synced={"mail": mail_values, "crm": crm_now},
    )
    _seal(state)
    return Action(
        Kind.UPDATE, create.sync_key, create.label, create.mail_id, crm_id, crm_writes, mail_writes, state
    )
