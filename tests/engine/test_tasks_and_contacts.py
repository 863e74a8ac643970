"""Tasks (the 'Salesforce Tasks' list) and contacts (the 'Salesforce Contacts' folder), both ways."""

from __future__ import annotations

from typing import Any

import pytest

from syncengine.models import Outcome, SyncSettings
from syncengine.services.sessions import session_run
from tests.support.people import Person
from tests.support.records import container, folder_contact, sf_rows

pytestmark = pytest.mark.django_db


def synced(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    return session


def test_it_saves_a_task_from_the_salesforce_tasks_list(person: Person):
    synced(person)  # the first session makes the 'Salesforce Tasks' list
    tasks_list = container(person, "todo/lists", "Salesforce Tasks")
    person.outlook.call(
        "POST",
        f"/me/todo/lists/{tasks_list}/tasks",
        {
            "title": "Send the proposal",
            "importance": "high",
            "status": "inProgress",
            "dueDateTime": {"dateTime": "2026-12-10T00:00:00", "timeZone": "UTC"},
            "body": {"content": "Pricing v2", "contentType": "text"},
        },
    )

    session = synced(person)

    assert session.counts["tasks"]["to_crm"] == {"created": 1}
    [task] = sf_rows(person, "SELECT Subject, Status, Priority, ActivityDate, Description FROM Task")
    assert (task["Subject"], task["Status"], task["Priority"]) == ("Send the proposal", "In Progress", "High")
    assert task["ActivityDate"] == "2026-12-10" and task["Description"] == "Pricing v2"


def test_it_brings_open_salesforce_tasks_into_the_list_and_leaves_closed_ones(person: Person):
    person.salesforce.Task.create(
        {"Subject": "Call back Acme", "Status": "Not Started", "Priority": "Normal"}
    )
    person.salesforce.Task.create({"Subject": "Old and done", "Status": "Completed", "Priority": "Normal"})

    synced(person)

    tasks_list = container(person, "todo/lists", "Salesforce Tasks")
    titles = [t["title"] for t in person.outlook.call("GET", f"/me/todo/lists/{tasks_list}/tasks")["value"]]
    assert titles == ["Call back Acme"]


def test_it_completes_the_salesforce_task_when_it_is_completed_in_outlook(person: Person):
    person.salesforce.Task.create({"Subject": "Prepare demo", "Status": "Not Started", "Priority": "Normal"})
    synced(person)
    tasks_list = container(person, "todo/lists", "Salesforce Tasks")
    [task] = person.outlook.call("GET", f"/me/todo/lists/{tasks_list}/tasks")["value"]

    person.outlook.call("PATCH", f"/me/todo/lists/{tasks_list}/tasks/{task['id']}", {"status": "completed"})
    session = synced(person)

    assert session.counts["tasks"]["to_crm"] == {"updated": 1}
    [row] = sf_rows(person, "SELECT Status FROM Task")
    assert row["Status"] == "Completed"


def test_it_mirrors_the_users_salesforce_contacts_into_the_folder(person: Person):
    person.salesforce.Contact.create(
        {
            "FirstName": "Ana",
            "LastName": "Silva",
            "Email": "ana@acme.example",
            "Phone": "+1 555 0100",
            "Title": "CFO",
        }
    )

    session = synced(person)

    assert session.counts["contacts"]["to_mail"] == {"created": 1}
    folder = container(person, "contactFolders", "Salesforce Contacts")
    [contact] = person.outlook.call("GET", f"/me/contactFolders/{folder}/contacts")["value"]
    assert (contact["givenName"], contact["surname"], contact["jobTitle"]) == ("Ana", "Silva", "CFO")
    assert contact["emailAddresses"][0]["address"] == "ana@acme.example"
    assert contact["businessPhones"] == ["+1 555 0100"]


def test_it_saves_a_contact_created_in_the_folder_and_keeps_extra_emails_on_the_way_back(person: Person):
    synced(person)
    created = folder_contact(
        person,
        {
            "givenName": "Jon",
            "surname": "Park",
            "companyName": "Globex",
            "emailAddresses": [{"address": "jon@globex.example"}, {"address": "jon.private@mail.example"}],
        },
    )
    synced(person)
    [row] = sf_rows(person, "SELECT Id, FirstName, LastName, Email FROM Contact")
    assert (row["FirstName"], row["LastName"], row["Email"]) == ("Jon", "Park", "jon@globex.example")

    person.salesforce.Contact.update(
        row["Id"], {"Email": "jon.park@globex.example", "MobilePhone": "+1 555 0199"}
    )
    synced(person)

    contact = person.outlook.call("GET", f"/me/contacts/{created['id']}")
    assert [e["address"] for e in contact["emailAddresses"]] == [
        "jon.park@globex.example",
        "jon.private@mail.example",
    ]
    assert contact["mobilePhone"] == "+1 555 0199"


def test_it_puts_back_a_contact_deleted_in_outlook_unless_auto_removal_is_on(person: Person):
    person.salesforce.Contact.create({"FirstName": "Ines", "LastName": "Rossi"})
    synced(person)
    folder = container(person, "contactFolders", "Salesforce Contacts")
    [contact] = person.outlook.call("GET", f"/me/contactFolders/{folder}/contacts")["value"]

    person.outlook.call("DELETE", f"/me/contacts/{contact['id']}")
    synced(person)

    [restored] = person.outlook.call("GET", f"/me/contactFolders/{folder}/contacts")["value"]
    assert restored["surname"] == "Rossi" and restored["id"] != contact["id"]
    assert len(sf_rows(person, "SELECT Id FROM Contact")) == 1

    SyncSettings.objects.filter(organization=person.organization).update(contacts_auto_removal=True)
    person.outlook.call("DELETE", f"/me/contacts/{restored['id']}")
    synced(person)
    assert sf_rows(person, "SELECT Id FROM Contact") == []
    assert person.outlook.call("GET", f"/me/contactFolders/{folder}/contacts")["value"] == []


def test_it_deletes_the_outlook_contact_when_salesforce_deletes_it(person: Person):
    record = person.salesforce.Contact.create({"FirstName": "Kira", "LastName": "Lund"})
    synced(person)

    person.salesforce.Contact.delete(record["id"])
    session = synced(person)

    assert session.counts["contacts"]["to_mail"] == {"deleted": 1}
    folder = container(person, "contactFolders", "Salesforce Contacts")
    assert person.outlook.call("GET", f"/me/contactFolders/{folder}/contacts")["value"] == []


def test_it_leaves_tasks_that_record_saved_emails_out_of_the_list(person: Person):
    synced(person)
    person.salesforce.Task.create(
        {"Subject": "Email: Re: pricing", "Status": "Completed", "TaskSubtype": "Email"}
    )
    person.salesforce.Task.create({"Subject": "Call back", "Status": "Not Started"})

    synced(person)

    tasks_list = container(person, "todo/lists", "Salesforce Tasks")
    titles = [t["title"] for t in person.outlook.call("GET", f"/me/todo/lists/{tasks_list}/tasks")["value"]]
    assert titles == ["Call back"]
