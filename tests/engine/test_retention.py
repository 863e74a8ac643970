"""The daily clean-up removes what nobody needs any more and keeps what the dashboard and audits show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.utils import timezone
from django_q.models import Schedule, Success

from audit.models import AuditEntry
from syncengine.models import HeldDeletion, SyncIssue, SyncSession
from syncengine.services.retention import retention_cleanup
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _sessions(person: Person, count: int, days_ago: int) -> None:
    start = timezone.now() - timedelta(days=days_ago)
    for n in range(count):
        at = start - timedelta(minutes=30 * n)
        SyncSession.objects.create(
            mailbox=person.mailbox,
            trigger="schedule",
            outcome="succeeded",
            started_at=at,
            finished_at=at + timedelta(seconds=5),
        )


def test_it_removes_old_sessions_but_keeps_each_mailboxs_latest(settings, person: Person, make_person):
    settings.RETENTION_DAYS, settings.RETENTION_KEEP_SESSIONS = 90, 5
    quiet = make_person("quiet")
    _sessions(person, 30, days_ago=100)
    _sessions(quiet, 3, days_ago=200)  # a mailbox that stopped syncing keeps what it had

    removed = retention_cleanup()

    assert removed["sessions"] == 25
    assert SyncSession.objects.filter(mailbox=person.mailbox).count() == 5
    assert SyncSession.objects.filter(mailbox=quiet.mailbox).count() == 3


def test_it_keeps_recent_sessions_whatever_their_number(settings, person: Person):
    settings.RETENTION_DAYS, settings.RETENTION_KEEP_SESSIONS = 90, 5
    _sessions(person, 30, days_ago=1)

    assert retention_cleanup()["sessions"] == 0


def test_it_removes_old_resolved_issues_and_decisions_and_keeps_open_ones(settings, person: Person):
    settings.RETENTION_DAYS = 90
    old = timezone.now() - timedelta(days=120)
    SyncIssue.objects.create(
        mailbox=person.mailbox, stream="events", code="X", message="done", resolved=True, last_seen_at=old
    )
    kept = SyncIssue.objects.create(
        mailbox=person.mailbox, stream="events", code="X", message="open", last_seen_at=old
    )
    HeldDeletion.objects.create(
        mailbox=person.mailbox, stream="events", sync_key="a", side="crm", decision="confirm", decided_at=old
    )
    waiting = HeldDeletion.objects.create(
        mailbox=person.mailbox, stream="events", sync_key="b", side="crm", held_at=old
    )

    removed = retention_cleanup()

    assert (removed["issues"], removed["held_deletions"]) == (1, 1)
    assert list(SyncIssue.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(HeldDeletion.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_it_removes_old_task_results_and_keeps_the_audit_log_longer(settings, person: Person):
    settings.RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS = 90, 400
    old = timezone.now() - timedelta(days=120)
    Success.objects.create(id="t1", name="t1", func="f", started=old, stopped=old, success=True)
    entry = AuditEntry.objects.create(
        actor_name="sam", action="change", object_type="x", object_id="1", object_repr="x", at=old
    )
    AuditEntry.objects.create(
        actor_name="sam",
        action="change",
        object_type="x",
        object_id="2",
        object_repr="x",
        at=timezone.now() - timedelta(days=500),
    )

    removed = retention_cleanup()

    assert removed["task_results"] == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [entry.pk]


def test_it_removes_old_sign_in_records(settings, db: None):
    settings.RETENTION_DAYS = 90
    record = AccessLog.objects.create(username="alice", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.filter(pk=record.pk).update(attempt_time=timezone.now() - timedelta(days=120))
    recent = AccessLog.objects.create(username="alice", ip_address="10.0.0.1", user_agent="x")

    assert retention_cleanup()["sign_in_records"] == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]


def test_it_runs_every_day(db: None):
    schedule = Schedule.objects.get(func="syncengine.tasks.clean_up_old_records")
    assert schedule.schedule_type == Schedule.DAILY
