"""An org admin shows another Salesforce object's records in calendars, checked against describe."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import CalendarSource
from syncengine.services.streams import stream_specs
from tests.support.pages import client_for, text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def page_url(person: Person) -> str:
    return reverse("dashboard:org_calendar_sources", args=[person.organization.pk])


def source_form(**changes: str) -> dict[str, str]:
    return {
        "crm_object": "Task",
        "category": "Salesforce Task",
        "subject_field": "Subject",
        "date_field": "ActivityDate",
        "start_field": "",
        "end_field": "",
        "description_field": "Description",
        **changes,
    }


def test_it_adds_a_source_the_describe_accepts_and_the_engine_syncs_it(boss_client: Client, boss: Person):
    response = boss_client.post(page_url(boss), source_form(), follow=True)

    assert "Task records will appear in calendars" in text_of(response)
    [source] = CalendarSource.objects.filter(organization=boss.organization)
    streams = [spec.stream for spec in stream_specs(boss.organization)]
    assert source.stream in streams
    events_spec = stream_specs(boss.organization)[0]
    assert events_spec.scope is not None and "Salesforce Task" in events_spec.scope.foreign_categories


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject_field": "Nope__c"}, "Task has no field Nope__c."),
        ({"date_field": "Description"}, "Task.Description is a textarea field; a date field is needed."),
        ({"crm_object": "Widget__c"}, "Salesforce has no object Widget__c"),
        (
            {"date_field": "", "start_field": ""},
            "Give a date field (all-day items) or a start date/time field.",
        ),
        (
            {"crm_object": "Account", "subject_field": "Name", "date_field": "LastActivityDate"},
            "sync key field",
        ),
    ],
)
def test_it_refuses_a_source_its_object_cannot_back(
    boss_client: Client, boss: Person, changes: dict[str, str], message: str
):
    response = boss_client.post(page_url(boss), source_form(**changes))

    assert response.status_code == 200
    assert "Nothing was saved" in text_of(response)
    assert message in text_of(response)
    assert not CalendarSource.objects.exists()


def test_it_refuses_a_malformed_api_name_before_asking_salesforce(boss_client: Client, boss: Person):
    response = boss_client.post(page_url(boss), source_form(crm_object="Task; DROP"))

    assert "Enter a Salesforce API name" in text_of(response)
    assert not CalendarSource.objects.exists()


def test_it_stops_showing_a_source(boss_client: Client, boss: Person):
    boss_client.post(page_url(boss), source_form())
    source = CalendarSource.objects.get()

    boss_client.post(reverse("dashboard:org_calendar_source_remove", args=[boss.organization.pk, source.pk]))

    assert [spec.stream for spec in stream_specs(boss.organization)] == ["events", "tasks", "contacts"]
    events = stream_specs(boss.organization)[0]
    assert events.scope is not None and "Salesforce Task" in events.scope.foreign_categories, (
        "its items already in calendars are still never saved as Events"
    )
    boss_client.post(page_url(boss), source_form())
    assert [s.pk for s in CalendarSource.objects.filter(enabled=True)] == [source.pk], "taken up again"


def test_it_shows_the_page_to_org_admins_of_that_organization_only(
    alice_client: Client, alice: Person, outsider
):
    assert alice_client.get(page_url(alice)).status_code == 404  # a user, not an org admin
    outsider_client = client_for(outsider.user)
    assert outsider_client.get(page_url(alice)).status_code == 404


@pytest.mark.parametrize("role", ["subject_field", "description_field"])
def test_it_refuses_the_sync_key_as_a_field_of_a_source(boss_client: Client, boss: Person, role: str):
    response = boss_client.post(page_url(boss), source_form(**{role: "MailSync_Key__c"}))

    assert "Task.MailSync_Key__c cannot be used: MailSync_Key__c is the engine&#x27;s sync key" in text_of(
        response
    )
    assert not CalendarSource.objects.exists()


def test_it_refuses_a_two_way_source_that_leaves_a_required_field_empty(
    boss_client: Client, boss: Person, sandboxes
):
    sandboxes[0].app.add_field(boss.sf_org_id, "Task", "Region__c", "string", length=40, required=True)

    two_way = boss_client.post(page_url(boss), source_form(two_way="on"))

    assert "Task requires Region (Region__c) on every new record" in text_of(two_way)
    assert not CalendarSource.objects.exists()
    # One way, the engine never makes Task records, so the same source is fine.
    one_way = boss_client.post(page_url(boss), source_form())
    assert one_way.status_code == 302
    assert CalendarSource.objects.get().two_way is False


def test_it_refuses_a_two_way_source_whose_fields_cannot_be_written(boss_client: Client, boss: Person):
    response = boss_client.post(
        page_url(boss), source_form(two_way="on", date_field="", start_field="CreatedDate")
    )

    assert "Task.CreatedDate cannot be written, so the source cannot be two way." in text_of(response)
    assert not CalendarSource.objects.exists()
