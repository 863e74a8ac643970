"""No twins: new items that match a Salesforce record by natural key are linked to it."""

from __future__ import annotations

import pytest

from syncengine.models import ItemPair
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.people import Person, event_body
from tests.support.records import container, folder_contact, sf_rows

pytestmark = pytest.mark.django_db


def run(person: Person):
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == "succeeded", session and session.error
    return session


def test_it_links_a_new_outlook_contact_to_the_salesforce_contact_with_the_same_email(
    person: Person, sandboxes
):
    sf_server, _ = sandboxes
    run(person)  # makes the Salesforce Contacts folder
    colleague = sf_server.app.create_user(
        person.sf_org_id, f"colleague.{person.mailbox.pk}@crm.example", "colleague@crm.example", "Colleague"
    )
    existing = sf_server.app.create_record(
        person.sf_org_id,
        "Contact",
        {"LastName": "Meyer", "Email": "ben@globex.example", "Title": "CTO"},
        colleague["id"],
    )
    created = folder_contact(
        person,
        {
            "givenName": "Ben",
            "surname": "Meyer",
            "emailAddresses": [{"address": "Ben@Globex.example"}],
        },
    )

    session = run(person)

    assert session.counts["contacts"]["pairs"] == {"linked": 1}
    rows = sf_rows(
        person, "SELECT Id, FirstName, LastName, Title FROM Contact WHERE Email = 'ben@globex.example'"
    )
    assert [(r["Id"], r["FirstName"], r["Title"]) for r in rows] == [(existing, "Ben", "CTO")]
    assert (
        person.outlook.call("GET", f"/me/contacts/{created['id']}")["jobTitle"] == "CTO"
    )  # filled from Salesforce
    assert ItemPair.objects.get(mailbox=person.mailbox, stream="contacts").crm_id == existing


def test_it_keeps_one_task_when_the_same_task_is_new_on_both_sides(person: Person):
    run(person)  # makes the Salesforce Tasks list
    tasks_list = container(person, "todo/lists", "Salesforce Tasks")
    person.salesforce.Task.create(
        {
            "Subject": "Send contract",
            "ActivityDate": "2026-12-15",
            "Status": "Not Started",
            "Priority": "Normal",
        }
    )
    person.outlook.call(
        "POST",
        f"/me/todo/lists/{tasks_list}/tasks",
        {
            "title": "Send contract",
            "dueDateTime": {"dateTime": "2026-12-15T00:00:00", "timeZone": "UTC"},
        },
    )

    run(person)
    run(person)

    assert len(sf_rows(person, "SELECT Id FROM Task")) == 1
    assert [
        t["title"] for t in person.outlook.call("GET", f"/me/todo/lists/{tasks_list}/tasks")["value"]
    ] == ["Send contract"]


def test_it_links_an_outlook_meeting_to_the_same_meeting_already_in_salesforce(person: Person):
    start, end = in_days(2, 15), in_days(2, 16)
    person.salesforce.Event.create(
        {"Subject": "Board meeting", "StartDateTime": f"{start}Z", "EndDateTime": f"{end}Z", "Location": "HQ"}
    )
    guest = {"emailAddress": {"address": "ana@globex.example"}, "type": "required"}
    person.outlook.create_event(**event_body("Board meeting", start, end, attendees=[guest]))  # a meeting

    run(person)
    run(person)

    assert [(e["Subject"], e["Location"]) for e in synced_events(person)] == [("Board meeting", "HQ")]
    outlook = person.outlook.call("GET", "/me/events")["value"]
    assert [e["subject"] for e in outlook] == ["Board meeting"]
    assert outlook[0]["location"]["displayName"] == "HQ"


def test_it_saves_a_meeting_whose_subject_looks_like_a_date(person: Person):
    # The natural-key lookup types each literal from the field's describe type: a date-shaped
    # subject is still a quoted string (Salesforce refuses the whole query otherwise).
    start, end = in_days(3, 9), in_days(3, 10)
    guest = {"emailAddress": {"address": "ana@globex.example"}, "type": "required"}
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    person.outlook.create_event(**event_body("2030-01-15", start, end, attendees=[guest]))

    run(person)

    assert [e["Subject"] for e in synced_events(person)] == ["2030-01-15"]
