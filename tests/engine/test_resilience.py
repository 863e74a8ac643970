"""Sessions under stress: killed workers, competing workers, expired and revoked tokens, throttling,
and items that fail until someone fixes their cause."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from syncengine.core.records import PairState
from syncengine.models import ItemPair, Mailbox, MailboxStatus, Outcome, SyncCursor, SyncIssue, SyncSession
from syncengine.services.failures import failure_backoff
from syncengine.services.leases import Lease, LeaseLostError, lease_claim, lease_renew
from syncengine.services.sessions import session_run
from syncengine.services.state import state_commit
from syncengine.tasks import enqueue_due_sessions
from tests.support.calendar import in_days, synced_events
from tests.support.people import SYNC_KEY_FIELD, Person, event_body
from tests.support.sessions import start_manage


@pytest.mark.django_db(transaction=True)
def test_it_creates_no_duplicate_event_after_a_worker_is_killed_mid_session(person: Person, sandboxes):
    sf_server, graph_server = sandboxes
    for i in range(30):
        graph_server.app.create_event(
            person.tenant_id,
            person.graph_user_id,
            event_body(f"Call {i}", in_days(1 + i % 10), in_days(1 + i % 10, 11)),
        )
    # Salesforce does the write, then holds its answer: the worker dies before it hears back.
    sf_server.app.add_fault(
        path=rf"/composite/sobjects/Event/{SYNC_KEY_FIELD}$", method="PATCH", delay_after=60
    )
    worker = start_manage("sync_mailbox", str(person.mailbox.pk))
    try:
        deadline = time.monotonic() + 60
        while len(sf_server.app.records(person.sf_org_id, "Event")) < 30:
            assert worker.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline, "the worker never wrote to Salesforce"
            time.sleep(0.05)
    finally:
        worker.kill()
        worker.wait()
    sf_server.app.clear()
    # Nothing was committed: only the intents noted before the writes, with no record id yet.
    assert not ItemPair.objects.filter(mailbox=person.mailbox).exclude(crm_id="").exists()

    # Time passes: the dead worker's lease runs out and the next session runs.
    Mailbox.objects.filter(pk=person.mailbox.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    events = sf_server.app.records(person.sf_org_id, "Event")
    assert len(events) == 30
    assert len({e[SYNC_KEY_FIELD] for e in events}) == 30
    pairs = ItemPair.objects.filter(mailbox=person.mailbox)
    assert pairs.count() == 30
    assert {p.crm_id for p in pairs} == {e["Id"] for e in events}


@pytest.mark.django_db
def test_it_runs_one_session_per_mailbox_at_a_time(person: Person):
    token = lease_claim(mailbox_id=person.mailbox.pk)
    assert token is not None

    assert session_run(mailbox_id=person.mailbox.pk) is None
    assert lease_claim(mailbox_id=person.mailbox.pk) is None


@pytest.mark.django_db
def test_it_refreshes_expired_tokens_once_and_carries_on(person: Person, sandboxes):
    sf_server, graph_server = sandboxes
    session_run(mailbox_id=person.mailbox.pk)  # both sides now hold cached access tokens
    person.outlook.create_event(**event_body("After expiry", in_days(1), in_days(1, 11)))
    sf_server.app.expire_tokens(person.sf_org_id)
    graph_server.app.expire_tokens(person.tenant_id)
    sf_server.app.clear()
    graph_server.app.clear()

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.SUCCEEDED, session.error
    # (the persona's own Salesforce token expired too: read the org directly)
    assert [e["Subject"] for e in sf_server.app.records(person.sf_org_id, "Event")] == ["After expiry"]
    # (a rejected token names no org: count every API call the sandbox saw)
    assert [r["status"] for r in sf_server.app.requests(kind="api")].count(401) == 1
    assert len(sf_server.app.requests(kind="token")) == 1
    graph_api = graph_server.app.requests(kind="api")
    assert [r["status"] for r in graph_api].count(401) == 1
    assert session.api_calls["crm_login"] == 1


@pytest.mark.django_db
def test_it_waits_out_throttling_and_succeeds(person: Person, sandboxes):
    _, graph_server = sandboxes
    person.outlook.create_event(**event_body("Throttled", in_days(1), in_days(1, 11)))
    graph_server.app.clear()
    graph_server.app.add_fault(status=429, retry_after=1, path="/calendarView/delta", count=1)

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.SUCCEEDED
    statuses = [r["status"] for r in graph_server.app.requests(tenant=person.tenant_id, kind="api")]
    assert statuses[:2] == [429, 200]
    assert len(synced_events(person)) == 1


@pytest.mark.django_db
def test_it_suspends_the_mailbox_with_a_reason_when_consent_is_revoked(person: Person, sandboxes):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED
    person.mailbox.refresh_from_db()
    assert person.mailbox.suspended
    assert person.mailbox.status == MailboxStatus.SUSPENDED
    assert "reconnect the mailbox" in person.mailbox.suspended_reason
    Mailbox.objects.filter(pk=person.mailbox.pk).update(next_due_at=timezone.now() - timedelta(minutes=5))
    assert enqueue_due_sessions() == 0


@pytest.mark.django_db
def test_it_keeps_failed_items_and_retries_them_once_the_cause_is_fixed(person: Person, sandboxes):
    sf_server, _ = sandboxes
    # The org admin adds a required field the engine does not fill: every create now fails.
    sf_server.app.add_field(person.sf_org_id, "Event", "Region__c", "string", length=40, required=True)
    person.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))
    person.outlook.create_event(**event_body("Follow-up", in_days(2), in_days(2, 11)))

    failed = session_run(mailbox_id=person.mailbox.pk)

    assert failed is not None and failed.outcome == Outcome.PARTIAL
    assert failed.counts["events"]["to_crm"] == {"failed": 2}
    issues = SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False)
    assert {i.code for i in issues} == {"REQUIRED_FIELD_MISSING"}
    assert {i.item_label for i in issues} == {"Kickoff", "Follow-up"}
    assert synced_events(person) == []

    # The admin relaxes the field; nothing changes in the mailbox, yet the next session delivers.
    sf_server.app.add_field(person.sf_org_id, "Event", "Region__c", "string", length=40, required=False)
    retried = session_run(mailbox_id=person.mailbox.pk)

    assert retried is not None and retried.outcome == Outcome.SUCCEEDED
    assert retried.counts["events"]["to_crm"] == {"created": 2}
    assert sorted(e["Subject"] for e in synced_events(person)) == ["Follow-up", "Kickoff"]
    assert not SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False).exists()


@pytest.mark.django_db
def test_it_refuses_the_commit_of_a_session_that_lost_its_lease(person: Person):
    first = lease_claim(mailbox_id=person.mailbox.pk)
    assert first is not None
    # The first session runs past its lease; a second one claims the mailbox.
    Mailbox.objects.filter(pk=person.mailbox.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = lease_claim(mailbox_id=person.mailbox.pk)
    assert second is not None

    with pytest.raises(LeaseLostError):
        state_commit(
            mailbox=person.mailbox,
            lease=Lease(mailbox_id=person.mailbox.pk, token=first),
            stream="events",
            crm_object="Event",
            upserts=[PairState(sync_key="k1", mail_id="m1", crm_id="00U000000000001AAA")],
            removals=[],
            cursors={"mail": "delta-after-the-first-session"},
        )

    assert not ItemPair.objects.filter(mailbox=person.mailbox).exists()
    assert not SyncCursor.objects.filter(mailbox=person.mailbox).exists()
    assert Mailbox.objects.get(pk=person.mailbox.pk).lease_token == second


@pytest.mark.django_db
def test_it_renews_the_lease_of_a_session_that_still_holds_it(person: Person):
    token = lease_claim(mailbox_id=person.mailbox.pk)
    assert token is not None
    later = timezone.now() + timedelta(minutes=10)

    lease_renew(lease=Lease(mailbox_id=person.mailbox.pk, token=token), now=later)

    expires = Mailbox.objects.get(pk=person.mailbox.pk).lease_expires_at
    assert expires == later + timedelta(seconds=settings.SYNC_LEASE_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_it_commits_nothing_from_a_sync_mailbox_run_whose_lease_another_session_took(
    person: Person, sandboxes
):
    sf_server, _ = sandboxes
    for i in range(3):
        person.outlook.create_event(**event_body(f"Call {i}", in_days(1 + i), in_days(1 + i, 11)))
    # Salesforce does the write, then is slow to answer: meanwhile the run's lease runs out.
    sf_server.app.add_fault(
        path=rf"/composite/sobjects/Event/{SYNC_KEY_FIELD}$", method="PATCH", delay_after=3
    )
    worker = start_manage("sync_mailbox", str(person.mailbox.pk), output=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(sf_server.app.records(person.sf_org_id, "Event")) < 3:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the run never wrote to Salesforce"
            time.sleep(0.05)
        Mailbox.objects.filter(pk=person.mailbox.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        second = lease_claim(mailbox_id=person.mailbox.pk)
        assert second is not None
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # Only the intents noted before the write (no record id), no cursor: the second session redoes it.
    assert not ItemPair.objects.filter(mailbox=person.mailbox).exclude(crm_id="").exists()
    assert not SyncCursor.objects.filter(mailbox=person.mailbox, stream="events").exists()
    run = SyncSession.objects.get(mailbox=person.mailbox)
    assert run.outcome == Outcome.FAILED and "another session took over" in run.error
    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    assert mailbox.lease_token == second  # the first run's release left the second's lease alone


@pytest.mark.django_db
def test_it_keeps_probing_a_mailbox_whose_provider_is_down_and_never_suspends_it(
    person: Person, sandboxes, settings
):
    settings.RETRY_MAX_ATTEMPTS = 1  # each session fails at once: no waiting inside a call
    settings.SYNC_MAX_BACKOFF_MINUTES = 120
    reachable = settings.GRAPH_API_URL
    settings.GRAPH_API_URL = "https://127.0.0.1:9/v1.0"  # Microsoft 365 down for the weekend
    person.outlook.create_event(**event_body("Monday call", in_days(3), in_days(3, 11)))

    for _ in range(15):
        failed = session_run(mailbox_id=person.mailbox.pk)
        assert failed is not None and failed.outcome == Outcome.FAILED

    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    assert not mailbox.suspended
    assert mailbox.status == MailboxStatus.ERROR and mailbox.cause_code == "NETWORK"
    assert mailbox.consecutive_failures == 15
    wait = mailbox.next_due_at - failed.finished_at
    cap, jitter = timedelta(minutes=120), timedelta(seconds=settings.SYNC_JITTER_SECONDS)
    assert cap - jitter <= wait <= cap + jitter

    settings.GRAPH_API_URL = reachable  # back on Monday: the next probe syncs
    back = session_run(mailbox_id=person.mailbox.pk)

    assert back is not None and back.outcome == Outcome.SUCCEEDED, back.error
    mailbox.refresh_from_db()
    assert (mailbox.consecutive_failures, mailbox.cause_code, mailbox.status) == (0, "", MailboxStatus.OK)
    assert [e["Subject"] for e in synced_events(person)] == ["Monday call"]


def test_it_backs_off_doubling_up_to_a_cap_and_at_least_what_the_provider_asked():
    interval, cap = timedelta(minutes=30), timedelta(hours=2)
    waits = [failure_backoff(interval=interval, failures=n, cap=cap) for n in (1, 2, 3, 4, 50)]
    assert waits == [timedelta(minutes=30), timedelta(hours=1), cap, cap, cap]
    asked = failure_backoff(interval=interval, failures=1, cap=cap, retry_after=3600)
    assert asked == timedelta(hours=1)
    assert failure_backoff(interval=interval, failures=1, cap=cap, retry_after=86400) == cap


@pytest.mark.django_db
def test_it_stores_the_cause_of_a_suspension_as_a_code(person: Person, sandboxes):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)

    session_run(mailbox_id=person.mailbox.pk)

    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    assert mailbox.suspended and mailbox.cause_code == "MAIL_AUTH_REVOKED"
