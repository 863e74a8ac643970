"""The Salesforce change event listener against the sandbox's Pub/Sub API, through grpcio and the
Supervisor that ``manage.py listen`` runs: a person's change in Salesforce wakes the mailboxes it
concerns, the engine's own writes do not, and a restart or a missed window loses nothing."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django_q.brokers import get_broker

from instant.listeners.salesforce_cdc import listener_name
from instant.models import InstantSettings, ListenerLease, ListenerState, MailboxWake
from syncengine.models import ItemPair, Mailbox, Trigger
from tests.support.instant import event, queued_sessions, wait_for
from tests.support.listeners import listening, wait_for_events, wait_until_listening
from tests.support.people import Person
from tests.support.sessions import run, start_manage

pytestmark = pytest.mark.django_db(transaction=True)
OBJECTS = ["Event", "EventRelation", "Task", "Contact"]


@pytest.fixture
def cdc(settings: Any, sf_server: Any, salesforce_pubsub_server: Any, person: Person) -> Person:
    """alice's org with Change Data Capture on, and the engine pointed at the Pub/Sub sandbox."""
    settings.SALESFORCE_PUBSUB_TARGET = salesforce_pubsub_server.target
    sf_server.app.enable_change_data_capture(person.sf_org_id, OBJECTS)
    return person


def _event(person: Person, subject: str, **extra: Any) -> str:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    made = person.salesforce.Event.create(
        {
            "Subject": subject,
            "StartDateTime": start.isoformat(),
            "EndDateTime": (start + timedelta(hours=1)).isoformat(),
            "OwnerId": person.sf_user_id,
            **extra,
        }
    )
    return str(made["id"])


def _event_id_of(person: Person, subject: str) -> str:
    found = person.salesforce.query(f"SELECT Id FROM Event WHERE Subject = '{subject}'")["records"]
    return str(found[0]["Id"])


def _woken(person: Person) -> list[str]:
    return queued_sessions(person.mailbox.pk)


def test_it_wakes_the_owner_when_an_event_is_created_in_salesforce(cdc: Person) -> None:
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        _event(cdc, "Made in Salesforce")
        wait_for(lambda: _woken(cdc))
    assert _woken(cdc) == [Trigger.NOTIFICATION]
    lease = ListenerLease.objects.get(name=name)
    assert lease.events >= 1 and lease.wakes == 1 and lease.position


def test_it_wakes_the_mailbox_holding_an_event_moved_or_deleted_in_salesforce(cdc: Person) -> None:
    cdc.outlook.create_event(**event("Paired meeting"))  # the session makes its Event: a pair finds it
    run(cdc)
    pair = ItemPair.objects.get(mailbox=cdc.mailbox, stream="events")
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        cdc.salesforce.Event.update(pair.crm_id, {"Location": "Room 2"})  # its event names no owner
        wait_for(lambda: _woken(cdc))
        get_broker().purge_queue()
        MailboxWake.objects.all().delete()  # the next change is not folded into the first wake
        cdc.salesforce.Event.delete(pair.crm_id)
        wait_for(lambda: _woken(cdc))
    assert ListenerLease.objects.get(name=name).wakes == 2


def test_it_does_not_echo_the_engines_own_writes(cdc: Person) -> None:
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        cdc.outlook.create_event(**event("From Outlook"))
        run(cdc)  # the engine writes the Event, naming itself (client=mailsync)
        lease = wait_for_events(name, 1)
    assert lease.wakes == 0
    assert _woken(cdc) == []
    # Not even a session owed for later: the echo reached no mailbox at all.
    assert not MailboxWake.objects.filter(mailbox=cdc.mailbox).exists()


def test_it_resumes_after_a_restart_from_the_stored_replay_id(cdc: Person) -> None:
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        _event(cdc, "Before the restart")
        wait_for_events(name, 1)
    stored = ListenerLease.objects.get(name=name)
    assert stored.holder == "" and stored.state == ListenerState.STOPPED  # a clean stop gives it up
    get_broker().purge_queue()
    MailboxWake.objects.all().delete()  # the first wake's debounce is not what this test is about
    _event(cdc, "While nobody listened")  # made while no listener runs
    with listening(holder="the-next-process"):
        wait_for(lambda: _woken(cdc))
    assert _woken(cdc) == [Trigger.NOTIFICATION]
    assert ListenerLease.objects.get(name=name).events >= 2


