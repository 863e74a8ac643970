"""Meetings: one Salesforce Event for everyone in the org who saves it, with the people related."""

from __future__ import annotations

from unittest import mock

import pytest

from blocklists.models import OrgBlocklistEntry
from syncengine.models import ItemPair, SyncIssue, SyncSettings
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, sf_writes, synced_events
from tests.support.people import SYNC_KEY_FIELD, Person, event_body
from tests.support.sessions import run

pytestmark = pytest.mark.django_db


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
    with mock.patch("syncengine.stream.run.state_commit", side_effect=WorkerDiedError):
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

    assert session.counts["events"]["pairs"] == {"deleted_in_salesforce": 1}
    [pair] = ItemPair.objects.filter(mailbox=person.mailbox, stream="events")
    assert (pair.crm_id, pair.tombstone) == ("", "quiet")  # remembered, never saved again on its own


def relation_ids(sf_app, person: Person, event_id: str) -> set[str]:
    return {
        r["RelationId"] for r in sf_app.records(person.sf_org_id, "EventRelation") if r["EventId"] == event_id
    }


def test_it_follows_attendees_added_and_removed_in_outlook_and_keeps_one_added_in_salesforce(
    person: Person, sandboxes
):
    sf_app = sandboxes[0].app
    ana = person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})["id"]
    ben = person.salesforce.Contact.create({"LastName": "Berg", "Email": "ben@globex.example"})["id"]
    cy = person.salesforce.Contact.create({"LastName": "Cole", "Email": "cy@globex.example"})["id"]
    dee = person.salesforce.Contact.create({"LastName": "Dahl", "Email": "dee@globex.example"})["id"]
    meeting = person.outlook.create_event(
        **event_body(
            "Globex renewal",
            in_days(2, 14),
            in_days(2, 15),
            attendees=[
                attendee("ana@globex.example"),
                attendee("ben@globex.example"),
                {"emailAddress": {"address": "room-4@org.example"}, "type": "resource"},
            ],
        )
    )
    run(person)
    [event] = synced_events(person)
    assert relation_ids(sf_app, person, event["Id"]) == {ana, ben}
    person.salesforce.EventRelation.create({"EventId": event["Id"], "RelationId": dee, "IsParent": True})

    person.outlook.update_event(
        meeting["id"], attendees=[attendee("ben@globex.example"), attendee("cy@globex.example")]
    )
    run(person)

    assert relation_ids(sf_app, person, event["Id"]) == {ben, cy, dee}, "ana removed, cy added, dee kept"
    [after] = synced_events(person)
    who = person.salesforce.query(f"SELECT WhoId FROM Event WHERE Id = '{after['Id']}'")["records"][0][
        "WhoId"
    ]
    assert who in {ben, cy, dee}, "the Event no longer points at a Contact who left the meeting"


def test_it_never_relates_a_blocklisted_attendee(person: Person, sandboxes):
    sf_app = sandboxes[0].app
    ana = person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})["id"]
    person.salesforce.Contact.create({"LastName": "Rival", "Email": "spy@rival.example"})
    person.salesforce.Contact.create({"LastName": "Home", "Email": "ana.home@gmail.com"})
    OrgBlocklistEntry.objects.create(organization=person.organization, value="rival.example")
    person.outlook.create_event(
        **event_body(
            "Globex renewal",
            in_days(2, 14),
            in_days(2, 15),
            attendees=[
                attendee("spy@rival.example"),
                attendee("ana.home@gmail.com"),
                attendee("ana@globex.example"),
            ],
        )
    )

    run(person)

    [event] = synced_events(person)
    assert relation_ids(sf_app, person, event["Id"]) == {ana}, "blocklisted and free-email people stay out"


def test_it_adds_to_the_calendar_item_a_person_related_in_salesforce(person: Person, sandboxes):
    dee = person.salesforce.Contact.create({"LastName": "Dahl", "Email": "dee@globex.example"})["id"]
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    meeting = person.outlook.create_event(
        **event_body(
            "Globex renewal", in_days(2, 14), in_days(2, 15), attendees=[attendee("ana@globex.example")]
        )
    )
    run(person)
    [event] = synced_events(person)

    person.salesforce.EventRelation.create({"EventId": event["Id"], "RelationId": dee, "IsParent": True})
    person.salesforce.Event.update(event["Id"], {"Description": "Dee joins from procurement"})
    run(person)

    item = person.outlook.get_event(meeting["id"])
    assert [a["emailAddress"]["address"] for a in item["attendees"]] == [
        "ana@globex.example",
        "dee@globex.example",
    ]
    assert "Dee joins from procurement" in item["body"]["content"]
    quiet = run(person)
    assert quiet.counts["events"] == {}, "the attendee's arrival in the calendar is not read as a new change"


