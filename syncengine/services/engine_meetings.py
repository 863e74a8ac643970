"""Who owns a meeting's Event inside a stream's session (syncengine/core/meetings.py decides): the
organizer's mailbox takes the Event over when it first saves it, an attendee's deletion only lets go,
and an unaccepted invitation waits for its organizer (the reference's ISE-013).

A part of ``StreamSync`` (syncengine/services/engine.py), kept apart because it is one job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from connectors.base import WriteResult
from connectors.salesforce.connector import SalesforceConnector
from syncengine.core.meetings import (
    AWAITS_ORGANIZER,
    AWAITS_ORGANIZER_MESSAGE,
    Role,
    awaits_organizer,
    meeting_role,
)
from syncengine.core.planner import Action, Kind, Plan
from syncengine.core.records import ItemChange, PairState
from syncengine.core.scope import ANSWERED
from syncengine.models import Mailbox, RetryState, Side
from syncengine.selectors import saved_meetings, synced_users
from syncengine.services.relations import attendance_release
from syncengine.services.state import rosters_load
from syncengine.services.streams import StreamSpec


class MeetingOwnership:
    """Mixed into StreamSync, which sets these."""

    spec: StreamSpec
    mailbox: Mailbox
    crm: SalesforceConnector
    stream: str
    report: Any
    _meetings: dict[str, tuple[list[str], str]]
    _answers: dict[str, str]

    def _issue(self, code: str, message: str, **kwargs: Any) -> None:
        raise NotImplementedError

    def _item_failed(self, action: Action, result: WriteResult, source: str, direction: str) -> None:
        raise NotImplementedError

    def _synced(self, organizers: Iterable[str]) -> dict[str, list[int]]:
        """The org's synced users among these organizers (one query, only when a decision needs it)."""
        return synced_users(organization_id=self.mailbox.organization_id, addresses=organizers)

    def _role(self, organizer: str, response: str, synced: Iterable[str] = ()) -> Role:
        return meeting_role(
            organizer=organizer,
            response=response,
            own_address=str(self.mailbox.address),
            synced_users=frozenset(synced),
        )

    def _organizes(self, mail_id: str) -> bool:
        """Whether this mailbox is the organizer's, for a meeting read this session."""
        if mail_id not in self._meetings:
            return False
        return self._role(self._meetings[mail_id][1], self._answers.get(mail_id, "")) is Role.ORGANIZER

    def _owner_fields(self, action: Action) -> dict[str, str]:
        """The organizer's upsert names its user as the Event's owner: a meeting another attendee's
        mailbox saved first is taken over in the same write (and a new one is theirs anyway)."""
        if self.crm.user_id and self._organizes(action.mail_id):
            return {"OwnerId": self.crm.user_id}
        return {}

    def _owned_meetings(self, pairs: list[PairState], mail_changes: list[ItemChange]) -> dict[str, bool]:
        """For meetings deleted in the mailbox this session: sync key -> whether this mailbox owns the
        Event, by the organizer its roster kept. A meeting whose organizer is no synced user is left to
        the pair's origin (the first mailbox to save it owns it)."""
        gone = {c.id for c in mail_changes if c.deleted}
        keys = [p.sync_key for p in pairs if p.mail_id in gone and p.crm_id]
        if not gone or not keys:
            return {}
        organizers = {k: r.organizer for k, r in rosters_load(mailbox=self.mailbox, sync_keys=keys).items()}
        organizers = {k: o for k, o in organizers.items() if o}
        if not organizers:
            return {}
        synced = self._synced(organizers.values())
        owned: dict[str, bool] = {}
        for key, organizer in organizers.items():
            role = self._role(organizer, "", synced)
            if role is not Role.UNKNOWN:
                owned[key] = role is Role.ORGANIZER
        return owned

    def _await_organizers(self, plan: Plan) -> None:
        """ISE-013: an attendee's invitation not accepted yet is not saved before its organizer's
        mailbox has saved the meeting; it is read again at every session until then (a retried
        issue), and then joins the organizer's Event. Decided before anything is written."""
        scope = self.spec.scope
        if scope is None or scope.save_unresponded_invitations:
            return
        creates = [a for a in plan.of_kind(Kind.CREATE_CRM) if a.mail_id in self._meetings]
        pending = [
            a
            for a in creates
            if self._answers.get(a.mail_id, "") not in ANSWERED and not self._organizes(a.mail_id)
        ]
        if not pending:
            return
        synced = self._synced(self._meetings[a.mail_id][1] for a in pending)
        organizer_of = {a.mail_id: self._meetings[a.mail_id][1].strip().lower() for a in pending}
        saved = saved_meetings(
            mailbox_ids=[pk for a in pending for pk in synced.get(organizer_of[a.mail_id], [])],
            stream=self.stream,
            sync_keys=[a.sync_key for a in pending],
        )
        waiting = {
            id(a)
            for a in pending
            if awaits_organizer(
                role=self._role(organizer_of[a.mail_id], self._answers.get(a.mail_id, ""), synced),
                response=self._answers.get(a.mail_id, ""),
                save_unresponded_invitations=scope.save_unresponded_invitations,
                # Saved by the organizer's own mailbox, not by another attendee's.
                organizer_saved=any(
                    (pk, a.sync_key) in saved for pk in synced.get(organizer_of[a.mail_id], [])
                ),
            )
        }
        if not waiting:
            return
        for action in [a for a in pending if id(a) in waiting]:
            self.report.counts["to_crm"]["waiting"] += 1
            self._issue(
                AWAITS_ORGANIZER,
                AWAITS_ORGANIZER_MESSAGE,
                mail_id=action.mail_id,
                label=action.label,
                details={"pending": {"side": Side.MAIL, "id": action.mail_id, "deleted": False}},
                retry=RetryState.AUTO,
            )
        plan.actions = [a for a in plan.actions if id(a) not in waiting]

    def _let_go(self, actions: list[Action], succeeded: Callable[[Action, PairState | None], None]) -> None:
        """An attendee deleted their copy: their invitee relation goes and the Event stays. An Event
        they still own (the organizer's mailbox has not taken it over yet) keeps a marker pair, so its
        changes are not read as a new Salesforce meeting to put back in their calendar."""
        if not actions:
            return
        owned, problems = attendance_release(
            self.crm, [a.crm_id for a in actions if a.crm_id], self.crm.user_id
        )
        for action in actions:
            if action.crm_id in problems:  # the pair stays; the item is read again next session
                failure = WriteResult(ok=False, code="RELATION_FAILED", message=problems[action.crm_id])
                self._item_failed(action, failure, Side.MAIL, "to_crm")
                continue
            marker = None
            if action.crm_id in owned and action.state is not None:
                synced = {"mail": {}, "crm": dict(action.state.synced.get("crm", {}))}
                marker = replace(
                    action.state, mail_id="", mail_version="", mail_hash="", tombstone="left", synced=synced
                )
            succeeded(action, marker)
            self.report.counts["pairs"]["let_go"] += 1
