"""Item trace: support finds an item by what they know of it and reads its story across sessions,
with the links that open it on each side; left-out items say why."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import ItemPair
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.emails import crm_world, day
from tests.support.pages import decoded_text_of
from tests.support.people import Person, event_body


def trace(client: Client, person: Person, query: str) -> str:
    response = client.get(reverse("console:trace", args=[person.organization.pk]), {"q": query})
    assert response.status_code == 200
    return decoded_text_of(response)


@pytest.mark.django_db
def test_it_tells_an_events_story_across_sessions_found_by_its_subject(person: Person, support: Client):
    created = person.outlook.create_event(**event_body("Pricing call with Acme", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    person.outlook.update_event(created["id"], subject="Pricing call with Acme (moved)")
    session_run(mailbox_id=person.mailbox.pk)

    page = trace(support, person, "pricing call")

    pair = ItemPair.objects.get(mailbox=person.mailbox, stream="events")
    assert "Created in Salesforce" in page and "Updated in Salesforce" in page
    assert page.index("Updated in Salesforce") < page.index("Created in Salesforce")  # newest first
    assert f"Synced with Event {pair.crm_id}" in page
    assert f"/lightning/r/Event/{pair.crm_id}/view" in page  # opens the record in Salesforce
    assert "outlook.office365.com/owa/?itemid=" in page  # and the item in Outlook on the web


@pytest.mark.django_db
def test_it_finds_an_item_by_its_salesforce_id_in_either_length(person: Person, support: Client):
    person.outlook.create_event(**event_body("Renewal", in_days(2), in_days(2, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    crm_id = ItemPair.objects.get(mailbox=person.mailbox, stream="events").crm_id

    for query in (crm_id, crm_id[:15]):
        assert "Renewal" in trace(support, person, query)


@pytest.mark.django_db
def test_it_finds_a_meeting_by_an_attendees_address(person: Person, support: Client):
    attendee = {"emailAddress": {"address": "buyer@customer.example", "name": "Buyer"}, "type": "required"}
    person.salesforce.Contact.create({"LastName": "Buyer", "Email": "buyer@customer.example"})
    person.outlook.create_event(
        **event_body("Demo for the buyer", in_days(1), in_days(1, 11), attendees=[attendee])
    )
    session_run(mailbox_id=person.mailbox.pk)

    assert "Demo for the buyer" in trace(support, person, "buyer@customer.example")


@pytest.mark.django_db
def test_it_explains_why_an_item_was_left_out(person: Person, support: Client):
    person.outlook.create_event(**event_body("Dentist", in_days(1), in_days(1, 11), sensitivity="private"))
    session_run(mailbox_id=person.mailbox.pk)

    page = trace(support, person, "Dentist")

    assert "Not saved to Salesforce" in page
    assert "private" in page.lower()


@pytest.mark.django_db
def test_it_never_shows_another_organizations_items(person: Person, make_person, support: Client):
    stranger = make_person("zed")
    stranger.outlook.create_event(**event_body("Secret merger", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=stranger.mailbox.pk)

    page = trace(support, person, "Secret merger")

    assert "data-item=" not in page and f"No item of {person.organization} matches" in page


@pytest.mark.django_db
def test_it_lists_a_sessions_items_by_name(person: Person, org_admin: Client):
    person.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None

    response = org_admin.get(reverse("console:session", args=[person.organization.pk, session.pk]))

    page = decoded_text_of(response)
    assert "Kickoff" in page and "Created in Salesforce" in page


@pytest.mark.django_db
def test_it_shows_a_sessions_counts_calls_and_its_own_log_lines(person: Person, support: Client, sandboxes):
    _, graph_server = sandboxes
    graph_server.app.add_fault(status=429, retry_after=1, path="/calendarView/delta", count=1)
    person.outlook.create_event(**event_body("Throttled kickoff", in_days(1), in_days(1, 11)))
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None
    url = reverse("console:session", args=[person.organization.pk, session.pk])

    page = decoded_text_of(support.get(url))
    log = support.get(url, {"format": "log"})

    assert "<td>events</td><td>to_crm</td><td>1</td>" in page.replace(" ", "")  # one created
    assert "retrying in" in page  # the throttled call's retry, from the session's own log
    assert log["Content-Disposition"] == f'attachment; filename="session-{session.pk}.log"'
    assert "retrying in" in log.content.decode()


@pytest.mark.django_db
def test_it_says_which_rule_chose_a_meetings_business_record_and_what_it_passed_over(
    person: Person, support: Client
):
    world = crm_world(person)
    older = person.salesforce.Opportunity.create(
        {"Name": "Acme pilot", "StageName": "Prospecting", "CloseDate": day(30), "AccountId": world["acme"]}
    )["id"]
    person.salesforce.Opportunity.update(world["deal"], {"Description": "touched last"})
    attendee = {"emailAddress": {"address": "ann@acme.example"}, "type": "required"}
    person.outlook.create_event(
        **event_body("Acme renewal call", in_days(2), in_days(2, 11), attendees=[attendee])
    )
    session_run(mailbox_id=person.mailbox.pk)

    page = trace(support, person, "Acme renewal call")

    assert "Related to its business record" in page
    assert f"{world['deal']}, chosen as the user's most recent Opportunity; also found: {older}" in page


@pytest.mark.django_db
def test_it_shows_the_people_made_for_a_meeting_and_finds_them_by_address(
    person: Person, support: Client, sf_server
):
    from autoresolve.models import AutoresolveSettings
    from tests.support.autoresolve import add_people_keys

    add_people_keys(person, sf_server)
    AutoresolveSettings.objects.create(organization=person.organization, mode="leads")
    guest = {"emailAddress": {"address": "omar@fabrikam.example", "name": "Omar Haddad"}, "type": "required"}
    person.outlook.create_event(**event_body("Fabrikam intro", in_days(1), in_days(1, 11), attendees=[guest]))
    session_run(mailbox_id=person.mailbox.pk)
    (lead,) = person.salesforce.query("SELECT Id FROM Lead")["records"]

    by_subject = trace(support, person, "Fabrikam intro")
    by_address = trace(support, person, "omar@fabrikam.example")

    assert "People made for it" in by_subject and f"/lightning/r/Lead/{lead['Id']}/view" in by_subject
    assert "People the engine made in Salesforce" in by_address and "meeting 'Fabrikam intro'" in by_address
    assert "first name, last name" in by_address, "which signature fields it was made from"
