"""Meeting attendees as Salesforce relations: Contacts, a Lead, and Users through EventRelation.

Salesforce lets an Event relate to at most 50 Contacts, or to a single Lead; the first Contact (or
the Lead) also becomes the Event's WhoId. Users who attend are related as invitees. Relations are
added when an Event is saved or joined by another attendee's mailbox; existing ones are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors.salesforce.connector import SalesforceConnector

MAX_CONTACTS = 50


@dataclass(frozen=True)
class Meeting:
    event_id: str
    attendees: tuple[str, ...]  # e-mail addresses
    organizer: str = ""  # related when a Contact or Lead; as a User they own the Event, not attend it
    joined_by: str = ""  # the Salesforce user id of a mailbox that joined someone else's Event


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in sorted(set(values)))


def _by_email(crm: SalesforceConnector, sobject: str, emails: set[str]) -> dict[str, str]:
    if not emails:
        return {}
    rows = crm.query(f"SELECT Id, Email FROM {sobject} WHERE Email IN ({_quoted(emails)})")  # noqa: S608
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(str(row.get("Email") or "").lower(), row["Id"])
    return found


def relate_attendees(crm: SalesforceConnector, meetings: Sequence[Meeting], owner_id: str) -> list[str]:
    """Add the missing relations; returns problems a person should see (one per failed relation)."""
    meetings = [m for m in meetings if m.attendees or m.joined_by]
    if not meetings:
        return []
    emails = {a.lower() for m in meetings for a in (*m.attendees, m.organizer) if a}
    contacts = _by_email(crm, "Contact", emails)
    leads = _by_email(crm, "Lead", emails - contacts.keys())
    users = _by_email(crm, "User", emails - contacts.keys() - leads.keys())
    ids = [m.event_id for m in meetings]
    existing = {
        (r["EventId"], r["RelationId"])
        for r in crm.query(f"SELECT EventId, RelationId FROM EventRelation WHERE EventId IN ({_quoted(ids)})")  # noqa: S608
    }
    relations: list[dict[str, object]] = []
    whos: list[dict[str, object]] = []
    for meeting in meetings:
        people = [a.lower() for a in (*meeting.attendees, meeting.organizer) if a]
        who_ids = [contacts[a] for a in people if a in contacts][:MAX_CONTACTS]
        if not who_ids:
            who_ids = [leads[a] for a in people if a in leads][:1]
        invitees = {users[a] for a in people if a in users and a != meeting.organizer.lower()}
        invitees |= {meeting.joined_by} if meeting.joined_by else set()
        invitees.discard(owner_id)
        for who in who_ids:
            if (meeting.event_id, who) not in existing:
                relations.append(
                    {"EventId": meeting.event_id, "RelationId": who, "IsParent": True, "IsInvitee": False}
                )
        for user in sorted(invitees):
            if (meeting.event_id, user) not in existing:
                relations.append({"EventId": meeting.event_id, "RelationId": user, "IsInvitee": True})
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
