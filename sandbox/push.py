"""Outbound calls a provider makes to its clients: webhook deliveries and change polling.

``Pusher`` posts from one background thread, so a slow or unreachable receiver never holds up the
API (one retry, then the failure is logged and kept for inspection). ``Watcher`` looks for changes
on a short tick: the stores stay untouched, and every way of changing an item (API, batch, persona
calls) is seen the same way.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def receiver_allowed(url: str) -> bool:
    """Providers call https receivers only; plain http is let through for loopback test servers."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """One POST; (status, body), status 0 when the receiver could not be reached in time."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context()) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, ValueError) as error:
        log.info("delivery to %s failed: %r", url, error)
        return 0, b""


@dataclass
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    attempts: int = 0
    at: float = field(default_factory=time.time)


class Pusher:
    """Deliveries in order, from a daemon thread; ``deliveries`` records each outcome."""

    def __init__(self, name: str, timeout: float = 3.0, retry_pause: float = 0.5) -> None:
        self.name = name
        self.timeout = timeout
        self.retry_pause = retry_pause
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        self._queue.put(Delivery(url, headers, body))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"{self.name}-push", daemon=True)
                self._thread.start()

    def delivered(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            for attempt in (1, 2):  # one retry, as the brief for a stand-in asks; no backoff ladder
                delivery.attempts = attempt
                delivery.status, _ = post(delivery.url, delivery.body, delivery.headers, self.timeout)
                if 200 <= delivery.status < 300:
                    break
                if attempt == 1:
                    time.sleep(self.retry_pause)
            if not 200 <= delivery.status < 300:
                log.warning("%s: delivery to %s failed (status %s)", self.name, delivery.url, delivery.status)
            with self._lock:
                self.deliveries.append(delivery)


class Watcher:
    """Calls ``scan`` every ``interval`` seconds from a daemon thread, started on first use."""

    def __init__(self, name: str, scan: Callable[[], Any], interval: float = 0.1) -> None:
        self.name = name
        self.scan = scan
        self.interval = interval
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"{self.name}-watch", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.scan()
            except Exception:  # a stand-in bug must not stop every later notification
                log.exception("%s: change scan failed", self.name)
