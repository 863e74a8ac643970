"""The rep's dashboard names the items each session changed, with links to both sides, and keeps
the whole session history a page away."""

from __future__ import annotations

import pytest
from django.urls import reverse

from syncengine.models import ItemPair, SyncSession
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import client_for, decoded_text_of
from tests.support.people import Person, event_body


@pytest.mark.django_db
def test_it_names_each_sessions_items_with_links_to_both_sides(person: Person):
    person.outlook.create_event(**event_body("Call with Globex", in_days(1), in_days(1, 11)))
    person.outlook.create_event(**event_body("Dentist", in_days(2), in_days(2, 11), sensitivity="private"))
    session_run(mailbox_id=person.mailbox.pk)

    page = decoded_text_of(client_for(person.user).get(reverse("dashboard:home")))

    crm_id = ItemPair.objects.get(mailbox=person.mailbox).crm_id
    assert (
        '<strong>Call with Globex</strong> <span class="muted">events</span>: Created in Salesforce' in page
    )
    assert f"/lightning/r/Event/{crm_id}/view" in page and "outlook.office365.com/owa/" in page
    assert "<strong>Dentist</strong>" in page and "Not saved to Salesforce" in page  # and why
    assert page.index("Call with Globex") < page.index("Dentist")  # what changed first


@pytest.mark.django_db
def test_it_pages_the_whole_session_history(person: Person):
    for _ in range(30):
        SyncSession.objects.create(mailbox=person.mailbox, trigger="schedule", outcome="succeeded")

    first = decoded_text_of(
        client_for(person.user).get(reverse("dashboard:sessions", args=[person.mailbox.pk]))
    )
    second = client_for(person.user).get(reverse("dashboard:sessions", args=[person.mailbox.pk]), {"page": 2})

    assert first.count("data-session=") == 25 and "Page 1 of 2" in first
    assert decoded_text_of(second).count("data-session=") == 5


@pytest.mark.django_db
def test_it_answers_404_for_someone_elses_session_history(person: Person, make_person):
    other = make_person("zed")

    response = client_for(other.user).get(reverse("dashboard:sessions", args=[person.mailbox.pk]))

    assert response.status_code == 404
