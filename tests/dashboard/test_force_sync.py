"""Force sync: POST queues a session now."""

from __future__ import annotations

import pytest
from django.test import Client

from syncengine.models import Outcome, SyncSession, Trigger
from tests.conftest import Person, event_body
from tests.dashboard.support import in_days, text_of, url

pytestmark = pytest.mark.django_db


def test_it_queues_a_session_that_runs(
    alice_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    alice.outlook.create_event(**event_body("Demo for Acme", in_days(1), in_days(1, 11)))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(url("force_sync", alice.mailbox.pk))

    assert response.status_code == 302
    assert response["Location"] == url("home")
    assert len(callbacks) == 1
    session = SyncSession.objects.get(mailbox=alice.mailbox)
    assert session.trigger == Trigger.FORCE
    assert session.outcome == Outcome.SUCCEEDED, session.error
    assert session.counts["events"]["to_crm"]["created"] == 1


def test_it_confirms_the_queued_session(
    alice_client: Client, alice: Person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = alice_client.post(url("force_sync", alice.mailbox.pk), follow=True)

    assert f"A sync session for {alice.mailbox.address} was queued" in text_of(response)


def test_it_answers_405_to_get(alice_client: Client, alice: Person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.get(url("force_sync", alice.mailbox.pk))

    assert response.status_code == 405
    assert callbacks == []
    assert not SyncSession.objects.exists()


def test_it_answers_404_for_a_mailbox_that_does_not_exist(alice_client: Client, alice: Person):
    response = alice_client.post(url("force_sync", alice.mailbox.pk + 1000))

    assert response.status_code == 404
