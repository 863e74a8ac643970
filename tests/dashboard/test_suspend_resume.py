"""Suspend stops every session of a mailbox until Resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from syncengine.models import MailboxStatus, SyncSession, Trigger
from syncengine.tasks import enqueue_due_sessions
from tests.support.pages import text_of, url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_suspends_with_the_reason_given(alice_client: Client, alice: Person):
    response = alice_client.post(url("suspend", alice.mailbox.pk), {"reason": "On holiday"}, follow=True)

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended is True
    assert alice.mailbox.suspended_reason == "Suspended by user: On holiday"
    assert alice.mailbox.suspended_at is not None
    assert alice.mailbox.status == MailboxStatus.SUSPENDED
    html = text_of(response)
    assert "is suspended" in html
    assert html.count("On holiday") == 1  # said once: "Your reason: On holiday"
    assert ">Resume</button>" in html and ">Force sync</button>" not in html


def test_it_suspends_without_a_reason(alice_client: Client, alice: Person):
    alice_client.post(url("suspend", alice.mailbox.pk))

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended is True
    assert alice.mailbox.suspended_reason == "Suspended by user: no reason given"


def test_it_skips_a_suspended_mailbox_in_the_scheduled_queue(
    alice_client: Client, alice: Person, q_sync: None
):
    alice_client.post(url("suspend", alice.mailbox.pk), {"reason": "On holiday"})
    alice.mailbox.refresh_from_db()
    alice.mailbox.next_due_at = timezone.now() - timedelta(minutes=5)
    alice.mailbox.save()

    queued = enqueue_due_sessions()

    assert queued == 0
    assert not SyncSession.objects.exists()


def test_it_queues_nothing_when_forcing_a_suspended_mailbox(
    alice_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    alice_client.post(url("suspend", alice.mailbox.pk), {"reason": "On holiday"})

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(url("force_sync", alice.mailbox.pk), follow=True)

    assert callbacks == []
    assert not SyncSession.objects.exists()
    html = text_of(response)
    assert '<p class="flash error">This mailbox is suspended: resume it to sync.</p>' in html
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended is True


def test_it_resumes_and_queues_a_session(
    alice_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    alice_client.post(url("suspend", alice.mailbox.pk), {"reason": "On holiday"})

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(url("resume", alice.mailbox.pk), follow=True)

    assert len(callbacks) == 1
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended is False
    assert alice.mailbox.suspended_reason == ""
    assert alice.mailbox.suspended_at is None
    session = SyncSession.objects.get(mailbox=alice.mailbox)
    assert session.trigger == Trigger.RESUME
    assert alice.mailbox.status == MailboxStatus.OK  # the queued session ran
    assert "is resumed" in text_of(response)
    assert "<td>Resumed</td>" in text_of(alice_client.get(url("home")))


def test_it_lets_the_scheduled_queue_pick_the_mailbox_up_again_after_resume(
    alice_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    alice_client.post(url("suspend", alice.mailbox.pk))
    with django_capture_on_commit_callbacks():  # the resume's own queued session is dropped here
        alice_client.post(url("resume", alice.mailbox.pk))

    queued = enqueue_due_sessions()

    assert queued == 1
    session = SyncSession.objects.get(mailbox=alice.mailbox)
    assert session.trigger == Trigger.SCHEDULE


@pytest.mark.parametrize("action", ["suspend", "resume"])
def test_it_answers_405_to_get(alice_client: Client, alice: Person, action: str):
    response = alice_client.get(url(action, alice.mailbox.pk))

    assert response.status_code == 405
