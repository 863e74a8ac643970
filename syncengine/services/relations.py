"""Meeting attendees as Salesforce relations: Contacts, a Lead, and Users through EventRelation.

Salesforce lets an Event relate to at most 50 Contacts, or to a single Lead; the first Contact (or
the Lead) also becomes the Event's WhoId. Users who attend are related as invitees. Relations are
added when an Event is saved or joined by another attendee's mailbox, and follow the mailbox after
that (the reference's asymmetric rules): an attendee added in the mailbox is related, one removed
there is unrelated; a relation added in Salesforce is kept. Rooms and equipment are not people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from connectors.base import CrmSide
from connectors.salesforce import queries
from syncengine.core.people import People

MAX_CONTACTS = 50
# Salesforce ids begin with their object's key prefix: who a relation is, without asking.
KEY_PREFIXES = {"Contact": "003", "Lead": "00Q", "User": "005"}


@dataclass(frozen=True)
class Meeting:
    event_id: str
    attendees: tuple[str, ...]  # e-mail addresses
    organizer: str = ""  # related when a Contact or Lead; as a User they own the Event, not attend it
    joined_by: str = ""  # the Salesforce user id of a mailbox that joined someone else's Event
    responses: Mapping[str, str] = field(default_factory=dict)  # address -> the mailbox's answer


# The reference: Accepted and Declined are conveyed exactly; every other answer is undecided ("New").
RELATION_STATUS = {"accepted": "Accepted", "declined": "Declined"}


def _rows(crm: CrmSide, soqls: Iterable[str]) -> list[dict]:
    """Every row of these queries (connectors/salesforce/queries.py); no queries, no call."""
    return [row for soql in soqls for row in crm.query(soql)]


def _by_email(crm: CrmSide, sobject: str, emails: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in _rows(crm, queries.people_by_email(sobject, emails)):
        found.setdefault(str(row.get("Email") or "").lower(), row["Id"])
    return found


def meeting_addresses(meetings: Sequence[Meeting]) -> set[str]:
    return {a.lower() for m in meetings for a in (*m.attendees, m.organizer) if a}


def people_of(crm: CrmSide, emails: Iterable[str], known: People | None = None) -> People:
    """Who these addresses are: Contacts first, then Leads, then Users (one query each, for the
    addresses ``known`` was not asked about)."""
    known = known or People()
    wanted = {e.lower() for e in emails if e} - known.asked
    if not wanted:
        return known
    contacts = _by_email(crm, "Contact", wanted)
    leads = _by_email(crm, "Lead", wanted - contacts.keys())
    users = _by_email(crm, "User", wanted - contacts.keys() - leads.keys())
    return People(
        {**known.contacts, **contacts},
        {**known.leads, **leads},
        {**known.users, **users},
        known.asked | wanted,
    )


def relate_attendees(
    crm: CrmSide, meetings: Sequence[Meeting], owner_id: str, people: People | None = None
) -> list[str]:
    """Add the missing relations; returns problems a person should see (one per failed relation).
    ``people``: who the attendees are, when the session already asked."""
    meetings = [m for m in meetings if m.attendees or m.joined_by]
    if not meetings:
        return []
    found = people_of(crm, meeting_addresses(meetings), known=people)
    contacts, leads, users = found.contacts, found.leads, found.users
    ids = [m.event_id for m in meetings]
    existing = {(r["EventId"], r["RelationId"]) for r in _rows(crm, queries.event_relations(ids))}
    relations: list[dict[str, object]] = []
    whos: list[dict[str, object]] = []
    for meeting in meetings:
        present = [a.lower() for a in (*meeting.attendees, meeting.organizer) if a]
        who_ids = [contacts[a] for a in present if a in contacts][:MAX_CONTACTS]
        if not who_ids:
            who_ids = [leads[a] for a in present if a in leads][:1]
        invitees = {users[a]: a for a in present if a in users and a != meeting.organizer.lower()}
        if meeting.joined_by:
            invitees.setdefault(meeting.joined_by, "")
        invitees.pop(owner_id, None)
        for who in who_ids:
            if (meeting.event_id, who) not in existing:
                relations.append(
                    {"EventId": meeting.event_id, "RelationId": who, "IsParent": True, "IsInvitee": False}
                )
        for user, address in sorted(invitees.items()):
            if (meeting.event_id, user) not in existing:
                status = RELATION_STATUS.get(meeting.responses.get(address, ""), "New")
                relations.append(
                    {"EventId": meeting.event_id, "RelationId": user, "IsInvitee": True, "Status": status}
                )
        if who_ids and not any((meeting.event_id, w) in existing for w in who_ids):
            whos.append({"Id": meeting.event_id, "WhoId": who_ids[0]})
    problems = []
    for record, result in zip(
        relations, crm.create(crm_object="EventRelation", records=relations), strict=True
    ):
        if not result.ok:
            problems.append(f"Could not relate {record['RelationId']} to the Event: {result.message}")
    for result in crm.update(crm_object="Event", records=whos) if whos else []:
        if not result.ok:
            problems.append(f"Could not set the Event's contact: {result.message}")
    return problems


def unrelate_attendees(
    crm: CrmSide, removed: Sequence[tuple[str, frozenset[str]]], owner_id: str
) -> list[str]:
    """Remove the relations of attendees the mailbox no longer lists: (Event id, addresses) pairs.
    Three lookups, one relation query and one delete for the whole session."""
    removed = [(event_id, emails) for event_id, emails in removed if emails]
    if not removed:
        return []
    emails = {e.lower() for _, addresses in removed for e in addresses}
    ids_by_email: dict[str, set[str]] = {}
    for sobject in queries.PERSON_OBJECTS:
        for email, record_id in _by_email(crm, sobject, emails).items():
            ids_by_email.setdefault(email, set()).add(record_id)
    event_ids = [event_id for event_id, _ in removed]
    rows = _rows(crm, queries.event_relations(event_ids, with_ids=True))
    unwanted = {
        (event_id, record_id)
        for event_id, addresses in removed
        for email in addresses
        for record_id in ids_by_email.get(email.lower(), set())
    }
    doomed = [r for r in rows if (r["EventId"], r["RelationId"]) in unwanted and r["RelationId"] != owner_id]
    if not doomed:
        return []
    problems = []
    for row, result in zip(doomed, crm.delete(ids=[r["Id"] for r in doomed]), strict=True):
        if not result.ok:
            problems.append(f"Could not unrelate {row['RelationId']} from the Event: {result.message}")
    problems += _repoint_who(crm, rows, doomed)
    return problems


def attendance_release(
    crm: CrmSide, event_ids: Sequence[str], user_id: str
) -> tuple[set[str], dict[str, str]]:
    """An attendee let go of these meetings: their invitee relation goes, the Events stay. Returns the
    Events the attendee still owns (they saved the meeting before its organizer's mailbox took it over)
    and, per Event, why their relation could not be removed. Two queries and one delete at most."""
    ids = sorted(set(event_ids))
    if not ids or not user_id:
        return set(), {}
    me = user_id[:15]
    owned = {str(r["Id"]) for r in _rows(crm, queries.event_owners(ids)) if _is(r, "OwnerId", me)}
    rows = _rows(crm, queries.event_relations(ids, with_ids=True))
    mine = [r for r in rows if _is(r, "RelationId", me)]
    problems: dict[str, str] = {}
    for row, result in zip(mine, crm.delete(ids=[r["Id"] for r in mine]) if mine else [], strict=True):
        if not result.ok and result.code not in ("ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"):
            problems[str(row["EventId"])] = f"Could not take you off the Event: {result.message}"
    by_prefix = {i[:15]: i for i in ids}  # Salesforce answers 18-character ids, we may hold 15
    return {by_prefix.get(i[:15], i) for i in owned}, {
        by_prefix.get(k[:15], k): v for k, v in problems.items()
    }


def _is(row: Mapping[str, object], field: str, user_prefix: str) -> bool:
    return str(row.get(field) or "")[:15] == user_prefix


def _repoint_who(crm: CrmSide, rows: list[dict], doomed: list[dict]) -> list[str]:
    """An Event whose WhoId was unrelated points at another related Contact, or at no one."""
    gone = {(r["EventId"], r["RelationId"]) for r in doomed}
    event_ids = sorted({r["EventId"] for r in doomed})
    events = _rows(crm, queries.event_whos(event_ids))
    updates: list[dict[str, object]] = []
    for event in events:
        who = event.get("WhoId")
        if who and (event["Id"], who) in gone:
            left = [
                r["RelationId"]
                for r in rows
                if r["EventId"] == event["Id"]
                and (event["Id"], r["RelationId"]) not in gone
                and str(r["RelationId"]).startswith((KEY_PREFIXES["Contact"], KEY_PREFIXES["Lead"]))
            ]
            updates.append({"Id": event["Id"], "WhoId": left[0] if left else None})
    return [
        f"Could not change the Event's contact: {result.message}"
        for result in (crm.update(crm_object="Event", records=updates) if updates else [])
        if not result.ok
    ]


def related_addresses(crm: CrmSide, event_ids: Sequence[str], owner_id: str) -> dict[str, set[str]]:
    """The e-mail addresses of the people related to each Event (its owner left out): the relations,
    then one query per kind of person among them (Contact, Lead, User)."""
    rows = _rows(crm, queries.event_relations(event_ids))
    people = {str(r["RelationId"]) for r in rows} - {owner_id}
    emails: dict[str, str] = {}
    for sobject, prefix in KEY_PREFIXES.items():  # each object asked only for its own ids
        ids = {i for i in people if i.startswith(prefix)}
        for row in _rows(crm, queries.people_emails(sobject, ids)):
            if row.get("Email"):
                emails[str(row["Id"])] = str(row["Email"]).lower()
    out: dict[str, set[str]] = {}
    for row in rows:
        email = emails.get(str(row["RelationId"]))
        if email:
            out.setdefault(str(row["EventId"]), set()).add(email)
    return out
