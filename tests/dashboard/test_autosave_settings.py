"""The owner's auto-save toggles, on their own dashboard: saved for their mailbox only, used by the
next session, and what the organization decides around them said on the page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import JournalEntry, Mailbox
from syncengine.services.sessions import session_run
from syncengine.services.streams import sync_settings_for
from tests.support.calendar import in_days
from tests.support.pages import client_for, decoded_text_of, url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def _post(client: Client, mailbox: Mailbox, **fields: bool) -> object:
    data = {f"m{mailbox.pk}-{name}": "on" for name, on in fields.items() if on}
    return client.post(reverse("dashboard:autosave", args=[mailbox.pk]), data)


def test_it_shows_the_owners_toggles_as_they_are(alice_client: Client, alice: Person):
    Mailbox.objects.filter(pk=alice.mailbox.pk).update(autosave_appointments=False)

    html = decoded_text_of(alice_client.get(url("home")))

    assert (
        f'name="m{alice.mailbox.pk}-autosave_meetings" id="id_m{alice.mailbox.pk}-autosave_meetings" checked'
        in html
    )
    assert (
        f'name="m{alice.mailbox.pk}-autosave_appointments" id="id_m{alice.mailbox.pk}-autosave_appointments">'
        in html
    )


def test_it_saves_the_toggles_and_the_next_session_leaves_appointments_out(
    alice_client: Client, alice: Person
):
    response = _post(alice_client, alice.mailbox, autosave_meetings=True, autosave_appointments=False)
    alice.outlook.create_event(**event_body("Dentist", in_days(1), in_days(1, 11)))  # no attendees
    session = session_run(mailbox_id=alice.mailbox.pk)

    assert response.status_code == 302
    alice.mailbox.refresh_from_db()
    assert (alice.mailbox.autosave_meetings, alice.mailbox.autosave_appointments) == (True, False)
    entry = JournalEntry.objects.get(session=session, item_label="Dentist")
    assert entry.what == "left_out" and "auto-saving appointments is off" in entry.message


@pytest.mark.parametrize("intruder", ["teammate", "outsider", "boss"])
def test_it_answers_404_to_anyone_changing_someone_elses_toggles(
    request: pytest.FixtureRequest, alice: Person, intruder: str
):
    client = client_for(request.getfixturevalue(intruder).user)

    response = _post(client, alice.mailbox)

    assert response.status_code == 404
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.autosave_meetings and alice.mailbox.autosave_appointments
    assert f"m{alice.mailbox.pk}-autosave" not in client.get(url("home")).content.decode()


def test_it_refuses_a_post_without_the_csrf_token(alice: Person):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice.user)

    response = _post(strict, alice.mailbox)

    assert response.status_code == 403
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.autosave_meetings


def test_it_answers_405_to_get(alice_client: Client, alice: Person):
    assert alice_client.get(reverse("dashboard:autosave", args=[alice.mailbox.pk])).status_code == 405


def test_it_says_when_the_organization_does_not_sync_calendar_items(alice_client: Client, alice: Person):
    options = sync_settings_for(alice.organization)
    options.sync_events = False
    options.save()

    html = decoded_text_of(alice_client.get(url("home")))

    assert "Your organization does not sync calendar items, so these choices have no effect for now." in html
    assert '<button type="submit" disabled>Save my settings</button>' in html


def test_it_says_what_the_organization_decides_around_the_toggles(alice_client: Client, alice: Person):
    html = decoded_text_of(alice_client.get(url("home")))

    assert "Your organization saves invitations only once you have answered them." in html
