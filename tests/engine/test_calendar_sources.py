"""Salesforce records of another object shown as calendar items, one way ("Save Events As Other")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from syncengine.models import CalendarSource, Outcome
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db
CATEGORY = "Salesforce Task"


def synced(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    return session


def show_tasks_in_calendar(person: Person) -> CalendarSource:
    return CalendarSource.objects.create(
        organization=person.organization,
        crm_object="Task",
        category=CATEGORY,
        subject_field="Subject",
        date_field="ActivityDate",
        description_field="Description",
    )


def calendar(person: Person) -> list[dict[str, Any]]:
    start, end = in_days(-20, 0) + "Z", in_days(70, 0) + "Z"
    view = person.outlook.call("GET", f"/me/calendarView?startDateTime={start}&endDateTime={end}")["value"]
    return sorted(view, key=lambda e: e["start"]["dateTime"])


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def test_it_shows_the_users_salesforce_tasks_as_all_day_items_with_their_category(person: Person):
    show_tasks_in_calendar(person)
    person.salesforce.Task.create({"Subject": "Renewal due", "ActivityDate": day(5), "Description": "Acme"})
    person.salesforce.Task.create({"Subject": "Far away", "ActivityDate": day(200)})

    session = synced(person)

    [item] = calendar(person)
    assert (item["subject"], item["isAllDay"], item["categories"]) == ("Renewal due", True, [CATEGORY])
    assert item["start"]["dateTime"].startswith(day(5)) and item["end"]["dateTime"].startswith(day(6))
    assert item["body"]["content"].strip().endswith("Acme") or "Acme" in item["body"]["content"]
    assert session.counts[f"src{CalendarSource.objects.get().pk}"]["to_mail"] == {"created": 1}
    assert synced_events(person) == [], "the item is not saved back as an Event"
    assert person.salesforce.query_all("SELECT Id FROM Event")["records"] == []
    quiet = synced(person)
    assert all("created" not in c.get("to_mail", {}) for c in quiet.counts.values()), quiet.counts


def test_it_puts_back_what_the_user_changes_or_deletes_in_the_calendar(person: Person):
    show_tasks_in_calendar(person)
    person.salesforce.Task.create({"Subject": "Renewal due", "ActivityDate": day(5)})
    synced(person)
    [item] = calendar(person)

    person.outlook.call("PATCH", f"/me/events/{item['id']}", {"subject": "My own title"})
    synced(person)
    assert [i["subject"] for i in calendar(person)] == ["Renewal due"]
    [task] = person.salesforce.query_all("SELECT Subject FROM Task")["records"]
    assert task["Subject"] == "Renewal due"

    person.outlook.call("DELETE", f"/me/events/{item['id']}")
    synced(person)
    assert [i["subject"] for i in calendar(person)] == ["Renewal due"]
    assert len(person.salesforce.query_all("SELECT Id FROM Task")["records"]) == 1


def test_it_moves_and_removes_the_item_when_the_salesforce_record_changes(person: Person):
    show_tasks_in_calendar(person)
    record = person.salesforce.Task.create({"Subject": "Renewal due", "ActivityDate": day(5)})
    synced(person)

    person.salesforce.Task.update(record["id"], {"ActivityDate": day(9), "Subject": "Renewal (moved)"})
    synced(person)
    [item] = calendar(person)
    assert item["subject"] == "Renewal (moved)" and item["start"]["dateTime"].startswith(day(9))

    person.salesforce.Task.delete(record["id"])
    synced(person)
    assert calendar(person) == []


def test_it_saves_calendar_items_with_the_category_as_records_of_the_object_when_two_way(person: Person):
    source = show_tasks_in_calendar(person)
    source.two_way = True
    source.save()
    synced(person)
    tagged = person.outlook.create_event(
        **event_body("Prepare the RFP answer", f"{day(3)}T00:00:00", f"{day(4)}T00:00:00"),
        isAllDay=True,
        categories=[CATEGORY],
    )
    person.outlook.create_event(**event_body("Team lunch", in_days(3, 12), in_days(3, 13)))

    synced(person)

    [task] = person.salesforce.query_all("SELECT Id, Subject, ActivityDate FROM Task")["records"]
    assert (task["Subject"], task["ActivityDate"]) == ("Prepare the RFP answer", day(3))
    assert [e["Subject"] for e in synced_events(person)] == ["Team lunch"], "the tagged item is not an Event"

    person.salesforce.Task.update(task["Id"], {"Subject": "Send the RFP answer"})
    synced(person)
    assert person.outlook.get_event(tagged["id"])["subject"] == "Send the RFP answer"

    person.outlook.delete_event(tagged["id"])
    synced(person)
    assert person.salesforce.query_all("SELECT Id FROM Task")["records"] == []
