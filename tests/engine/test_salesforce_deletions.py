"""A deletion in Salesforce is a person's deletion: the engine never undoes it (the reference's
deletion table). An item saved from the calendar stays there without the category and is not saved
again on its own; an item that came from Salesforce leaves the calendar; tagging saves anew."""

from __future__ import annotations

import pytest

from syncengine.models import ItemPair, SyncSettings
from tests.support.calendar import in_days, synced_events
from tests.support.people import SYNC_KEY_FIELD, Person, event_body
from tests.support.sessions import run

pytestmark = pytest.mark.django_db


def _pair(person: Person, mail_id: str) -> ItemPair:
    return ItemPair.objects.get(mailbox=person.mailbox, stream="events", mail_id=mail_id)


def deleted_in_salesforce(person: Person) -> tuple[dict, dict]:
    """An Outlook event "Pipeline review" saved as an Event, which the user then deletes in Salesforce,
    and the session after: the calendar item and the Event as it was."""
    created = person.outlook.create_event(**event_body("Pipeline review", in_days(1), in_days(1, 11)))
    run(person)
    [event] = synced_events(person)
    person.salesforce.Event.delete(event["Id"])
    run(person)
    return created, event


def test_it_takes_the_category_off_an_outlook_event_deleted_in_salesforce(person: Person):
    created = person.outlook.create_event(**event_body("Pipeline review", in_days(1), in_days(1, 11)))
    run(person)
    [event] = synced_events(person)
    assert "Salesforce" in person.outlook.get_event(created["id"])["categories"]

    person.salesforce.Event.delete(event["Id"])
    run(person)

    assert "Salesforce" not in person.outlook.get_event(created["id"])["categories"]
    assert _pair(person, created["id"]).tombstone == "quiet"


def test_it_never_saves_again_an_outlook_event_deleted_in_salesforce_when_it_is_edited(person: Person):
    created, _ = deleted_in_salesforce(person)

    person.outlook.update_event(created["id"], subject="Pipeline review (moved)")
    run(person)
    run(person)

    assert synced_events(person) == []
    assert "Salesforce" not in person.outlook.get_event(created["id"])["categories"]


def test_it_saves_a_deleted_event_again_as_a_new_event_once_the_user_tags_it(person: Person):
    created, first = deleted_in_salesforce(person)

    person.outlook.update_event(created["id"], categories=["Salesforce"])
    run(person)

    [again] = synced_events(person)
    assert again["Id"] != first["Id"] and again["Subject"] == "Pipeline review"
    pair = _pair(person, created["id"])
    assert (pair.crm_id, pair.tombstone) == (again["Id"], "")
    assert again[SYNC_KEY_FIELD] == pair.sync_key


def test_it_deletes_the_calendar_item_of_a_salesforce_event_deleted_in_salesforce(person: Person):
    start = in_days(2)
    made = person.salesforce.Event.create(
        {"Subject": "Made in Salesforce", "StartDateTime": start, "EndDateTime": in_days(2, 11)}
    )
    run(person)
    mail_id = ItemPair.objects.get(mailbox=person.mailbox, stream="events", crm_id=made["id"]).mail_id
    assert person.outlook.get_event(mail_id)["subject"] == "Made in Salesforce"

    person.salesforce.Event.delete(made["id"])
    run(person)

    events = person.outlook.call("GET", "/me/events")["value"]
    assert mail_id not in {e["id"] for e in events}
    assert not ItemPair.objects.filter(mailbox=person.mailbox, stream="events").exists()


def test_it_deletes_an_outlook_event_deleted_in_salesforce_when_the_org_says_so(person: Person):
    SyncSettings.objects.update_or_create(
        organization=person.organization, defaults={"events_deleted_in_salesforce_leave_mailbox": False}
    )
    created, _ = deleted_in_salesforce(person)

    events = person.outlook.call("GET", "/me/events")["value"]
    assert created["id"] not in {e["id"] for e in events}
