"""Listeners run as ``manage.py listen`` runs them (a Supervisor on its own thread), for tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from instant.listeners.kinds import KINDS
from instant.listeners.supervisor import Supervisor
from instant.models import ListenerLease
from tests.support.instant import wait_for


@contextmanager
def listening(holder: str = "test-listener", interval: float = 0.2) -> Iterator[Supervisor]:
    supervisor = Supervisor(kinds=KINDS, holder=holder)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop, interval), daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        stop.set()
        thread.join(timeout=20)


def lease_of(name: str) -> ListenerLease | None:
    return ListenerLease.objects.filter(name=name).first()


def wait_until_listening(name: str, timeout: float = 20.0) -> ListenerLease:
    """The listener's row once its stream is open: listening, with a position the provider gave it
    (the Salesforce sandbox's first keepalive names one), so a change made now is one it gets."""
    return wait_for(
        lambda: ListenerLease.objects.filter(name=name, state="listening").exclude(position="").first(),
        timeout,
    )


def wait_for_events(name: str, at_least: int, timeout: float = 20.0) -> ListenerLease:
    """The listener's row once it has counted ``at_least`` change events."""
    return wait_for(lambda: ListenerLease.objects.filter(name=name, events__gte=at_least).first(), timeout)
