"""An org admin edits a stream's mapping table, checked against the org's own Salesforce describe."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mapping.defaults import default_rows
from mapping.models import FieldMapping
from mapping.services import mail_fields_of
from syncengine.models import SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import client_for, text_of
from tests.support.people import SYNC_KEY_FIELD, Person, event_body

pytestmark = pytest.mark.django_db

RowTuple = tuple[str, ...]  # mail_field, crm_field, direction, converter[, fixed value]


@pytest.fixture
def sf_app(sandboxes: Any) -> Any:
    return sandboxes[0].app


def page_url(person: Person, stream: str = "events") -> str:
    return reverse("dashboard:org_mappings", args=[person.organization.pk, stream])


def reset_url(person: Person, stream: str = "events") -> str:
    return reverse("dashboard:org_mapping_reset", args=[person.organization.pk, stream])


def defaults(stream: str = "events") -> list[RowTuple]:
    return [(r.mail_field, r.crm_field, r.direction, r.converter) for r in default_rows(stream)]


def with_location_in(crm_field: str, converter: str = "text") -> list[RowTuple]:
    """The default events table, with the location written into another field."""
    return [
        ("location", crm_field, direction, converter) if mail == "location" else (mail, crm, direction, conv)
        for mail, crm, direction, conv in defaults()
    ]


def table_data(rows: list[RowTuple], blank_rows: int = 2, **extra: str) -> dict[str, str]:
    """What the page's formset posts: the rows, then blank rows left as the page shows them."""
    data = {
        "rows-TOTAL_FORMS": str(len(rows) + blank_rows),
        "rows-INITIAL_FORMS": str(len(rows)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "100",
        **extra,
    }
    blank = ("", "", "both", "text")
    for i, row in enumerate(rows + [blank] * blank_rows):
        mail_field, crm_field, direction, converter, *value = row
        data |= {
            f"rows-{i}-mail_field": mail_field,
            f"rows-{i}-crm_field": crm_field,
            f"rows-{i}-direction": direction,
            f"rows-{i}-converter": converter,
            f"rows-{i}-value": value[0] if value else "",
        }
    return data


def stored(person: Person, stream: str = "events", *extra: str) -> list[tuple]:
    return list(
        FieldMapping.objects.filter(organization=person.organization, stream=stream).values_list(
            "mail_field", "crm_field", "direction", "converter", "position", "max_length", *extra
        )
    )


def describe_calls(sf_app: Any, person: Person) -> int:
    return len([r for r in sf_app.requests(tenant=person.sf_org_id) if r["path"].endswith("/describe/")])


def test_it_shows_the_default_table_labelled_default_with_an_edit_form(boss_client: Client, boss: Person):
    response = boss_client.get(page_url(boss, "tasks"))

    page = text_of(response)
    assert response.status_code == 200
    assert '<span class="badge">default</span>' in page
    assert "<td>status</td><td>Status</td><td>Both ways</td> <td><code>task_status</code></td>" in page
    assert "Reset to default" not in page  # nothing to reset
    formset = response.context["formset"]
    assert [f.initial["crm_field"] for f in formset.initial_forms] == [r[1] for r in defaults("tasks")]
    assert [v for v, _ in formset.forms[0].fields["mail_field"].choices][1:] == mail_fields_of("tasks")
    assert "task_status: To Do status &lt;-&gt; Task Status" in page  # converters with their description


def test_it_maps_the_event_location_to_a_custom_field_and_a_session_writes_it(
    boss_client: Client, boss: Person, alice: Person, sf_app: Any
):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)

    response = boss_client.post(page_url(boss), table_data(with_location_in("Region__c")), follow=True)

    assert response.redirect_chain == [(page_url(boss), 302)]
    assert "mapping table of" in text_of(response) and "is saved" in text_of(response)
    [describe] = [r for r in sf_app.requests(tenant=boss.sf_org_id) if r["path"].endswith("/describe/")]
    assert describe["user"][:15] == boss.sf_user_id[:15]  # the acting admin's own connection
    rows = stored(boss)
    assert [r[1] for r in rows] == [r[1] for r in with_location_in("Region__c")]
    assert ("location", "Region__c", "both", "text", 5, 40) in rows
    assert '<span class="badge ok">custom</span>' in text_of(response)
    assert "<td>location</td><td>Region__c</td>" in text_of(response)

    # The table is the organization's: alice's next session writes her event's location there.
    alice.outlook.create_event(
        **event_body("Kickoff", in_days(1), in_days(1, 11), location={"displayName": "Berlin office"})
    )
    session = session_run(mailbox_id=alice.mailbox.pk)

    assert session is not None and session.counts["events"]["to_crm"] == {"created": 1}
    [event] = alice.salesforce.query(
        f"SELECT Subject, Location, Region__c FROM Event WHERE {SYNC_KEY_FIELD} != null"
    )["records"]
    assert (event["Subject"], event["Region__c"], event["Location"]) == ("Kickoff", "Berlin office", None)


