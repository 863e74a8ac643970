"""From the planner's draft to the plan a stream carries out (pure: data in, data out).

The planner (planner.py) decides from the pairs and the changes alone. Two rules need facts it cannot
know: whether Salesforce already holds a record a new mail item should be linked to instead of copied
(deduplication by natural key), and whether an attendee's invitation waits for its organizer's
mailbox (the reference's ISE-013). The stream asks the draft which facts it needs (``facts_wanted``),
reads them, and ``plan_final`` turns draft and facts into the final plan: nothing changes it after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncengine.core.calendar import MeetingFacts
from syncengine.core.meetings import Role, awaits_organizer, meeting_role
from syncengine.core.people import People
from syncengine.core.planner import Action, Kind, Plan, link_to_existing
from syncengine.core.records import ItemChange, PairState
from syncengine.core.rules import StreamRules
from syncengine.core.scope import ANSWERED, NO_PERSON_TO_LINK

MatchKey = tuple[Any, ...]


@dataclass(frozen=True)
class Match:
    """A Salesforce record whose natural key matches a new mail item's."""

    crm_id: str
    values: Mapping[str, Any]
    sync_key: str  # the External ID already on it ("" when none)


@dataclass(frozen=True)
class Invitation:
    """An invitation this mailbox has not accepted, about to be saved: does it wait (ISE-013)?"""

    sync_key: str
    organizer: str  # lower case


@dataclass(frozen=True)
class Wanted:
    """What the draft needs to know before it is final."""

    match_keys: dict[MatchKey, Action] = field(default_factory=dict)  # natural key -> the create
    invitations: dict[str, Invitation] = field(default_factory=dict)  # mail id -> the invitation
    # Auto-saved new meetings, mail id -> their people not blocklisted: saved only if one can be
    # linked to.
    meeting_people: dict[str, frozenset[str]] = field(default_factory=dict)
    # Everyone in those meetings, blocklisted too: asked once, for the attendees step as well.
    people_to_ask: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Facts:
    """What the stream read for the draft's questions."""

    matches: Mapping[MatchKey, Match] = field(default_factory=dict)
    synced_users: Mapping[str, list[int]] = field(default_factory=dict)  # organizer -> their mailbox ids
    saved_by: frozenset[tuple[int, str]] = frozenset()  # (mailbox id, sync key) of saved meetings
    people: People | None = None  # who the new meetings' people are (asked only when wanted)
    makeable: frozenset[str] = frozenset()  # of the unknown, those autoresolving would make records for


@dataclass(frozen=True)
class FinalPlan:
    plan: Plan
    linked: list[tuple[str, str]] = field(default_factory=list)  # (crm id, mail id) linked to a match
    stamp: dict[str, str] = field(default_factory=dict)  # crm id -> our sync key, for matched records
    waiting: list[Action] = field(default_factory=list)  # invitations that wait for their organizer
    left_out: dict[str, tuple[str, str]] = field(default_factory=dict)  # mail id -> (label, why: a code)
    people: People | None = None  # as Facts had them: the attendees step need not ask again


def untouched(final: FinalPlan, *, mail_ids: set[str], crm_ids: set[str]) -> tuple[set[str], set[str]]:
    """Of these ids, the ones the final plan does nothing with (no write, hold or wait): an item read
    again whose two sides already agree, or that has nothing left to sync."""
    acting = [*final.plan.actions, *final.plan.held, *final.waiting]
    mail = {i for a in acting for i in (a.mail_id, a.state.mail_id if a.state else "")}
    crm = {i for a in acting for i in (a.crm_id, a.state.crm_id if a.state else "")}
    return mail_ids - mail, crm_ids - crm


@dataclass(frozen=True)
class MeetingContext:
    """The meetings read this session, and whose mailbox this is."""

    meetings: Mapping[str, MeetingFacts]
    own_address: str
    save_unresponded_invitations: bool = True
    save_meetings_without_people: bool = True
    save_internal_meetings: bool = False  # internal meetings the org saves have no Contact by nature
    blocked: Callable[[str], bool] = lambda address: False  # the mailbox's blocklists

    def role(self, mail_id: str, synced: Iterable[str] = ()) -> Role:
        meeting = self.meetings[mail_id]
        return self.role_of(meeting.organizer, meeting.answer, synced)

    def role_of(self, organizer: str, response: str, synced: Iterable[str] = ()) -> Role:
        return meeting_role(
            organizer=organizer,
            response=response,
            own_address=self.own_address,
            synced_users=frozenset(synced),
        )

    def organizes(self, mail_id: str) -> bool:
        """Whether this mailbox is the organizer's, for a meeting read this session."""
        return mail_id in self.meetings and self.role(mail_id) is Role.ORGANIZER


def match_key(
    rules: StreamRules, keys: tuple[str, ...], values: Mapping[str, Any], comparable: Callable[[Any], Any]
) -> MatchKey | None:
    """The natural key of neutral values as Salesforce would compare it; None when a part is empty."""
    by_key = {r.key: r for r in rules.fields}
    raw = tuple(by_key[k].crm_value(values.get(k))[0] for k in keys)
    if any(v in (None, "") for v in raw):
        return None
    return tuple(comparable(v) for v in raw)


