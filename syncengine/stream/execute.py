"""Execute: the final plan's writes, in batches, each item's result kept.

Salesforce creates are upserts on the sync key and are noted as intents first; mailbox creates are
noted as intents and stamped with the sync key: a worker that dies after a write and before the
commit leaves what the next session's gather resolves, never a twin. An item whose write fails is
kept: its problem says why and which item the next session reads again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from connectors.base import WriteResult
from syncengine.core.final_plan import FinalPlan, MeetingContext
from syncengine.core.planner import Action, Kind
from syncengine.core.records import PairState, Problem
from syncengine.core.scope import SALESFORCE_CATEGORY
from syncengine.models import Side
from syncengine.services.relations import attendance_release
from syncengine.services.state import intents_record, mail_intents_record
from syncengine.stream.context import StepResult, StreamContext


@dataclass
class NewRecord:
    """A Salesforce record this session made or linked a mail item to (for the follow-ups)."""

    crm_id: str
    mail_id: str
    joined: bool = False  # it was someone else's meeting: this mailbox joined it
    created_values: dict[str, Any] | None = None  # the neutral values written, when it is new


@dataclass
class Executed:
    upserts: list[PairState] = field(default_factory=list)  # in order: a later state of a pair wins
    removals: list[str] = field(default_factory=list)
    new_records: list[NewRecord] = field(default_factory=list)
    done_mail: set[str] = field(default_factory=set)  # items written: their old issues are resolved
    done_crm: set[str] = field(default_factory=set)
    result: StepResult = field(default_factory=StepResult)
    failures: dict[str, str] = field(default_factory=dict)  # sync key -> the provider's answer
    joined: set[str] = field(default_factory=set)  # creates that joined another attendee's meeting

    def succeeded(self, action: Action, state: PairState | None) -> None:
        if state is None:
            self.removals.append(action.sync_key)
        else:
            self.upserts.append(state)
        self.done_mail.add(action.mail_id or (state.mail_id if state else ""))
        self.done_crm.add(action.crm_id or (state.crm_id if state else ""))

    def failed(self, action: Action, result: WriteResult, source: str, direction: str) -> None:
        """Keep the item: record why, and which item to read again so the next session retries it.
        Only the item's id and side are kept: a retry reads the item as it is then and maps it with the
        rules of then, so a mapping fixed meanwhile is used and stale values are never replayed."""
        self.result.counts[direction]["failed"] += 1
        target = "Salesforce" if direction == "to_crm" else "the mailbox"
        self.failures[action.sync_key] = f"{result.code or 'WRITE_FAILED'}: {result.message or result.code}"
        pending = {
            "side": source,
            "id": action.mail_id if source == Side.MAIL else action.crm_id,
            "deleted": action.kind in (Kind.DELETE_CRM, Kind.DELETE_MAIL, Kind.LET_GO),
        }
        self.result.problems.append(
            Problem(
                result.code or "WRITE_FAILED",
                f"Could not write to {target}: {result.message or result.code}",
                mail_id=action.mail_id,
                crm_id=action.crm_id,
                label=action.label,
                details={"pending": pending, "permanent": result.permanent},
                retry=True,
            )
        )


def execute(
    ctx: StreamContext,
    final: FinalPlan,
    meetings: MeetingContext,
    pairs: list[PairState],
    written: Callable[[int], None] = lambda count: None,
) -> Executed:
    """``written`` hears how many of the plan's actions are carried out so far, once per kind of
    write (the progress of a long first sync), never per item."""
    plan, done = final.plan, Executed()
    creates = plan.of_kind(Kind.CREATE_CRM)
    if creates:
        intents_record(
            mailbox=ctx.mailbox,
            lease=ctx.lease,
            stream=ctx.stream,
            crm_object=ctx.spec.rules.crm_object,
            states=[a.state for a in creates if a.state is not None],
        )
    done.new_records += [NewRecord(crm_id, mail_id) for crm_id, mail_id in final.linked]
    _crm_creates(ctx, creates, meetings, done)
    written(len(creates))
    mail_creates = plan.of_kind(Kind.CREATE_MAIL)
    _mail_creates(ctx, mail_creates, pairs, done)
    written(len(creates) + len(mail_creates))
    updates = plan.of_kind(Kind.UPDATE)
    failed = _crm_updates(
        ctx, [a for a in updates if a.crm_writes or a.crm_id in final.stamp], final.stamp, done
    )
    failed |= _mail_updates(ctx, [a for a in updates if a.mail_writes], done)
    for action in updates:
        if action.sync_key not in failed:
            done.succeeded(action, action.state)
            if action.crm_writes:
                done.result.counts["to_crm"]["updated"] += 1
            if action.mail_writes:
                done.result.counts["to_mail"]["updated"] += 1
    _crm_deletes(ctx, plan.of_kind(Kind.DELETE_CRM), done)
    _mail_deletes(ctx, plan.of_kind(Kind.DELETE_MAIL), done)
    _let_go(ctx, plan.of_kind(Kind.LET_GO), done)
    for action in plan.of_kind(Kind.UNLINK, Kind.FORGET):
        done.succeeded(action, None)
        done.result.counts["pairs"]["unlinked"] += 1
    for action in plan.of_kind(Kind.TOMBSTONE):
        done.succeeded(action, action.state)
        done.result.counts["pairs"]["deleted_in_salesforce"] += 1
    for action in plan.of_kind(Kind.REFRESH):
        done.succeeded(action, action.state)
    return done


def _crm_creates(ctx: StreamContext, actions: list[Action], meetings: MeetingContext, done: Executed) -> None:
    if not actions:
        return
    rules = ctx.spec.rules
    key_field = settings.SALESFORCE_SYNC_KEY_FIELD
    fixed = dict(rules.crm_create_values)  # under the mapped values: no row maps both
    records = [
        {
            key_field: a.sync_key,
            **fixed,
            **rules.crm_fields(a.crm_writes)[0],
            **_owner_fields(ctx, a, meetings),
        }
        for a in actions
    ]
    results = ctx.crm.upsert(crm_object=rules.crm_object, records=records)
    for action, result in zip(actions, results, strict=True):
        assert action.state is not None
        if not result.ok:
            done.failed(action, result, Side.MAIL, "to_crm")
            continue
        action.state.crm_id = result.id
        # A meeting's record that existed: another attendee's mailbox saved it first. The organizer's
        # mailbox took it over in this upsert (its owner fields): it owns it now.
        joined = result.created is False and action.mail_id in meetings.meetings
        took_over = joined and meetings.organizes(action.mail_id)
        if joined and not took_over:
            action.state.origin = "shared"
        done.succeeded(action, action.state)
        done.result.counts["to_crm"]["joined" if joined else "created"] += 1
        if joined:
            done.joined.add(action.sync_key)
        if took_over:
            done.result.counts["pairs"]["ownership_moved"] += 1
        done.new_records.append(
            NewRecord(
                result.id,
                action.mail_id,
                joined=joined and not took_over,
                created_values=None if joined else dict(action.crm_writes),
            )
        )


def _owner_fields(ctx: StreamContext, action: Action, meetings: MeetingContext) -> dict[str, str]:
    """The organizer's upsert names its user as the Event's owner: a meeting another attendee's
    mailbox saved first is taken over in the same write (and a new one is theirs anyway)."""
    if ctx.crm.user_id and meetings.organizes(action.mail_id):
        return {"OwnerId": ctx.crm.user_id}
    return {}


def _mail_creates(ctx: StreamContext, actions: list[Action], pairs: list[PairState], done: Executed) -> None:
    if not actions:
        return
    spec = ctx.spec
    extra = {"categories": [SALESFORCE_CATEGORY]} if spec.tag_category else {}
    if spec.mail_category:
        extra = {"categories": [spec.mail_category]}
    # Noted before the write, and each item stamped with its sync key: a worker that dies after the
    # create and before the commit leaves an intent the next session resolves by that key.
    mail_intents_record(
        mailbox=ctx.mailbox,
        lease=ctx.lease,
        stream=ctx.stream,
        crm_object=spec.rules.crm_object,
        states=[a.state for a in actions if a.state is not None],
    )
    results = ctx.mail.create(
        stream=spec.mail_side_stream,
        items=[{**a.mail_writes, **extra} for a in actions],
        sync_keys=[a.sync_key for a in actions],
    )
    before = {p.sync_key: p for p in pairs}
    for action, result in zip(actions, results, strict=True):
        assert action.state is not None
        if result.ok:
            action.state.mail_id = result.id
            action.state.mail_version = result.version
            done.succeeded(action, action.state)
            done.result.counts["to_mail"]["created"] += 1
            continue
        done.failed(action, result, Side.CRM, "to_mail")
        # Nothing was made: the pair goes back to what it was (a restore), or away (new).
        if action.sync_key in before:
            done.upserts.insert(0, before[action.sync_key])
        else:
            done.removals.insert(0, action.sync_key)


def _crm_updates(
    ctx: StreamContext, actions: list[Action], stamp: dict[str, str], done: Executed
) -> set[str]:
    if not actions:
        return set()
    rules = ctx.spec.rules
    key_field = settings.SALESFORCE_SYNC_KEY_FIELD
    records = [
        {"Id": a.crm_id, **rules.crm_fields(a.crm_writes)[0]}
        | ({key_field: stamp[a.crm_id]} if a.crm_id in stamp else {})
        for a in actions
    ]
    results = ctx.crm.update(crm_object=rules.crm_object, records=records)
    return {
        a.sync_key for a, r in zip(actions, results, strict=True) if not _ok(done, a, r, Side.MAIL, "to_crm")
    }


def _mail_updates(ctx: StreamContext, actions: list[Action], done: Executed) -> set[str]:
    if not actions:
        return set()
    results = ctx.mail.update(
        stream=ctx.spec.mail_side_stream, items=[(a.mail_id, a.mail_writes) for a in actions]
    )
    return {
        a.sync_key for a, r in zip(actions, results, strict=True) if not _ok(done, a, r, Side.CRM, "to_mail")
    }


def _crm_deletes(ctx: StreamContext, actions: list[Action], done: Executed) -> None:
    if not actions:
        return
    results = ctx.crm.delete(ids=[a.crm_id for a in actions])
    for action, result in zip(actions, results, strict=True):
        if result.ok or result.code in ("ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"):
            done.succeeded(action, None)
            done.result.counts["to_crm"]["deleted"] += 1
        else:
            done.failed(action, result, Side.MAIL, "to_crm")


def _mail_deletes(ctx: StreamContext, actions: list[Action], done: Executed) -> None:
    if not actions:
        return
    results = ctx.mail.delete(stream=ctx.spec.mail_side_stream, ids=[a.mail_id for a in actions])
    for action, result in zip(actions, results, strict=True):
        if result.ok:
            done.succeeded(action, None)
            done.result.counts["to_mail"]["deleted"] += 1
        else:
            done.failed(action, result, Side.CRM, "to_mail")


def _let_go(ctx: StreamContext, actions: list[Action], done: Executed) -> None:
    """An attendee deleted their copy: their invitee relation goes and the Event stays. An Event they
    still own (the organizer's mailbox has not taken it over yet) keeps a marker pair, so its changes
    are not read as a new Salesforce meeting to put back in their calendar."""
    if not actions:
        return
    owned, problems = attendance_release(ctx.crm, [a.crm_id for a in actions if a.crm_id], ctx.crm.user_id)
    for action in actions:
        if action.crm_id in problems:  # the pair stays; the item is read again next session
            failure = WriteResult(ok=False, code="RELATION_FAILED", message=problems[action.crm_id])
            done.failed(action, failure, Side.MAIL, "to_crm")
            continue
        marker = None
        if action.crm_id in owned and action.state is not None:
            synced = {"mail": {}, "crm": dict(action.state.synced.get("crm", {}))}
            marker = replace(
                action.state, mail_id="", mail_version="", mail_hash="", tombstone="left", synced=synced
            )
        done.succeeded(action, marker)
        done.result.counts["pairs"]["let_go"] += 1


def _ok(done: Executed, action: Action, result: WriteResult, source: str, direction: str) -> bool:
    if not result.ok:
        done.failed(action, result, source, direction)
    return result.ok
