"""The Exchange streaming notification listener against the EWS sandbox, through exchangelib over TLS
and the Supervisor that ``manage.py listen`` runs: a change in the mailbox wakes its session, a restart
resumes the subscriptions Exchange kept, a lost stream or lost subscriptions lose nothing."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_q.brokers import get_broker

from connectors.ews.streaming import unsubscribe
from emails.models import EmailSettings
from instant.listeners.ews_streams import Group, listener_name, reader_of
from instant.models import InstantSettings, ListenerLease, ListenerState, MailboxWake
from instant.services.wake import wakes_flush
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Mailbox, SyncSettings, Trigger
from tests.support.ews import ews_account
from tests.support.instant import queued_sessions, wait_for
from tests.support.listeners import listening, wait_for_events, wait_until_listening
from tests.support.people import Person
from tests.support.providers import EXCHANGE_PASSWORD, move_to_ews
from tests.support.sessions import start_manage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rep(settings: Any, person: Person, ews_server: SandboxServer) -> Person:
    """alice on Exchange, after her first session; streams that end every few seconds."""
    settings.SALESFORCE_PUBSUB_TARGET = ""  # the Salesforce listener is not what these tests are about
    settings.EWS_STREAM_TIMEOUT_MINUTES = 1
    ews_server.app.stream_timing(minute=3.0, keepalive=0.5)  # type: ignore[attr-defined]
    move_to_ews(settings, person, ews_server)
    Mailbox.objects.filter(pk=person.mailbox.pk).update(last_synced_at=timezone.now())
    return person


@pytest.fixture
def app(ews_server: SandboxServer) -> Any:
    return ews_server.app


def _name(person: Person) -> str:
    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    return listener_name(Group(reader_of(mailbox), mailbox.organization_id, (mailbox.pk,)))


def _woken(person: Person) -> list[str]:
    return queued_sessions(person.mailbox.pk)


def _stored_ids(name: str) -> list[str]:
    position = json.loads(ListenerLease.objects.get(name=name).position)
    return sorted(s["id"] for s in position["subscriptions"])


def _subscriptions_of(app: Any, person: Person) -> list[str]:
    """The ids of the subscriptions Exchange holds for the mailbox."""
    owner = person.mailbox.address.lower()
    with app.lock:
        return sorted(s.id for s in app.streaming.subscriptions.values() if s.owner == owner)


def _calls(app: Any, operation: str) -> list[dict[str, Any]]:
    return list(app.requests(operation=operation))


def _meeting(app: Any, person: Person, subject: str) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    return dict(
        app.create_item(
            person.mailbox.address,
            "calendar",
            {"Subject": subject, "Start": start.isoformat(), "End": (start + timedelta(hours=1)).isoformat()},
        )
    )


def test_it_wakes_the_mailbox_when_a_meeting_is_made_in_it(rep: Person, app: Any) -> None:
    name = _name(rep)
    assert name == f"ews-streams:mailbox:{rep.mailbox.pk}"
    with listening():
        wait_until_listening(name)
        assert _stored_ids(name) == _subscriptions_of(app, rep)  # events, tasks, contacts
        assert _woken(rep) == []  # a first listener starts where the first session left off
        _meeting(app, rep, "Made in Outlook")
        wait_for(lambda: _woken(rep))
        lease = wait_for_events(name, 1)
    assert _woken(rep) == [Trigger.NOTIFICATION]
    assert (lease.kind, lease.organization_id, lease.wakes) == ("ews-streams", rep.organization.pk, 1)
    assert json.loads(lease.position)["watermarks"]  # the notice's watermark, for the record


def test_it_reads_on_across_the_streams_exchange_closes_at_their_timeout(rep: Person, app: Any) -> None:
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        first = _stored_ids(name)
        wait_for(lambda: len(_calls(app, "GetStreamingEvents")) >= 2)  # closed after 3 s, read again
        _meeting(app, rep, "After the first stream closed")
        wait_for(lambda: _woken(rep))
        assert _stored_ids(name) == first


def test_it_resumes_the_stored_subscriptions_after_a_restart(rep: Person, app: Any) -> None:
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        kept = _stored_ids(name)
    stopped = ListenerLease.objects.get(name=name)
    assert stopped.holder == "" and stopped.state == ListenerState.STOPPED
    assert _subscriptions_of(app, rep) == kept  # a clean stop of the process leaves them to resume
    wait_for(lambda: app.streaming.open_streams(rep.mailbox.address) == 0)  # its connection is gone
    _meeting(app, rep, "While nobody listened")  # Exchange queues it on the subscription
    subscribes = len(_calls(app, "Subscribe"))
    assert subscribes == 3  # events, tasks, contacts: by the first listener
    with listening(holder="the-next-process"):
        lease = wait_for_events(name, 1)  # the queued notice, read on the resumed subscription
        assert _stored_ids(name) == kept
        assert _subscriptions_of(app, rep) == kept
    assert len(_calls(app, "Subscribe")) == subscribes  # none by the second
    assert _woken(rep) == [Trigger.NOTIFICATION]
    assert lease.takeovers == 0 and lease.holder == "the-next-process"


def test_it_recovers_a_dropped_stream_and_wakes_the_mailbox_once(rep: Person, app: Any) -> None:
    app.stream_timing(minute=60.0)  # no stream ends by itself during the test
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        kept = _stored_ids(name)
        wait_for(lambda: app.streaming.open_streams(rep.mailbox.address) == 1)
        app.drop_streams()
        wait_for(lambda: _woken(rep))  # events may have been lost with the connection
        wait_for(lambda: app.streaming.open_streams(rep.mailbox.address) == 1)  # read again
        wait_until_listening(name)
        _meeting(app, rep, "After the drop")
        lease = wait_for_events(name, 1)  # heard, and folded into the session already queued
    assert _woken(rep) == [Trigger.NOTIFICATION]
    assert lease.wakes == 1
    assert _stored_ids(name) == kept


def test_it_replaces_subscriptions_exchange_let_expire_and_wakes_the_mailbox_once(
    rep: Person, app: Any
) -> None:
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        old = _stored_ids(name)
    wait_for(lambda: app.streaming.open_streams(rep.mailbox.address) == 0)
    app.age_subscriptions(30)  # unread for 30 minutes: Exchange let them go
    with listening(holder="the-next-process"):
        wait_for(lambda: ListenerLease.objects.filter(name=name).exclude(position="").first())
        fresh = wait_for(lambda: (ids := _stored_ids(name)) != old and ids)
        wait_until_listening(name)
        wait_for(lambda: _woken(rep))
        assert set(fresh).isdisjoint(old) and _subscriptions_of(app, rep) == fresh
        _meeting(app, rep, "On the new subscription")
        wait_for_events(name, 1)
    assert _woken(rep) == [Trigger.NOTIFICATION]


def test_it_replaces_subscriptions_exchange_forgot_while_it_listened_and_wakes_the_mailbox_once(
    rep: Person, app: Any, ews_server: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        old = _stored_ids(name)
        # Exchange lets them go (a server restart, the mailbox moved to another database).
        unsubscribe(ews_account(ews_server, sandbox_ca, rep.mailbox.address, EXCHANGE_PASSWORD), old)
        fresh = wait_for(lambda: (ids := _stored_ids(name)) != old and ids)
        wait_for(lambda: _woken(rep))  # what happened since they went was never queued
        assert set(fresh).isdisjoint(old) and _subscriptions_of(app, rep) == fresh
        _meeting(app, rep, "On the new subscriptions")
        lease = wait_for_events(name, 1)
    assert _woken(rep) == [Trigger.NOTIFICATION] and lease.wakes == 1


def _kinds(name: str) -> list[str]:
    return [s["kind"] for s in json.loads(ListenerLease.objects.get(name=name).position)["subscriptions"]]


def test_it_watches_the_streams_the_organization_syncs_and_follows_their_change(
    rep: Person, app: Any
) -> None:
    SyncSettings.objects.update_or_create(organization=rep.organization, defaults={"sync_tasks": False})
    name = _name(rep)
    smtp = rep.mailbox.address
    with listening():
        wait_until_listening(name)
        assert _kinds(name) == ["events", "contacts"]
        made = {f["display_name"] for f in app.folders(smtp)}
        assert "Salesforce Contacts" in made and "Salesforce Tasks" not in made  # not made for nothing
        EmailSettings.objects.create(organization=rep.organization, enabled=True)  # saves emails now
        wait_for(lambda: _kinds(name) == ["events", "contacts", "emails"])  # when the stream ends
        assert len(_subscriptions_of(app, rep)) == 3  # the old ones were ended
        wait_until_listening(name)
        wait_for(lambda: _woken(rep))  # replaced subscriptions: read once
        get_broker().purge_queue()
        MailboxWake.objects.all().delete()
        app.create_item(smtp, "inbox", {"Subject": "Order", "From": "buyer@client.example"})
        wait_for(lambda: _woken(rep))
    assert _woken(rep) == [Trigger.NOTIFICATION]


@pytest.mark.parametrize(
    ("off", "change"),
    [("trigger_on_add", "created"), ("trigger_on_update", "updated"), ("trigger_on_delete", "deleted")],
)
def test_it_honours_the_organizations_trigger_settings(rep: Person, app: Any, off: str, change: str) -> None:
    InstantSettings.objects.create(organization=rep.organization, **{off: False})
    before = _meeting(app, rep, "Made before the listener") if change != "created" else None
    name = _name(rep)
    smtp = rep.mailbox.address
    with listening():
        wait_until_listening(name)
        if change == "created":
            _meeting(app, rep, "New: left to the schedule")
        elif change == "updated":
            app.update_item(smtp, before["id"], {"Subject": "Renamed: left to the schedule"})  # type: ignore[index]
        else:
            app.delete_item(smtp, before["id"])  # type: ignore[index]
        wait_for_events(name, 1)
        assert _woken(rep) == []
        if change == "created":
            app.delete_item(smtp, app.items(smtp, "calendar")[0]["id"])  # a deletion does wake it
        else:
            _meeting(app, rep, "New: wakes it")
        wait_for(lambda: _woken(rep))
    assert _woken(rep) == [Trigger.NOTIFICATION]


def test_it_stops_and_unsubscribes_when_the_mailbox_is_suspended(rep: Person, app: Any) -> None:
    name = _name(rep)
    with listening() as supervisor:
        wait_until_listening(name)
        assert _subscriptions_of(app, rep)
        Mailbox.objects.filter(pk=rep.mailbox.pk).update(suspended=True)
        wait_for(lambda: name not in supervisor.slots)
        wait_for(lambda: not _subscriptions_of(app, rep))  # nobody would resume them
        _meeting(app, rep, "For a suspended mailbox")
        assert _woken(rep) == []
    lease = ListenerLease.objects.get(name=name)
    assert lease.position == "" and lease.holder == ""


def test_it_runs_no_listener_for_a_suspended_mailbox_or_one_not_synced_yet(rep: Person, app: Any) -> None:
    Mailbox.objects.filter(pk=rep.mailbox.pk).update(suspended=True)
    with listening() as supervisor:
        supervisor.tick()
        assert not any(name.startswith("ews-streams") for name in supervisor.slots)
        Mailbox.objects.filter(pk=rep.mailbox.pk).update(suspended=False, last_synced_at=None)
        supervisor.tick()
        assert not any(name.startswith("ews-streams") for name in supervisor.slots)
        _meeting(app, rep, "Nobody listens")
    assert not ListenerLease.objects.filter(name=_name(rep)).exists()
    assert _subscriptions_of(app, rep) == [] and _woken(rep) == []


def test_it_runs_no_listener_for_an_organization_with_instant_sync_off(rep: Person, app: Any) -> None:
    InstantSettings.objects.create(organization=rep.organization, enabled=False)
    with listening() as supervisor:
        supervisor.tick()
        assert not any(name.startswith("ews-streams") for name in supervisor.slots)
    assert not ListenerLease.objects.filter(name=_name(rep)).exists()
    assert _subscriptions_of(app, rep) == []


def test_it_says_so_when_exchange_refuses_the_sign_in_and_listens_once_it_is_mended(
    rep: Person, app: Any, settings: Any
) -> None:
    settings.LISTENER_UNAVAILABLE_RETRY_SECONDS = 1
    app.set_password(rep.mailbox.address, "Changed-Passw0rd")
    name = _name(rep)
    with listening():
        lease = wait_for(
            lambda: ListenerLease.objects.filter(name=name, state=ListenerState.UNAVAILABLE).first()
        )
        assert "refused the mailbox's sign-in" in lease.message
        app.set_password(rep.mailbox.address, EXCHANGE_PASSWORD)  # the person types the password again
        wait_until_listening(name)
        _meeting(app, rep, "Once signed in again")
        wait_for(lambda: _woken(rep))
    assert _woken(rep) == [Trigger.NOTIFICATION]


def test_it_folds_notices_during_the_mailboxs_own_session_into_one_session_after_it(
    rep: Person, app: Any
) -> None:
    name = _name(rep)
    with listening():
        wait_until_listening(name)
        # The mailbox's session holds its lease and writes to the mailbox: Exchange notifies that too.
        Mailbox.objects.filter(pk=rep.mailbox.pk).update(
            lease_expires_at=timezone.now() + timedelta(minutes=5)
        )
        _meeting(app, rep, "Written by the engine's session")
        _meeting(app, rep, "And another")
        wait_for_events(name, 2)
        assert _woken(rep) == []  # deferred: the running session may not have read it
        assert MailboxWake.objects.get(mailbox_id=rep.mailbox.pk).pending
    Mailbox.objects.filter(pk=rep.mailbox.pk).update(lease_expires_at=None)  # the session ended
    assert wakes_flush() == 1
    assert _woken(rep) == [Trigger.NOTIFICATION]  # one session after it, for both notices


def test_it_is_taken_over_when_its_holder_dies_and_resumes_the_subscriptions(
    rep: Person, app: Any, settings: Any
) -> None:
    env = {
        "EWS_SERVICE_ENDPOINT": settings.EWS_SERVICE_ENDPOINT,
        "EWS_STREAM_TIMEOUT_MINUTES": "1",
        "SALESFORCE_PUBSUB_TARGET": "",
        "LISTENER_LEASE_SECONDS": "3",
        "LISTENER_PASS_SECONDS": "0.3",
    }
    name = _name(rep)
    first = start_manage("listen", env=env)
    second = None
    try:
        held = wait_until_listening(name, timeout=60)
        assert f":{first.pid}:" in held.holder
        kept, subscribes = _stored_ids(name), len(_calls(app, "Subscribe"))
        first.send_signal(signal.SIGKILL)  # dies holding the lease and the subscriptions
        first.wait(timeout=10)
        wait_for(lambda: app.streaming.open_streams(rep.mailbox.address) == 0)
        _meeting(app, rep, "While its holder was dead")
        second = start_manage("listen", env=env)
        taken = wait_for(
            lambda: ListenerLease.objects.filter(
                name=name, holder__contains=f":{second.pid}:", events__gte=1
            ).first(),
            timeout=60,
        )
        assert taken.takeovers == 1
        assert _stored_ids(name) == kept and len(_calls(app, "Subscribe")) == subscribes
        assert _woken(rep) == [Trigger.NOTIFICATION]
        second.send_signal(signal.SIGTERM)  # a clean stop gives the lease up and keeps the subscriptions
        second.wait(timeout=20)
        assert ListenerLease.objects.get(name=name).holder == ""
        assert _subscriptions_of(app, rep) == kept
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
