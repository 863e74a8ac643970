"""Force sync: POST queues a session now."""

from __future__ import annotations

import pytest
from django.test import Client

from syncengine.models import Outcome, SyncSession, Trigger
from syncengine.services.leases import lease_claim
from tests.support.calendar import in_days
from tests.support.pages import text_of, url
from tests.support.people import Person, event_body

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


def test_it_queues_one_session_however_many_times_the_button_is_pressed(
    alice_client: Client, alice: Person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(300):
            alice_client.post(url("force_sync", alice.mailbox.pk))

    assert len(callbacks) == 1  # one session queued, not 300


def test_it_says_when_the_next_force_sync_may_run(
    alice_client: Client, alice: Person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        alice_client.post(url("force_sync", alice.mailbox.pk))
        again = alice_client.post(url("force_sync", alice.mailbox.pk), follow=True)

    assert "the next Force sync may run at" in text_of(again)
    assert "Force sync again at" in text_of(again)


def test_it_queues_again_once_the_session_ran_and_the_cool_down_passed(
    alice_client: Client, alice: Person, settings, django_capture_on_commit_callbacks
):
    settings.FORCE_SYNC_COOLDOWN_SECONDS = 0
    with django_capture_on_commit_callbacks() as first:
        alice_client.post(url("force_sync", alice.mailbox.pk))
    with django_capture_on_commit_callbacks() as while_queued:
        alice_client.post(url("force_sync", alice.mailbox.pk))
    lease_claim(mailbox_id=alice.mailbox.pk)  # the queued session starts: the mark is cleared

    with django_capture_on_commit_callbacks() as after:
        alice_client.post(url("force_sync", alice.mailbox.pk))

    assert (len(first), len(while_queued), len(after)) == (1, 0, 1)