def test_it_refuses_a_field_that_does_not_exist_and_keeps_the_stored_table(
    boss_client: Client, boss: Person, sf_app: Any
):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)
    assert boss_client.post(page_url(boss), table_data(with_location_in("Region__c"))).status_code == 302
    before = stored(boss)

    response = boss_client.post(page_url(boss), table_data(with_location_in("Territory__c")))

    assert response.status_code == 200
    assert "Nothing was saved" in text_of(response)
    assert "location -&gt; Territory__c: Event has no field &#x27;Territory__c&#x27;" in text_of(response)
    assert stored(boss) == before
    # The form keeps what the admin typed, so they can correct it.
    assert 'value="Territory__c"' in text_of(response)


def test_it_refuses_a_converter_that_cannot_write_the_field_type(
    boss_client: Client, boss: Person, sf_app: Any
):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)

    response = boss_client.post(page_url(boss), table_data(with_location_in("Region__c", "boolean")))

    assert response.status_code == 200
    assert "the &#x27;boolean&#x27; converter cannot write a string field" in text_of(response)
    assert stored(boss) == []


def test_it_lists_every_problem_of_the_table_at_once(boss_client: Client, boss: Person, sf_app: Any):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)
    rows = [*defaults(), ("location", "Nowhere__c", "to_crm", "text"), ("body", "Region__c", "both", "date")]

    response = boss_client.post(page_url(boss), table_data(rows))

    page = text_of(response)
    assert "Event has no field &#x27;Nowhere__c&#x27;" in page
    assert "the &#x27;date&#x27; converter cannot write a string field" in page
    assert "&#x27;body&#x27; is already written from Description" in page
    assert page.count("<li>") >= 3
    assert stored(boss) == []


def test_it_refuses_a_salesforce_field_mapped_twice(boss_client: Client, boss: Person, sf_app: Any):
    rows = [*defaults(), ("body", "location", "to_crm", "text")]

    response = boss_client.post(page_url(boss), table_data(rows))

    assert response.status_code == 200
    assert "Location is mapped more than once" in text_of(response)
    assert stored(boss) == []


def test_it_refuses_an_empty_table(boss_client: Client, boss: Person, sf_app: Any):
    response = boss_client.post(page_url(boss), table_data([], blank_rows=3))

    assert response.status_code == 200
    assert "A table needs at least one row" in text_of(response)
    assert describe_calls(sf_app, boss) == 0
    assert stored(boss) == []


def test_it_drops_rows_marked_for_removal(boss_client: Client, boss: Person):
    rows = defaults()
    index = [r[0] for r in rows].index("sensitivity")

    response = boss_client.post(page_url(boss), table_data(rows, **{f"rows-{index}-DELETE": "on"}))

    assert response.status_code == 302
    assert [r[0] for r in stored(boss)] == [r[0] for r in rows if r[0] != "sensitivity"]


