"""Scheduling with django-q2: what is due gets queued once, runs on a real worker, and spreads out."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from syncengine.models import Mailbox, Outcome, SyncSession
from syncengine.services.queue import sessions_enqueue_due
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.people import Person, event_body
from tests.support.sessions import start_manage


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_due_session_on_a_real_django_q2_worker(person: Person):
    person.outlook.create_event(**event_body("Queued through the broker", in_days(1), in_days(1, 11)))
    Mailbox.objects.filter(pk=person.mailbox.pk).update(next_due_at=timezone.now() - timedelta(minutes=1))

    assert sessions_enqueue_due() == 1  # on the configured broker: the ORM, or Redis when REDIS_URL is set
    cluster = start_manage("qcluster")
    try:
        deadline = time.monotonic() + 60
        while (
            not SyncSession.objects.filter(mailbox=person.mailbox).exclude(outcome=Outcome.RUNNING).exists()
        ):
            assert cluster.poll() is None, "the cluster stopped"
            assert time.monotonic() < deadline, "no worker ran the session"
            time.sleep(0.2)
    finally:
        cluster.terminate()
        cluster.wait(timeout=30)

    session = SyncSession.objects.get(mailbox=person.mailbox)
    assert session.outcome == Outcome.SUCCEEDED, session.error
    assert [e["Subject"] for e in synced_events(person)] == ["Queued through the broker"]


@pytest.mark.django_db
def test_it_queues_a_due_mailbox_once(person: Person, q_sync: None, monkeypatch: pytest.MonkeyPatch):
    queued: list[int] = []
    monkeypatch.setattr(
        "syncengine.services.queue.enqueue_session", lambda *, mailbox_id, trigger: queued.append(mailbox_id)
    )
    Mailbox.objects.filter(pk=person.mailbox.pk).update(next_due_at=timezone.now() - timedelta(minutes=1))

    assert sessions_enqueue_due() == 1
    assert sessions_enqueue_due() == 0  # the next tick, before the session ran
    assert queued == [person.mailbox.pk]


@pytest.mark.django_db
def test_it_skips_mailboxes_that_are_not_due_or_running(make_person, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("syncengine.services.queue.enqueue_session", lambda **kwargs: None)
    later, running = make_person("later"), make_person("running")
    now = timezone.now()
    Mailbox.objects.filter(pk=later.mailbox.pk).update(next_due_at=now + timedelta(minutes=5))
    Mailbox.objects.filter(pk=running.mailbox.pk).update(
        next_due_at=now - timedelta(minutes=1),
        lease_token="held",
        lease_expires_at=now + timedelta(minutes=5),
    )

    assert sessions_enqueue_due() == 0


@pytest.mark.django_db
def test_it_spreads_mailboxes_over_the_interval(make_person, settings):
    settings.SYNC_JITTER_SECONDS = 300
    people = [make_person(f"rep{i}") for i in range(4)]
    first_due = {p.mailbox.next_due_at for p in people}
    assert len(first_due) == 4  # new mailboxes do not start in step

    for person in people:
        session_run(mailbox_id=person.mailbox.pk)
    nexts = list(
        Mailbox.objects.filter(pk__in=[p.mailbox.pk for p in people]).values_list("next_due_at", flat=True)
    )
    interval = timedelta(minutes=settings.SYNC_INTERVAL_MINUTES)
    assert all(
        interval - timedelta(seconds=301) < due - timezone.now() < interval + timedelta(seconds=301)
        for due in nexts
    )
    assert len(set(nexts)) == 4


@pytest.mark.django_db
def test_it_installs_the_recurring_schedule_and_a_safe_retry():
    schedule = Schedule.objects.get(func="syncengine.tasks.enqueue_due_sessions")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
    assert settings.Q_CLUSTER["timeout"] < settings.SYNC_LEASE_SECONDS


@pytest.mark.django_db
def test_it_counts_a_mailbox_due_before_the_next_tick_as_due(person: Person, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("syncengine.services.queue.enqueue_session", lambda **kwargs: None)
    Mailbox.objects.filter(pk=person.mailbox.pk).update(next_due_at=timezone.now() + timedelta(seconds=10))

    assert sessions_enqueue_due() == 1
