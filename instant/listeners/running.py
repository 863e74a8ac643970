"""What a running listener is given: its stop signal, and one way to say how it is and where it got
to. Everything it records is written only while its process still holds the lease, so a listener
taken over by another process can no longer move the stored position."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.utils import timezone

from instant.models import ListenerLease, ListenerState


@dataclass
class Running:
    name: str
    holder: str
    organization_id: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    _on_stop: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- stopping ---------------------------------------------------------------------------------
    def on_stop(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` when the listener is asked to stop (to cancel a blocking stream read);
        at once if it already was. Returns a function that forgets it again."""
        with self._lock:
            if not self.stop.is_set():
                self._on_stop.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._on_stop:
                self._on_stop.remove(callback)

    def request_stop(self) -> None:
        with self._lock:
            self.stop.set()
            callbacks, self._on_stop = self._on_stop, []
        for callback in callbacks:
            callback()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when asked to stop meanwhile."""
        return self.stop.wait(seconds)

    # -- recording ----------------------------------------------------------------------------------
    def _mine(self) -> QuerySet[ListenerLease]:
        return ListenerLease.objects.filter(name=self.name, holder=self.holder)

    def stored_position(self) -> str:
        return str(
            ListenerLease.objects.filter(name=self.name).values_list("position", flat=True).first() or ""
        )

    def state(self, state: str, message: str = "") -> None:
        self._mine().update(state=state, message=message[:500])

    def listening(self) -> None:
        self.state(ListenerState.LISTENING)

    def received(self, *, events: int = 0, wakes: int = 0, position: str | None = None) -> bool:
        """Count what arrived and move the resume point past it. False when the lease is no longer
        ours: what was received must then be left for the new holder, which resumes before it."""
        now = timezone.now()
        fields: dict[str, object] = {"events": F("events") + events, "wakes": F("wakes") + wakes}
        if events:
            fields["last_event_at"] = now
        if position is not None:
            fields.update(position=position, position_at=now)
        return bool(self._mine().update(**fields))

    def forget_position(self, why: str) -> bool:
        """The stored resume point cannot be used (older than the provider keeps): start afresh.
        False when the lease is no longer ours (nothing was forgotten)."""
        return bool(self._mine().update(position="", position_at=timezone.now(), message=why[:500]))