def test_it_resets_the_table_to_the_default(boss_client: Client, boss: Person, sf_app: Any):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)
    boss_client.post(page_url(boss), table_data(with_location_in("Region__c")))
    assert stored(boss)
    assert "Reset to default" in text_of(boss_client.get(page_url(boss)))

    response = boss_client.post(reset_url(boss), follow=True)

    assert response.redirect_chain == [(page_url(boss), 302)]
    assert stored(boss) == []
    assert "back to the default" in text_of(response)
    assert '<span class="badge">default</span>' in text_of(response)
    assert "<td>location</td><td>Location</td>" in text_of(response)


def test_it_uses_a_members_connection_when_the_admin_has_none(
    boss_client: Client, boss: Person, alice: Person, sf_app: Any
):
    SalesforceConnection.objects.filter(user=boss.user).delete()

    response = boss_client.post(page_url(boss), table_data(defaults()))

    assert response.status_code == 302
    assert len(stored(boss)) == len(defaults())
    [call] = [r for r in sf_app.requests(tenant=alice.sf_org_id) if r["path"].endswith("/describe/")]
    assert call["user"][:15] == alice.sf_user_id[:15]


def test_it_asks_to_connect_salesforce_first_when_no_member_has(boss_client: Client, boss: Person):
    SalesforceConnection.objects.filter(organization=boss.organization).delete()

    response = boss_client.post(page_url(boss), table_data(defaults()))

    assert response.status_code == 200
    assert "Connect Salesforce first" in text_of(response)
    assert stored(boss) == []


def test_it_shows_a_salesforce_error_and_saves_nothing(boss_client: Client, boss: Person, sf_app: Any):
    sf_app.add_fault(status=403, count=5, path=r"/describe/")

    response = boss_client.post(page_url(boss), table_data(defaults()))

    assert response.status_code == 200
    assert "Salesforce did not describe Event, so nothing was saved: Salesforce answered 403" in text_of(
        response
    )
    assert stored(boss) == []


def test_it_answers_404_to_anyone_but_an_org_admin_of_the_organization(
    not_admin_here: Person, boss: Person, sf_app: Any
):
    FieldMapping.objects.create(organization=boss.organization, stream="events", mail_field="subject")
    before = stored(boss)
    client = client_for(not_admin_here.user)

    answers = [
        client.get(page_url(boss)).status_code,
        client.post(page_url(boss), table_data(defaults())).status_code,
        client.post(reset_url(boss)).status_code,
    ]

    assert answers == [404, 404, 404]
    assert stored(boss) == before
    assert describe_calls(sf_app, boss) == 0


def test_it_sends_an_anonymous_visitor_to_the_login_page(boss: Person):
    response = Client().post(reset_url(boss))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_answers_404_for_an_unknown_stream(boss_client: Client, boss: Person):
    assert boss_client.get(page_url(boss, "emails")).status_code == 404
    assert boss_client.post(reset_url(boss, "emails")).status_code == 404


@pytest.mark.parametrize("action", ["save", "reset"])
def test_it_refuses_a_mapping_post_without_the_csrf_token(boss: Person, sf_app: Any, action: str):
    FieldMapping.objects.create(organization=boss.organization, stream="events", mail_field="subject")
    before = stored(boss)
    client = Client(enforce_csrf_checks=True)
    client.force_login(boss.user)

    if action == "save":
        response = client.post(page_url(boss), table_data(defaults()))
    else:
        response = client.post(reset_url(boss))

    assert response.status_code == 403
    assert stored(boss) == before
    assert describe_calls(sf_app, boss) == 0


def saved_once_with_region(boss_client: Client, boss: Person, sf_app: Any) -> list[tuple]:
    """A custom table stored first, so a refused save can be seen to leave it as it was."""
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40)
    assert boss_client.post(page_url(boss), table_data(with_location_in("Region__c"))).status_code == 302
    return stored(boss)


