"""Runs the listeners this process holds the leases of, one thread each, and keeps their leases.

Each pass (every ``LISTENER_PASS_SECONDS``): renew the leases held (a lease lost, because this process was
too slow and another took it over, stops its listener at once); stop listeners no longer wanted
(instant sync turned off, the org gone); take the free leases of wanted listeners and start them;
restart a listener that failed after a growing pause. A clean stop gives every lease up, so another
process takes over at once; a crash leaves them to run out (``LISTENER_LEASE_SECONDS``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from instant.listeners.leases import holder_name, lease_release, lease_renew, lease_take
from instant.listeners.running import Running
from instant.models import ListenerState

log = logging.getLogger(__name__)
RETRY_FIRST_SECONDS = 5
RETRY_MOST_SECONDS = 300


@dataclass(frozen=True)
class ListenerSpec:
    """A listener that should run: its lease name, and what runs it (until ``running.stop``)."""

    name: str
    kind: str
    organization_id: int | None
    run: Callable[[Running], None]


Wanted = Callable[[], Iterable[ListenerSpec]]


@dataclass
class _Slot:
    spec: ListenerSpec
    running: Running
    thread: threading.Thread
    errors: list[str]  # what ended it, when it failed (written by its thread)
    source: int  # which kind named it (its index in ``kinds``)
    failures: int = 0
    started: float = field(default_factory=time.monotonic)
    lost: bool = False  # its lease went to another process: nothing of it is ours to give up
    why: str = ""  # why it was asked to stop

    @property
    def error(self) -> str:
        return self.errors[-1] if self.errors else ""


@dataclass
class Supervisor:
    kinds: Sequence[Wanted]
    holder: str = field(default_factory=holder_name)
    lease_seconds: int = field(default_factory=lambda: int(settings.LISTENER_LEASE_SECONDS))
    slots: dict[str, _Slot] = field(default_factory=dict)
    retry_at: dict[str, tuple[datetime, int]] = field(default_factory=dict)  # name -> (when, failures)

    def tick(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        close_old_connections()
        # Renewals first: nothing below (a slow kind, a listener slow to stop) may let leases run out.
        for name, slot in self.slots.items():
            alive = slot.thread.is_alive() and not slot.running.stop.is_set()
            if alive and not lease_renew(name=name, holder=self.holder, now=now, seconds=self.lease_seconds):
                log.warning("listener %s: lease lost to another process; stopping it here", name)
                slot.lost, slot.why = True, "lease lost"
                slot.running.request_stop()
        wanted, unsure = self._wanted()
        for name, slot in list(self.slots.items()):
            if not slot.thread.is_alive():
                self._ended(slot, now)
            elif not slot.running.stop.is_set() and name not in wanted and slot.source not in unsure:
                log.info("listener %s: stopping (not wanted any more)", name)
                slot.why = "not wanted any more"
                slot.running.request_stop()  # not joined: its lease is given up once its thread ends
        for name, (spec, source) in wanted.items():
            if name in self.slots:  # running, or still stopping: never two runs of one listener
                continue
            due = self.retry_at.get(name)
            if due and due[0] > now:
                continue
            if lease_take(
                name=name,
                kind=spec.kind,
                organization_id=spec.organization_id,
                holder=self.holder,
                now=now,
                seconds=self.lease_seconds,
            ):
                self._start(spec, source, failures=due[1] if due else 0)

    def _wanted(self) -> tuple[dict[str, tuple[ListenerSpec, int]], set[int]]:
        """Each wanted listener with the kind that named it, and the kinds that could not say (their
        running listeners are kept as they are)."""
        wanted: dict[str, tuple[ListenerSpec, int]] = {}
        unsure: set[int] = set()
        for source, kind in enumerate(self.kinds):
            try:
                wanted.update({spec.name: (spec, source) for spec in kind()})
            except Exception:  # one kind's trouble must not stop the others, nor their renewals
                log.exception("listener kind %s could not say which listeners it wants", kind)
                unsure.add(source)
        return wanted, unsure

    def _start(self, spec: ListenerSpec, source: int, failures: int) -> None:
        running = Running(name=spec.name, holder=self.holder, organization_id=spec.organization_id)
        errors: list[str] = []
        thread = threading.Thread(
            target=self._body, args=(spec, running, errors), name=f"listener {spec.name}", daemon=True
        )
        self.slots[spec.name] = _Slot(spec, running, thread, errors, source, failures)
        log.info("listener %s: started by %s", spec.name, self.holder)
        thread.start()

    @staticmethod
    def _body(spec: ListenerSpec, running: Running, errors: list[str]) -> None:
        try:
            spec.run(running)
        except Exception as error:  # a listener's failure is its own: the others keep running
            log.exception("listener %s failed", spec.name)
            errors.append(f"{type(error).__name__}: {error}"[:500])
        finally:
            connections.close_all()

    def _ended(self, slot: _Slot, now: datetime) -> None:
        self.slots.pop(slot.spec.name, None)
        if slot.lost:
            return
        if slot.running.stop.is_set() and not slot.error:
            lease_release(name=slot.spec.name, holder=self.holder, message=slot.why)
            return
        # A listener that ran well for a while before failing starts its pauses afresh.
        ran_well = time.monotonic() - slot.started > RETRY_MOST_SECONDS
        failures = 1 if ran_well else slot.failures + 1
        pause = min(RETRY_MOST_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1))
        self.retry_at[slot.spec.name] = (now + timedelta(seconds=pause), failures)
        message = f"{slot.error or 'ended by itself'}; trying again in {pause} s"
        lease_release(name=slot.spec.name, holder=self.holder, state=ListenerState.FAILED, message=message)

    def run(self, stop: threading.Event, interval: float | None = None) -> None:
        """Pass after pass until ``stop``; then stop every listener and give their leases up."""
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # the database went away for a moment: the next pass tries again
                    log.exception("listener supervisor pass failed")
                stop.wait(settings.LISTENER_PASS_SECONDS if interval is None else interval)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for slot in list(self.slots.values()):
            slot.running.request_stop()
        for slot in list(self.slots.values()):
            slot.thread.join(timeout=10)
            if not slot.lost:
                lease_release(name=slot.spec.name, holder=self.holder)
        self.slots.clear()
        connections.close_all()
