"""The debounce: one session per burst; a change during a running session owes one more session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from instant.models import MailboxWake
from instant.services.wake import Wake, mailbox_wake, wakes_flush
from syncengine.models import Mailbox, SyncSession, Trigger
from tests.support.instant import queued_sessions
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_queues_the_first_notification_and_folds_the_rest_into_it(settings, person: Person):

    outcomes = [mailbox_wake(mailbox_id=person.mailbox.pk) for _ in range(5)]

    assert outcomes == [Wake.QUEUED] + [Wake.DEBOUNCED] * 4
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_owes_a_session_for_a_change_after_the_queued_one_started(settings, person: Person):
    mailbox_wake(mailbox_id=person.mailbox.pk)
    SyncSession.objects.create(mailbox=person.mailbox, trigger=Trigger.NOTIFICATION)  # it started reading
    lease = timezone.now() + timedelta(minutes=5)
    Mailbox.objects.filter(pk=person.mailbox.pk).update(lease_token="t", lease_expires_at=lease)

    assert mailbox_wake(mailbox_id=person.mailbox.pk) == Wake.DEFERRED
    assert wakes_flush() == 0  # still running: a session queued now would only be skipped

    Mailbox.objects.filter(pk=person.mailbox.pk).update(lease_token="", lease_expires_at=None)
    assert wakes_flush() == 0  # ended, but within the org's least time between two instant sessions
    a_minute_ago = timezone.now() - timedelta(seconds=61)
    MailboxWake.objects.filter(mailbox=person.mailbox).update(queued_at=a_minute_ago)
    assert wakes_flush() == 1
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION, Trigger.NOTIFICATION]
    assert not MailboxWake.objects.get(mailbox=person.mailbox).pending


def test_it_queues_again_once_the_debounce_window_has_passed(settings, person: Person):
    mailbox_wake(mailbox_id=person.mailbox.pk, now=timezone.now() - timedelta(minutes=5))

    assert mailbox_wake(mailbox_id=person.mailbox.pk) == Wake.QUEUED


def test_it_never_wakes_a_suspended_mailbox(person: Person):
    Mailbox.objects.filter(pk=person.mailbox.pk).update(suspended=True)

    assert mailbox_wake(mailbox_id=person.mailbox.pk) == Wake.ASLEEP
    assert wakes_flush() == 0
    assert queued_sessions(person.mailbox.pk) == []


def test_it_keeps_a_session_owed_for_a_salesforce_change_when_only_mailbox_instant_sync_is_off(
    person: Person,
):
    from instant.models import InstantSettings

    InstantSettings.objects.create(organization=person.organization, enabled=False, from_salesforce=True)
    a_minute_ago = timezone.now() - timedelta(seconds=61)
    MailboxWake.objects.create(mailbox=person.mailbox, queued_at=a_minute_ago, pending=True)

    assert wakes_flush() == 1
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_drops_an_owed_session_once_the_organization_turned_instant_sync_off_both_ways(person: Person):
    from instant.models import InstantSettings

    InstantSettings.objects.create(organization=person.organization, enabled=False, from_salesforce=False)
    MailboxWake.objects.create(mailbox=person.mailbox, queued_at=None, pending=True)

    assert wakes_flush() == 0
    assert not MailboxWake.objects.get(mailbox=person.mailbox).pending  # the schedule syncs it
