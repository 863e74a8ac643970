"""A change that arrived while the mailbox's session ran is synced once the organization's shortest
time between two instant sessions is up, by the listen process, not at the next minute's tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from instant.models import InstantSettings, MailboxWake
from syncengine.models import Trigger
from tests.support.instant import queued_sessions, wait_for
from tests.support.listeners import listening
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_queues_an_owed_session_within_seconds_of_the_interval(person: Person) -> None:
    InstantSettings.objects.create(organization=person.organization, min_seconds_between=15)
    queued_at = timezone.now() - timedelta(seconds=12)
    MailboxWake.objects.create(mailbox=person.mailbox, queued_at=queued_at, pending=True)
    with listening():
        wait_for(lambda: queued_sessions(person.mailbox.pk), timeout=10)
        # Not before the interval was up (the flusher passes every second), and soon after it.
        waited = (timezone.now() - queued_at).total_seconds()
        assert 15 <= waited < 20
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION]
    assert not MailboxWake.objects.get(mailbox=person.mailbox).pending