def test_it_wakes_every_mailbox_when_the_stored_replay_id_is_too_old(
    cdc: Person, sf_server: Any, make_person: Any
) -> None:
    teammate = make_person("bob", organization=cdc.organization)
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        _event(cdc, "Long ago")
        wait_for_events(name, 1)
    sf_server.app.advance_clock(73 * 3600)  # beyond the 72 hours Salesforce keeps change events
    try:
        with listening():
            wait_for(lambda: _woken(cdc) and queued_sessions(teammate.mailbox.pk))
            wait_until_listening(name)
    finally:
        sf_server.app.advance_clock(-73 * 3600)
    assert queued_sessions(teammate.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_answers_a_gap_event_as_the_change_it_stands_for(cdc: Person, sf_server: Any) -> None:
    made = _event(cdc, "Changed in a way Salesforce could not describe")
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        sf_server.app.inject_change_gap(cdc.sf_org_id, "Event", "GAP_UPDATE", [made])
        wait_for(lambda: _woken(cdc))  # whose Event it is was read back from Salesforce
    assert _woken(cdc) == [Trigger.NOTIFICATION]


def test_it_wakes_the_whole_organization_on_an_overflow(
    cdc: Person, sf_server: Any, make_person: Any
) -> None:
    teammate = make_person("bob", organization=cdc.organization)
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        sf_server.app.inject_change_gap(cdc.sf_org_id, "Event", "GAP_OVERFLOW")
        wait_for(lambda: _woken(cdc) and queued_sessions(teammate.mailbox.pk))


def test_it_never_wakes_a_suspended_mailbox(cdc: Person) -> None:
    Mailbox.objects.filter(pk=cdc.mailbox.pk).update(suspended=True)
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        _event(cdc, "For a suspended mailbox")
        wait_for_events(name, 1)
    assert _woken(cdc) == []
    # The change did reach the mailbox, which stayed asleep.
    assert MailboxWake.objects.get(mailbox=cdc.mailbox).last_notified_at is not None


def test_it_leaves_salesforce_changes_to_the_schedule_when_change_data_capture_is_off(
    settings: Any, salesforce_pubsub_server: Any, person: Person
) -> None:
    settings.SALESFORCE_PUBSUB_TARGET = salesforce_pubsub_server.target
    name = listener_name(person.organization.pk)
    with listening():
        lease = wait_for(
            lambda: ListenerLease.objects.filter(name=name, state=ListenerState.UNAVAILABLE).first()
        )
    assert "Change Data Capture is not on" in lease.message


def test_it_runs_no_listener_for_an_organization_that_turned_it_off(cdc: Person) -> None:
    InstantSettings.objects.create(organization=cdc.organization, from_salesforce=False)
    with listening() as supervisor:
        supervisor.tick()
        assert listener_name(cdc.organization.pk) not in supervisor.slots
    assert not ListenerLease.objects.filter(name=listener_name(cdc.organization.pk)).exists()


def test_it_honours_the_organizations_trigger_settings(cdc: Person) -> None:
    InstantSettings.objects.create(organization=cdc.organization, trigger_on_add=False)
    name = listener_name(cdc.organization.pk)
    with listening():
        wait_until_listening(name)
        _event(cdc, "A new Event: left to the schedule")
        wait_for_events(name, 1)
        assert _woken(cdc) == []
        assert not MailboxWake.objects.filter(mailbox=cdc.mailbox).exists()
        # Changes of the kinds still on do wake it: the listener works, only creates are left out.
        made = ListenerLease.objects.get(name=name).events
        cdc.salesforce.Event.update(
            _event_id_of(cdc, "A new Event: left to the schedule"), {"Location": "Moved"}
        )
        wait_for_events(name, made + 1)
        wait_for(lambda: _woken(cdc))


def test_it_is_held_by_one_listen_process_at_a_time_and_taken_over_when_its_holder_dies(
    cdc: Person, salesforce_pubsub_server: Any
) -> None:
    env = {
        "SALESFORCE_PUBSUB_TARGET": salesforce_pubsub_server.target,
        "LISTENER_LEASE_SECONDS": "3",
        "LISTENER_PASS_SECONDS": "0.3",
    }
    name = listener_name(cdc.organization.pk)
    first = start_manage("listen", env=env)
    second = None
    try:
        held = wait_until_listening(name, timeout=60)
        assert f":{first.pid}:" in held.holder
        second = start_manage("listen", env=env)
        time.sleep(2)  # several of the second process's passes: it must not take a held lease
        assert f":{first.pid}:" in ListenerLease.objects.get(name=name).holder
        first.send_signal(signal.SIGKILL)  # dies holding it: nothing is given up
        first.wait(timeout=10)
        taken = wait_for(
            lambda: ListenerLease.objects.filter(
                name=name, holder__contains=f":{second.pid}:", state=ListenerState.LISTENING
            ).first(),
            timeout=30,
        )
        assert taken.takeovers == 1
        _event(cdc, "After the takeover")
        wait_for(lambda: _woken(cdc))
        second.send_signal(signal.SIGTERM)  # a clean stop gives the lease up at once
        second.wait(timeout=20)
        assert ListenerLease.objects.get(name=name).holder == ""
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
