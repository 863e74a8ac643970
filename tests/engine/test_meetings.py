"""Meetings: one Salesforce Event for everyone in the org who saves it, with the people related."""

from __future__ import annotations

from unittest import mock

import pytest

from syncengine.models import ItemPair
from syncengine.services.sessions import session_run
from tests.conftest import SYNC_KEY_FIELD, Person, event_body
from tests.engine.test_events_to_salesforce import in_days, synced_events

pytestmark = pytest.mark.django_db


def run(person: Person):
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome in ("succeeded", "partial"), session and session.error
    return session


def attendee(address: str) -> dict:
    return {"emailAddress": {"address": address}, "type": "required"}


def test_it_saves_a_meeting_two_colleagues_hold_as_one_event_with_everyone_related(make_person, sandboxes):
    sf_server, graph_server = sandboxes
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    customer = alice.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})["id"]
    meeting = alice.outlook.create_event(
        **event_body(
            "Globex renewal",
            in_days(2, 14),
            in_days(2, 15),
            attendees=[attendee(bob.mailbox.address), attendee("ana@globex.example")],
        )
    )
    copy = graph_server.app.receive_invitation(
        bob.tenant_id,
        bob.graph_user_id,
        event_body(
            "Globex renewal",
            in_days(2, 14),
            in_days(2, 15),
            attendees=[attendee(bob.mailbox.address), attendee("ana@globex.example")],
        ),
        {"name": "Alice", "address": alice.mailbox.address},
        ical_uid=meeting["iCalUId"],
    )
    bob.outlook.call("POST", f"/me/events/{copy['id']}/accept", {"sendResponse": False})

    run(alice)
    bob_session = run(bob)

    [event] = sf_server.app.records(alice.sf_org_id, "Event")
    assert event["OwnerId"] == alice.connection.salesforce_user_id and event["WhoId"] == customer
    assert bob_session.counts["events"]["to_crm"] == {"joined": 1}
    related = {
        (r["RelationId"], r["IsInvitee"]) for r in sf_server.app.records(alice.sf_org_id, "EventRelation")
    }
    assert related == {(customer, False), (bob.connection.salesforce_user_id, True)}
    assert ItemPair.objects.get(mailbox=bob.mailbox, stream="events").crm_id == event["Id"]

    bob.outlook.delete_event(copy["id"])  # bob drops out: alice's Event stays
    run(bob)
    assert [e["Id"] for e in sf_server.app.records(alice.sf_org_id, "Event")] == [event["Id"]]


class WorkerDiedError(Exception):
    pass


def test_it_removes_a_record_a_dead_worker_left_once_the_outlook_item_is_deleted(person: Person, sandboxes):
    sf_server, _ = sandboxes
    created = person.outlook.create_event(**event_body("Half-saved", in_days(1), in_days(1, 11)))
    with mock.patch("syncengine.services.engine.state_commit", side_effect=WorkerDiedError):
        dead = session_run(mailbox_id=person.mailbox.pk)  # wrote to Salesforce, died before the commit
    assert dead is not None and dead.outcome == "failed"
    assert [e[SYNC_KEY_FIELD] is not None for e in sf_server.app.records(person.sf_org_id, "Event")] == [True]

    person.outlook.delete_event(created["id"])
    run(person)

    assert sf_server.app.records(person.sf_org_id, "Event") == []


def test_it_notices_a_salesforce_deletion_although_the_first_salesforce_read_was_empty(person: Person):
    person.outlook.create_event(**event_body("Soon gone in Salesforce", in_days(1), in_days(1, 11)))
    run(person)
    [event] = synced_events(person)

    person.salesforce.Event.delete(event["Id"])
    session = run(person)

    assert session.counts["events"]["pairs"] == {"unlinked": 1}
    assert not ItemPair.objects.filter(mailbox=person.mailbox, stream="events").exists()
