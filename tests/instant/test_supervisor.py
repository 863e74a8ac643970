"""The listener supervisor and its leases, with listeners of the tests' own: one holder per
listener across processes, a lost lease stops the listener, a failure is retried later, a listener
no longer wanted is stopped and its lease given up."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import timedelta

import pytest
from django.utils import timezone

from instant.listeners.leases import lease_held_by, lease_take
from instant.listeners.running import Running
from instant.listeners.supervisor import ListenerSpec, Supervisor
from instant.models import ListenerLease, ListenerState

pytestmark = pytest.mark.django_db(transaction=True)


class Kind:
    """Listeners that run until stopped (or fail at once when told to), counting their starts."""

    def __init__(self, *names: str, fail: bool = False) -> None:
        self.names = list(names)
        self.fail = fail
        self.started: list[str] = []
        self.stopped = threading.Event()

    def __call__(self) -> Iterable[ListenerSpec]:
        return [ListenerSpec(name, "test", None, self.run) for name in self.names]

    def run(self, running: Running) -> None:
        self.started.append(running.name)
        if self.fail:
            raise RuntimeError("the provider is down")
        running.listening()
        running.stop.wait(30)
        self.stopped.set()


def _settle(supervisor: Supervisor) -> None:
    for slot in supervisor.slots.values():
        slot.thread.join(timeout=0.2)


def test_it_runs_each_listener_in_one_process_only() -> None:
    kind = Kind("a")
    first, second = Supervisor(kinds=[kind], holder="one"), Supervisor(kinds=[kind], holder="two")
    try:
        first.tick()
        second.tick()
        assert list(first.slots) == ["a"] and second.slots == {}
        assert lease_held_by("a") == "one"
    finally:
        first.shutdown()
        second.shutdown()


def test_it_takes_over_a_listener_whose_holder_stopped_renewing() -> None:
    kind = Kind("a")
    dead, alive = Supervisor(kinds=[kind], holder="dead"), Supervisor(kinds=[kind], holder="alive")
    try:
        dead.tick()
        later = timezone.now() + timedelta(seconds=dead.lease_seconds + 1)
        alive.tick(now=later)
        assert list(alive.slots) == ["a"]
        lease = ListenerLease.objects.get(name="a")
        assert lease.holder == "alive" and lease.takeovers == 1
        # The old holder, back from a long pause, finds its lease gone and stops its listener.
        dead.tick(now=later)
        _settle(dead)
        dead.tick(now=later)
        assert dead.slots == {}
        assert ListenerLease.objects.get(name="a").holder == "alive"  # not given up by the old holder
    finally:
        dead.shutdown()
        alive.shutdown()
    assert kind.started == ["a", "a"]


def test_it_retries_a_failed_listener_after_a_pause_and_says_why() -> None:
    kind = Kind("a", fail=True)
    supervisor = Supervisor(kinds=[kind], holder="one")
    try:
        supervisor.tick()
        _settle(supervisor)
        supervisor.tick()  # it ended: recorded, lease given up, retried later
        lease = ListenerLease.objects.get(name="a")
        assert lease.state == ListenerState.FAILED and "the provider is down" in lease.message
        assert lease.holder == ""
        supervisor.tick()
        assert kind.started == ["a"]  # not at once
        supervisor.tick(now=timezone.now() + timedelta(seconds=6))
        assert kind.started == ["a", "a"]
    finally:
        supervisor.shutdown()


def test_it_stops_a_listener_no_longer_wanted_and_gives_its_lease_up() -> None:
    kind = Kind("a")
    supervisor = Supervisor(kinds=[kind], holder="one")
    try:
        supervisor.tick()
        kind.names = []
        supervisor.tick()
        assert kind.stopped.wait(5)
        _settle(supervisor)
        supervisor.tick()
        assert supervisor.slots == {} and lease_held_by("a") == ""
    finally:
        supervisor.shutdown()


def test_it_keeps_renewing_when_a_kind_cannot_say_what_it_wants() -> None:
    kind = Kind("a")
    broken = {"now": False}

    def flaky() -> Iterable[ListenerSpec]:
        if broken["now"]:
            raise RuntimeError("database hiccup")
        return kind()

    supervisor = Supervisor(kinds=[flaky, Kind("b")], holder="one")
    try:
        supervisor.tick()
        broken["now"] = True
        later = timezone.now() + timedelta(seconds=supervisor.lease_seconds - 1)
        supervisor.tick(now=later)  # "a" is kept and renewed though its kind failed
        assert set(supervisor.slots) == {"a", "b"}
        assert ListenerLease.objects.get(name="a").expires_at > later
    finally:
        supervisor.shutdown()


def test_it_refuses_a_lease_another_holder_keeps_renewing() -> None:
    assert lease_take(name="a", kind="test", organization_id=None, holder="one")
    assert not lease_take(name="a", kind="test", organization_id=None, holder="two")
    assert lease_take(name="a", kind="test", organization_id=None, holder="one")  # ours: renewed
