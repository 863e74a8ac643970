"""The sessions owed to mailboxes whose change arrived while their last session ran, or within the
organization's shortest time between two instant sessions, queued as soon as that time is up.

The instant maintenance schedule (every minute) flushes them too; a ``listen`` process does it every
second, so such a change waits for the organization's interval, not for the next minute's tick.
One process does it at a time (a lease like any listener's).
"""

from __future__ import annotations

from functools import partial

from instant.listeners.running import Running
from instant.listeners.supervisor import ListenerSpec
from instant.services.wake import wakes_flush

KIND = "wake-flush"
EVERY_SECONDS = 1.0


def wanted() -> list[ListenerSpec]:
    return [ListenerSpec(KIND, KIND, None, partial(flush, EVERY_SECONDS))]


def flush(every: float, running: Running) -> None:
    running.listening()
    while not running.wait(every):
        queued = wakes_flush()
        if queued and not running.received(wakes=queued):
            return  # another process holds it now
