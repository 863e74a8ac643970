"""Nobody but the owner sees or acts on a mailbox: not a teammate, not an outsider."""

from __future__ import annotations

import pytest
from django.test import Client

from syncengine.models import SyncSession
from syncengine.services.mailboxes import mailbox_suspend
from tests.support.pages import client_for, url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["teammate", "outsider"])
def intruder(request: pytest.FixtureRequest) -> Person:
    return request.getfixturevalue(request.param)


@pytest.fixture
def intruder_client(intruder: Person) -> Client:
    return client_for(intruder.user)


def _state(person: Person) -> tuple:
    person.mailbox.refresh_from_db()
    m = person.mailbox
    return (m.suspended, m.suspended_reason, m.suspended_at, m.status, m.next_due_at)


@pytest.mark.parametrize("action", ["force_sync", "suspend"])
def test_it_answers_404_to_someone_elses_action(
    intruder_client: Client, alice: Person, action: str, q_sync: None, django_capture_on_commit_callbacks
):
    before = _state(alice)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = intruder_client.post(url(action, alice.mailbox.pk), {"reason": "mischief"})

    assert response.status_code == 404
    assert alice.mailbox.address not in response.content.decode()
    assert callbacks == []
    assert _state(alice) == before
    assert not SyncSession.objects.exists()


def test_it_answers_404_to_someone_elses_resume(
    intruder_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    mailbox_suspend(mailbox=alice.mailbox, reason="On holiday")
    before = _state(alice)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = intruder_client.post(url("resume", alice.mailbox.pk))

    assert response.status_code == 404
    assert callbacks == []
    assert _state(alice) == before
    assert alice.mailbox.suspended is True
    assert not SyncSession.objects.exists()


def test_it_answers_404_to_someone_elses_status(intruder_client: Client, alice: Person):
    response = intruder_client.get(url("api_status", alice.mailbox.pk))

    assert response.status_code == 404
    assert alice.mailbox.address not in response.content.decode()


def test_it_shows_only_the_intruders_own_mailbox_on_their_dashboard(
    intruder_client: Client, intruder: Person, alice: Person
):
    html = intruder_client.get(url("home")).content.decode()

    assert intruder.mailbox.address in html
    assert alice.mailbox.address not in html
    assert alice.connection.username not in html
    assert url("force_sync", alice.mailbox.pk) not in html
    assert url("api_status", alice.mailbox.pk) not in html


def test_it_lets_the_intruder_act_on_their_own_mailbox(
    intruder_client: Client, intruder: Person, alice: Person
):
    """The 404s above are about ownership, not about the intruder being unable to act at all."""
    response = intruder_client.post(url("suspend", intruder.mailbox.pk), {"reason": "Busy"})

    assert response.status_code == 302
    intruder.mailbox.refresh_from_db()
    alice.mailbox.refresh_from_db()
    assert intruder.mailbox.suspended is True
    assert alice.mailbox.suspended is False
