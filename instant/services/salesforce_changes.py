"""Which mailboxes a batch of Salesforce change events concerns, and waking them.

A change concerns the mailboxes paired with the record (whoever's calendar holds it), and the
mailboxes of the Salesforce user it belongs to (its owner; an invitee for an EventRelation), who may
not hold it yet. A create carries its owner; an update or a delete often names only the record, so
records no pair knows are looked up in one queryAll per object. Gap events (Salesforce could not
make the real ones) are treated as the changes they stand for; an overflow, which names no record,
wakes every mailbox of the organization, whose sessions read what changed by their own cursors.

Waking is ``mailbox_wake``: a suspended mailbox stays asleep, a burst makes one session. Nothing is
lost by a wake that does not happen: the mailbox's next scheduled session reads the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce.pubsub import ChangeEvent
from instant.models import InstantSettings
from instant.services.wake import Wake, mailbox_wake
from syncengine.models import ItemPair, Mailbox, SalesforceConnection

# What the change type of a change event is, in the org's trigger settings' words.
_TRIGGER = {"CREATE": "created", "UNDELETE": "created", "UPDATE": "updated", "DELETE": "deleted"}
# The fields naming the Salesforce users a record belongs to.
_PEOPLE_FIELDS = {
    "Event": ("OwnerId",),
    "Task": ("OwnerId",),
    "Contact": ("OwnerId",),
    "EventRelation": ("RelationId",),
}
_USER_PREFIX = "005"

LookUp = Callable[[str, Sequence[str], Sequence[str]], dict[str, dict[str, Any]]]


@dataclass
class Routed:
    mailbox_ids: set[int] = field(default_factory=set)
    echoes: int = 0  # the engine's own writes, not sent back
    not_triggering: int = 0  # kinds of change the org's settings leave to the schedule
    not_synced: int = 0  # changes of objects the engine does not sync
    everyone: bool = False  # an overflow: every mailbox of the organization


def route(
    organization_id: int,
    events: Sequence[ChangeEvent],
    *,
    chosen: InstantSettings,
    client_name: str,
    look_up: LookUp,
) -> Routed:
    routed = Routed()
    users: set[str] = set()  # Salesforce users whose mailboxes the changes concern
    records: dict[str, set[str]] = defaultdict(set)  # object -> ids of changed records
    owned: set[str] = set()  # records whose event named their owner
    relation_events: dict[str, str] = {}  # EventRelation id -> its Event, when the event said
    for event in events:
        if event.entity not in _PEOPLE_FIELDS:  # the org's other integrations' objects: not ours
            routed.not_synced += 1
            continue
        if not event.is_gap and event.made_by(client_name):
            routed.echoes += 1
            continue
        if not event.is_gap and not chosen.triggers(_TRIGGER.get(event.change_type, "")):
            routed.not_triggering += 1
            continue
        # An overflow names no record; a field type conversion names them all (a "00U*" wildcard).
        wildcard = any(i.endswith("*") for i in event.record_ids)
        if event.change_type == "GAP_OVERFLOW" or (event.is_gap and not event.record_ids) or wildcard:
            routed.everyone = True
            continue
        records[event.entity].update(event.record_ids)
        for name in _PEOPLE_FIELDS.get(event.entity, ()):
            if _is_user(event.values.get(name)):
                users.add(str(event.values[name]))
                owned.update(event.record_ids)
        if event.entity == "EventRelation" and event.values.get("EventId"):
            relation_events.update(dict.fromkeys(event.record_ids, str(event.values["EventId"])))
    if routed.everyone:
        routed.mailbox_ids = set(
            Mailbox.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
        )
        return routed

    for entity, ids in records.items():
        if entity == "EventRelation":
            continue  # a relation's own id is in no pair: placed by its Event and its person below
        found = _paired(organization_id, ids)
        routed.mailbox_ids.update(*found.values())
        unknown = [i for i in sorted(ids) if i[:15] not in found and i not in owned]
        if unknown:  # a record no mailbox holds yet, whose event did not name its owner
            for row in look_up(entity, _PEOPLE_FIELDS.get(entity, ("OwnerId",)), unknown).values():
                users.update(str(v) for v in row.values() if _is_user(v))
    relations = records.get("EventRelation", set())
    unnamed = sorted(i for i in relations if i not in relation_events)
    if unnamed:  # an update or delete of a relation names neither its Event nor its person
        for relation_id, row in look_up("EventRelation", ("EventId", "RelationId"), unnamed).items():
            if row.get("EventId"):
                relation_events[relation_id] = str(row["EventId"])
            if _is_user(row.get("RelationId")):
                users.add(str(row["RelationId"]))
    meetings = set(relation_events.values())
    if meetings:  # the Event's own mailboxes (its organiser's calendar) sync its attendees
        found = _paired(organization_id, meetings)
        routed.mailbox_ids.update(*found.values())
        unpaired = sorted(i for i in meetings if i[:15] not in found)
        if unpaired:
            for row in look_up("Event", ("OwnerId",), unpaired).values():
                if _is_user(row.get("OwnerId")):
                    users.add(str(row["OwnerId"]))
    routed.mailbox_ids |= _mailboxes_of_users(organization_id, users)
    return routed


def _is_user(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_USER_PREFIX)


def _paired(organization_id: int, ids: Iterable[str]) -> dict[str, set[int]]:
    """Record id (its first 15 characters) -> the mailboxes holding it, for the records pairs know
    (one Event may be in several calendars of the org)."""
    ids = set(ids)
    rows = ItemPair.objects.filter(
        mailbox__organization_id=organization_id, crm_id__in={i[:15] for i in ids} | ids
    ).values_list("crm_id", "mailbox_id")
    found: dict[str, set[int]] = defaultdict(set)
    for crm_id, mailbox_id in rows:
        found[crm_id[:15]].add(mailbox_id)
    return found


def _mailboxes_of_users(organization_id: int, salesforce_user_ids: set[str]) -> set[int]:
    if not salesforce_user_ids:
        return set()
    spellings = {i[:15] for i in salesforce_user_ids} | salesforce_user_ids
    people = SalesforceConnection.objects.filter(
        organization_id=organization_id, salesforce_user_id__in=spellings
    ).values_list("user_id", flat=True)
    return set(
        Mailbox.objects.filter(organization_id=organization_id, owner_id__in=list(people)).values_list(
            "pk", flat=True
        )
    )


def wake_all(mailbox_ids: Iterable[int]) -> int:
    """Wake each mailbox; how many sessions were queued."""
    return sum(mailbox_wake(mailbox_id=pk) is Wake.QUEUED for pk in sorted(set(mailbox_ids)))
