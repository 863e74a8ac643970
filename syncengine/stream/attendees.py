"""Meeting attendees in Salesforce, after a stream's writes: a new meeting's people are related to its
Event; afterwards the mailbox's attendee changes follow (added ones related, removed ones unrelated),
and people related in Salesforce join the calendar item. Returns the rosters (each meeting's people
as the mailbox showed them) for the stream's one commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from syncengine.core.calendar import MeetingFacts
from syncengine.core.people import People
from syncengine.core.records import ItemChange, PairState, Problem, content_hash
from syncengine.extensions import (
    AUTORESOLVE_FAILED,
    Unresolved,
    people_make,
    people_maker_registered,
    people_rules_for,
)
from syncengine.services.relations import (
    Meeting,
    meeting_addresses,
    people_of,
    relate_attendees,
    related_addresses,
    unrelate_attendees,
)
from syncengine.services.state import Roster, rosters_load
from syncengine.stream.context import StreamContext
from syncengine.stream.execute import NewRecord


@dataclass
class Attendance:
    rosters: dict[str, Roster] = field(default_factory=dict)  # sync key -> the meeting's people now
    forget: list[str] = field(default_factory=list)  # sync keys of meetings no longer synced
    problems: list[Problem] = field(default_factory=list)


def follow_attendees(
    ctx: StreamContext,
    *,
    meetings: dict[str, MeetingFacts],
    new_records: list[NewRecord],
    pairs: list[PairState],
    upserts: list[PairState],
    removals: list[str],
    crm_read: list[ItemChange],
    known_people: People | None = None,
) -> Attendance:
    crm, spec = ctx.crm, ctx.spec
    new = {r.mail_id for r in new_records}
    relations = [
        Meeting(
            r.crm_id,
            meetings[r.mail_id].attendees,
            meetings[r.mail_id].organizer,
            crm.user_id if r.joined else "",
            meetings[r.mail_id].responses,
        )
        for r in new_records
        if r.mail_id in meetings
    ]
    # A let-go attendee's marker (see PairState.tombstone) no longer has a meeting to follow.
    gone = set(removals) | {s.sync_key for s in upserts if s.tombstone == "left"}
    paired = {p.mail_id: p for p in [*pairs, *upserts] if p.mail_id and p.crm_id}
    people: dict[str, frozenset[str]] = {}  # meetings whose roster changed: their people now
    organizers: dict[str, str] = {}
    unrelated: list[tuple[str, frozenset[str]]] = []
    before = rosters_load(mailbox=ctx.mailbox, sync_keys=[p.sync_key for p in paired.values()])
    for mail_id, meeting in meetings.items():
        pair = paired.get(mail_id)
        if pair is None or pair.sync_key in gone:
            continue
        now = frozenset(a.lower() for a in (*meeting.attendees, meeting.organizer) if a)
        kept = before.get(pair.sync_key)
        last = kept.attendees if kept is not None else None
        organizers[pair.sync_key] = meeting.organizer.lower()
        if last != now or kept is None or kept.organizer != meeting.organizer.lower():
            people[pair.sync_key] = now
        if mail_id in new or not spec.continuous_attendees or last == now:
            continue
        if last is None:  # paired before rosters were kept: make sure everyone is related
            relations.append(
                Meeting(pair.crm_id, tuple(sorted(now)), meeting.organizer, "", meeting.responses)
            )
            continue
        if now - last:
            relations.append(Meeting(pair.crm_id, tuple(sorted(now - last)), "", "", meeting.responses))
        unrelated.append((pair.crm_id, last - now))
    if relations or unrelated:
        relatable = people_rules_for(ctx.mailbox).relatable
        relations = [
            replace(
                m,
                attendees=tuple(a for a in m.attendees if relatable(a)),
                organizer=m.organizer if relatable(m.organizer) else "",
            )
            for m in relations
        ]
    names = {a: n for m in meetings.values() for a, n in m.names.items()}
    who, made_problems = _people_with_new_ones(ctx, relations, new_records, known_people, names)
    problems = relate_attendees(crm, relations, owner_id=crm.user_id, people=who)
    problems += unrelate_attendees(crm, unrelated, owner_id=crm.user_id)
    outcome = Attendance(problems=[*made_problems, *(Problem("RELATION_FAILED", p) for p in problems)])
    if spec.continuous_attendees:
        known = {key: roster.attendees for key, roster in before.items()}
        grown, added_problems = _attendees_from_salesforce(
            ctx, pairs, paired, {**known, **people}, gone, crm_read
        )
        people |= grown
        outcome.problems += added_problems
    outcome.rosters = {
        key: Roster(now, organizers.get(key) or (before[key].organizer if key in before else ""))
        for key, now in people.items()
    }
    outcome.forget = [k for k in gone if k in before]
    return outcome


def _people_with_new_ones(
    ctx: StreamContext,
    relations: list[Meeting],
    new_records: list[NewRecord],
    known: People | None,
    names: Mapping[str, str],
) -> tuple[People | None, list[Problem]]:
    """Who the attendees about to be related are (``known``: what the plan asked already), with
    records made (autoresolving) for those no Contact, Lead or User has, so the meeting relates them
    in this session."""
    if not relations or not people_maker_registered():
        return known, []
    people = people_of(ctx.crm, meeting_addresses(relations), known=known)
    unknown = people.unknown()
    if not unknown:
        return people, []
    written = {r.crm_id: r.created_values or {} for r in new_records}
    met: dict[str, Unresolved] = {}
    for meeting in relations:
        values = written.get(meeting.event_id, {})
        subject = str(values.get("subject") or "")
        source = f"meeting '{subject[:200]}'" if subject else "a meeting"
        for address in sorted(meeting_addresses([meeting]) & unknown):
            # The invitation is the organizer's email: its text may carry their signature.
            by_them = address == meeting.organizer.lower() and bool(values.get("body"))
            if address in met and (met[address].text or not by_them):
                continue
            met[address] = Unresolved(
                address,
                names.get(address, ""),
                text=str(values.get("body") or "") if by_them else "",
                source=source,
            )
    made = people_make(ctx.mailbox, ctx.crm, list(met.values()))
    problems = [Problem(AUTORESOLVE_FAILED, made.problem)] if made.problem else []
    return (
        people.with_made(
            {m.address: m.id for m in made.people if m.sobject == "Contact"},
            {m.address: m.id for m in made.people if m.sobject == "Lead"},
        ),
        problems,
    )


def _attendees_from_salesforce(
    ctx: StreamContext,
    pairs: list[PairState],
    paired: dict[str, PairState],
    rosters: dict[str, frozenset[str]],
    gone: set[str],
    crm_read: list[ItemChange],
) -> tuple[dict[str, frozenset[str]], list[Problem]]:
    """People related in Salesforce to a synced meeting's Event join the calendar item (the reference:
    added with an unknown response); one removed there stays. Only Events whose content changed since
    the last sync are looked at, so a quiet session costs nothing: the Salesforce read returns again
    the rows of its overlap and our own writes, whose content is unchanged."""
    synced = {p.crm_id: p.crm_hash for p in pairs if p.crm_id}
    changed = {c.id for c in crm_read if not c.deleted and content_hash(c.values) != synced.get(c.id)}
    meetings = {
        p.crm_id: p
        for p in paired.values()
        if p.crm_id in changed and p.sync_key in rosters and p.sync_key not in gone
    }
    if not meetings:
        return {}, []
    related = related_addresses(ctx.crm, sorted(meetings), owner_id=ctx.crm.user_id)
    own = str(ctx.mailbox.address).lower()
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
        return {}, []
    problems: list[Problem] = []
    results = ctx.mail.update(stream=ctx.spec.mail_side_stream, items=additions)
    for (mail_id, _), key, result in zip(additions, keys, results, strict=True):
        if not result.ok:  # tried again after the Event's next change
            grown.pop(key, None)
            problems.append(
                Problem("ATTENDEES_NOT_ADDED", f"Could not add attendees: {result.message}", mail_id=mail_id)
            )
    return grown, problems
