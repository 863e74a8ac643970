"""One-way synchronization per stream (the reference's "One-way Synchronization" options)."""

from __future__ import annotations

from typing import Any

import pytest

from syncengine.models import Outcome, SyncSettings
from syncengine.services.sessions import session_run
from syncengine.services.streams import sync_settings_for
from tests.support.calendar import in_days, salesforce_event, synced_events
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def synced(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    return session


def one_way(person: Person, **directions: str) -> None:
    sync_settings_for(person.organization)
    SyncSettings.objects.filter(organization=person.organization).update(**directions)


def contacts_folder(person: Person) -> str:
    folders = person.outlook.call("GET", "/me/contactFolders")["value"]
    return next(f["id"] for f in folders if f["displayName"] == "Salesforce Contacts")


def folder_contacts(person: Person) -> list[dict[str, Any]]:
    return person.outlook.call("GET", f"/me/contactFolders/{contacts_folder(person)}/contacts")["value"]


def test_it_reverts_a_salesforce_edit_when_calendar_items_go_one_way_to_salesforce(person: Person):
    one_way(person, events_direction="to_crm")
    made = person.outlook.create_event(**event_body("Quarterly review", in_days(2, 9), in_days(2, 10)))
    synced(person)
    [event] = synced_events(person)

    person.salesforce.Event.update(event["Id"], {"Subject": "Renamed in Salesforce", "Location": "HQ"})
    session = synced(person)

    [after] = synced_events(person)
    assert (after["Subject"], after["Location"]) == ("Quarterly review", None)
    assert person.outlook.get_event(made["id"])["subject"] == "Quarterly review"
    assert session.counts["events"]["to_crm"] == {"updated": 1}
    assert "to_mail" not in session.counts["events"]


def test_it_puts_back_a_salesforce_deletion_when_calendar_items_go_one_way_to_salesforce(person: Person):
    one_way(person, events_direction="to_crm")
    person.outlook.create_event(**event_body("Board meeting", in_days(3, 9), in_days(3, 10)))
    synced(person)
    [event] = synced_events(person)

    person.salesforce.Event.delete(event["Id"])
    synced(person)

    [restored] = synced_events(person)
    assert restored["Subject"] == "Board meeting" and restored["Id"] != event["Id"]
    quiet = synced(person)
    assert quiet.counts.get("events", {}).get("to_crm") is None, "the restored record is linked, not re-made"


def test_it_reverts_an_outlook_edit_when_contacts_go_one_way_to_the_mailbox(person: Person):
    one_way(person, contacts_direction="to_mail")
    person.salesforce.Contact.create({"FirstName": "Noor", "LastName": "Haddad", "Title": "CFO"})
    synced(person)
    [contact] = folder_contacts(person)

    person.outlook.call("PATCH", f"/me/contacts/{contact['id']}", {"jobTitle": "Typo in Outlook"})
    synced(person)

    [record] = person.salesforce.query_all("SELECT Title FROM Contact")["records"]
    assert record["Title"] == "CFO"
    assert person.outlook.call("GET", f"/me/contacts/{contact['id']}")["jobTitle"] == "CFO"


def test_it_saves_nothing_new_from_the_mailbox_and_restores_deletions_one_way_to_the_mailbox(person: Person):
    one_way(person, contacts_direction="to_mail")
    person.salesforce.Contact.create({"FirstName": "Ola", "LastName": "Berg"})
    synced(person)
    person.outlook.call(
        "POST",
        f"/me/contactFolders/{contacts_folder(person)}/contacts",
        {"givenName": "Only", "surname": "Here"},
    )
    [berg] = [c for c in folder_contacts(person) if c["surname"] == "Berg"]

    person.outlook.call("DELETE", f"/me/contacts/{berg['id']}")
    synced(person)

    names = sorted(
        r["LastName"] for r in person.salesforce.query_all("SELECT LastName FROM Contact")["records"]
    )
    assert names == ["Berg"]
    assert sorted(c["surname"] for c in folder_contacts(person)) == ["Berg", "Here"]


def test_it_still_brings_salesforce_made_events_down_one_way_to_salesforce(person: Person):
    one_way(person, events_direction="to_crm")
    salesforce_event(person, "Made in Salesforce", 4)

    session = synced(person)

    assert session.counts["events"]["to_mail"] == {"created": 1}