def facts_wanted(
    draft: Plan,
    *,
    rules: StreamRules,
    natural_key: tuple[str, ...],
    meetings_only: bool,
    context: MeetingContext,
    comparable: Callable[[Any], Any],
) -> Wanted:
    """Which natural keys to look for (new mail items; of calendar items only meetings, as the
    reference does), and which invitations' organizers to ask about."""
    creates = draft.of_kind(Kind.CREATE_CRM)
    match_keys: dict[MatchKey, Action] = {}
    if natural_key:
        for action in creates:
            if meetings_only and action.mail_id not in context.meetings:
                continue
            key = match_key(rules, natural_key, action.crm_writes, comparable)
            if key is not None:
                match_keys.setdefault(key, action)
    invitations: dict[str, Invitation] = {}
    if not context.save_unresponded_invitations:
        for action in creates:
            meeting = context.meetings.get(action.mail_id)
            if meeting and meeting.answer not in ANSWERED and not context.organizes(action.mail_id):
                invitations[action.mail_id] = Invitation(action.sync_key, meeting.organizer.strip().lower())
    meeting_people: dict[str, frozenset[str]] = {}
    ask: set[str] = set()
    if not context.save_meetings_without_people:
        own = context.own_address.strip().lower()
        for action in creates:
            meeting = context.meetings.get(action.mail_id)
            if meeting is None or meeting.tagged or (meeting.internal and context.save_internal_meetings):
                continue
            people = {a.strip().lower() for a in (*meeting.attendees, meeting.organizer) if a}
            ask |= people
            meeting_people[action.mail_id] = frozenset(
                a for a in people if a != own and not context.blocked(a)
            )
    return Wanted(match_keys, invitations, meeting_people, frozenset(ask))


def matches_read(
    rules: StreamRules,
    keys: tuple[str, ...],
    changes: Iterable[ItemChange],
    comparable: Callable[[Any], Any],
) -> dict[MatchKey, Match]:
    """Matches among the records the session read anyway (the user's own): no extra call."""
    found: dict[MatchKey, Match] = {}
    by_key = {r.key: r for r in rules.fields}
    for change in changes:
        if change.deleted:
            continue
        raw = tuple(by_key[k].crm_value(change.values.get(k))[0] for k in keys)
        found.setdefault(
            tuple(comparable(v) for v in raw), Match(change.id, dict(change.values), change.sync_key)
        )
    return found


def plan_final(
    draft: Plan,
    wanted: Wanted,
    facts: Facts,
    *,
    rules: StreamRules,
    pairs: Iterable[PairState],
    context: MeetingContext,
) -> FinalPlan:
    """The draft with its creates linked to the records they match and its invitations that wait for
    their organizer taken out; conflicts, notices and holds as the draft has them."""
    linked: dict[int, Action] = {}
    linked_pairs: list[tuple[str, str]] = []
    stamp: dict[str, str] = {}
    paired = {p.crm_id for p in pairs if p.crm_id}  # one record per mail item, never two
    for key, action in wanted.match_keys.items():
        match = facts.matches.get(key)
        if match is None or match.sync_key == action.sync_key or match.crm_id in paired:
            continue  # another attendee saved this meeting (the upsert joins it), or paired
        paired.add(match.crm_id)
        linked[id(action)] = link_to_existing(rules, action, match.crm_id, match.values)
        linked_pairs.append((match.crm_id, action.mail_id))
        if not match.sync_key:  # stamp our key, so a replay after a crash finds this record
            stamp[match.crm_id] = action.sync_key
    taken = {a.crm_id for a in linked.values()}
    waiting = [a for a in _waiting(draft, wanted, facts, context) if id(a) not in linked]
    unlinkable = _without_people(draft, wanted, facts, exempt={id(a) for a in waiting} | set(linked))
    held_back = {id(a) for a in waiting} | {id(a) for a in unlinkable}
    actions = [
        linked.get(id(a), a)
        for a in draft.actions
        # The same record may be new on the Salesforce side too: it is linked, not copied back.
        if not (a.kind is Kind.CREATE_MAIL and a.crm_id in taken) and id(a) not in held_back
    ]
    plan = Plan(actions=actions, conflicts=draft.conflicts, notices=draft.notices, held=draft.held)
    left_out = {a.mail_id: (a.label, NO_PERSON_TO_LINK) for a in unlinkable}
    return FinalPlan(plan, linked_pairs, stamp, waiting, left_out, facts.people)


def _without_people(draft: Plan, wanted: Wanted, facts: Facts, exempt: set[int]) -> list[Action]:
    """SalesforceEventAutoTrackIncludingNotShared off: an auto-saved meeting in which no one is a
    Contact or Lead (nor is about to become one) is not saved. A meeting matched to a record that
    is there already is not new, and is linked as usual."""
    if not wanted.meeting_people:
        return []
    linkable = (facts.people.linkable() if facts.people else frozenset()) | facts.makeable
    return [
        action
        for action in draft.of_kind(Kind.CREATE_CRM)
        if action.mail_id in wanted.meeting_people
        and id(action) not in exempt
        and not wanted.meeting_people[action.mail_id] & linkable
    ]


def _waiting(draft: Plan, wanted: Wanted, facts: Facts, context: MeetingContext) -> list[Action]:
    """ISE-013: an attendee's invitation not accepted yet is not saved before its organizer's mailbox
    has saved the meeting."""
    if not wanted.invitations:
        return []
    waiting: list[Action] = []
    for action in draft.of_kind(Kind.CREATE_CRM):
        invitation = wanted.invitations.get(action.mail_id)
        if invitation is None:
            continue
        mailboxes = facts.synced_users.get(invitation.organizer, [])
        if awaits_organizer(
            role=context.role(action.mail_id, facts.synced_users),
            response=context.meetings[action.mail_id].answer,
            save_unresponded_invitations=context.save_unresponded_invitations,
            # Saved by the organizer's own mailbox, not by another attendee's.
            organizer_saved=any((pk, action.sync_key) in facts.saved_by for pk in mailboxes),
        ):
            waiting.append(action)
    return waiting