def test_it_refuses_an_event_table_without_start_and_end_and_keeps_the_stored_one(
    boss_client: Client, boss: Person, sf_app: Any
):
    before = saved_once_with_region(boss_client, boss, sf_app)
    rows = [r for r in with_location_in("Region__c") if r[0] not in ("start", "end")]

    response = boss_client.post(page_url(boss), table_data(rows))

    page = text_of(response)
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "Event requires Start Date Time (StartDateTime) on every new record: map &#x27;start&#x27;" in page
    assert "Event requires End Date Time (EndDateTime) on every new record: map &#x27;end&#x27;" in page
    assert stored(boss) == before


def test_it_refuses_a_row_mapped_onto_the_sync_key(boss_client: Client, boss: Person, sf_app: Any):
    before = saved_once_with_region(boss_client, boss, sf_app)

    response = boss_client.post(page_url(boss), table_data(with_location_in(SYNC_KEY_FIELD)))

    page = text_of(response)
    assert f"location -&gt; {SYNC_KEY_FIELD}: Event.{SYNC_KEY_FIELD} cannot be mapped" in page
    assert "the engine&#x27;s sync key" in page
    assert stored(boss) == before


@pytest.mark.parametrize("field", ["OwnerId", "WhoId", "WhatId"])
def test_it_refuses_owner_and_who_what_as_targets_on_the_page(
    boss_client: Client, boss: Person, sf_app: Any, field: str
):
    rows = [*defaults("tasks"), ("reminder_on", field, "to_mail", "text")]
    rows = [r for r in rows if r[:2] != ("reminder_on", "IsReminderSet")]

    response = boss_client.post(page_url(boss, "tasks"), table_data(rows))

    assert f"reminder_on -&gt; {field}: Task.{field} cannot be mapped" in text_of(response)
    assert stored(boss, "tasks") == []


def test_it_names_a_required_field_nothing_fills_then_saves_it_as_a_fixed_value_a_session_writes(
    boss_client: Client, boss: Person, alice: Person, sf_app: Any
):
    sf_app.add_field(boss.sf_org_id, "Event", "Region__c", "string", length=40, required=True)

    refused = boss_client.post(page_url(boss), table_data(defaults()))

    assert "Event requires Region (Region__c) on every new record" in text_of(refused)
    assert stored(boss) == []

    saved = boss_client.post(
        page_url(boss), table_data([*defaults(), ("", "Region__c", "both", "text", "EMEA")]), follow=True
    )

    assert saved.redirect_chain == [(page_url(boss), 302)]
    assert ("", "Region__c", "to_crm", "", len(defaults()), 40, "EMEA") in stored(boss, "events", "value")
    assert "<em>fixed value</em> <code>EMEA</code></td><td>Region__c</td><td>On new records</td>" in text_of(
        saved
    )
    alice.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))
    session = session_run(mailbox_id=alice.mailbox.pk)
    assert session is not None and session.counts["events"]["to_crm"] == {"created": 1}
    [event] = alice.salesforce.query(f"SELECT Region__c FROM Event WHERE {SYNC_KEY_FIELD} != null")["records"]
    assert event["Region__c"] == "EMEA"


def test_it_asks_for_a_mailbox_field_or_a_fixed_value_in_a_row(boss_client: Client, boss: Person):
    response = boss_client.post(page_url(boss), table_data([*defaults(), ("", "Region__c", "both", "text")]))

    assert "Choose a mailbox field, or give a fixed value for new records." in text_of(response)
    assert stored(boss) == []


def test_it_still_saves_a_valid_table_of_every_stream(boss_client: Client, boss: Person):
    for stream in ("events", "tasks", "contacts"):
        response = boss_client.post(page_url(boss, stream), table_data(defaults(stream)))

        assert response.status_code == 302, text_of(response)
        assert [r[1] for r in stored(boss, stream)] == [r[1] for r in defaults(stream)]