def test_it_gives_colleagues_relations_the_answer_they_gave_in_outlook(make_person, sandboxes):
    sf_app = sandboxes[0].app
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    cy = make_person("cy", organization=alice.organization)
    # Only colleagues meet: the org saves meetings with no Contact or Lead in them.
    SyncSettings.objects.update_or_create(
        organization=alice.organization, defaults={"save_meetings_without_people": True}
    )
    alice.outlook.create_event(
        **event_body(
            "Pipeline review",
            in_days(2, 9),
            in_days(2, 10),
            attendees=[
                {**attendee(bob.mailbox.address), "status": {"response": "accepted"}},
                {**attendee(cy.mailbox.address), "status": {"response": "tentativelyAccepted"}},
            ],
        )
    )

    run(alice)

    [event] = synced_events(alice)
    statuses = {
        r["RelationId"]: r["Status"]
        for r in sf_app.records(alice.sf_org_id, "EventRelation")
        if r["EventId"] == event["Id"]
    }
    assert statuses == {bob.sf_user_id: "Accepted", cy.sf_user_id: "New"}, "tentative is undecided"


def test_it_keeps_a_saved_meeting_when_relating_its_attendees_fails(person: Person, sandboxes):
    sf_app = sandboxes[0].app
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    person.outlook.create_event(
        **event_body(
            "Globex renewal", in_days(2, 14), in_days(2, 15), attendees=[attendee("ana@globex.example")]
        )
    )
    sf_app.add_fault(status=503, method="POST", path=r".*/composite/sobjects$", count=20)

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == "partial"
    [event] = synced_events(person)
    assert ItemPair.objects.filter(crm_id=event["Id"]).exists(), "the pair is committed"
    issue = SyncIssue.objects.get(code="FOLLOW_UP_FAILED")
    assert "attendees" in issue.message
    sf_app.clear()
    run(person)
    assert len(synced_events(person)) == 1, "no twin next time"


def sf_reads(sf_app, person: Person) -> list[str]:
    """The SOQL of every Salesforce read the person's org received."""
    return [
        str(r["query"].get("q", ""))
        for r in sf_app.requests(tenant=person.sf_org_id, kind="api")
        if r["method"] == "GET"
    ]


def test_it_reads_salesforce_once_per_stream_in_a_quiet_session_of_a_mailbox_with_meetings(
    make_person, sandboxes
):
    sf_server, graph_server = sandboxes
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    alice.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    alice.salesforce.Lead.create({"LastName": "Lee", "Company": "Gamma", "Email": "lee@gamma.example"})
    for day, who in ((2, "ana@globex.example"), (3, "lee@gamma.example")):
        alice.outlook.create_event(
            **event_body(
                f"Review {day}",
                in_days(day, 14),
                in_days(day, 15),
                attendees=[attendee(bob.mailbox.address), attendee(who)],
            )
        )
    run(alice)
    assert len(synced_events(alice)) == 2
    sf_server.app.clear()
    graph_server.app.clear()

    quiet = run(alice)

    assert quiet.counts == {"events": {}, "tasks": {}, "contacts": {}}
    reads = sf_reads(sf_server.app, alice)
    assert [q.split(" FROM ")[1].split()[0] for q in reads] == ["Event", "Task", "Contact"], reads
    assert sf_writes(alice, sf_server) == []
    assert quiet.api_calls["crm"] == 3


def test_it_asks_only_for_the_kinds_of_people_related_to_a_meeting_changed_in_salesforce(
    person: Person, sandboxes
):
    sf_app = sandboxes[0].app
    dee = person.salesforce.Contact.create({"LastName": "Dahl", "Email": "dee@globex.example"})["id"]
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    person.outlook.create_event(
        **event_body(
            "Globex renewal", in_days(2, 14), in_days(2, 15), attendees=[attendee("ana@globex.example")]
        )
    )
    run(person)
    [event] = synced_events(person)
    person.salesforce.EventRelation.create({"EventId": event["Id"], "RelationId": dee, "IsParent": True})
    person.salesforce.Event.update(event["Id"], {"Description": "Dee joins"})
    sf_app.clear()

    run(person)

    asked = [q.split(" FROM ")[1].split()[0] for q in sf_reads(sf_app, person)]
    assert asked == ["Event", "EventRelation", "Contact", "Task", "Contact"], "no Lead or User lookup"
