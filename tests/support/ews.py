"""EWS sandbox helpers: a mailbox and an exchangelib account for it, and a stream read in the background."""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from exchangelib import Account

from connectors.ews.transport import open_account
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA

PASSWORD = "Stream-Passw0rd"
_numbers = itertools.count(1)


def new_mailbox(server: SandboxServer, prefix: str = "streamer") -> str:
    smtp = f"{prefix}{next(_numbers)}-{uuid.uuid4().hex[:6]}@streaming.example"  # no other test's address
    server.app.create_mailbox(smtp, prefix.title(), password=PASSWORD)  # type: ignore[attr-defined]
    return smtp


def ews_account(server: SandboxServer, ca: SandboxCA, smtp: str, password: str = PASSWORD) -> Account:
    """exchangelib's account for the mailbox, as the connector opens it (our CA, no retries of its own,
    one connection: a stream holds it, so a test that writes while it reads opens a second account)."""
    return open_account(
        service_endpoint=f"{server.url}/EWS/Exchange.asmx",
        smtp_address=smtp,
        credentials={"username": smtp, "password": password},
        build=(15, 1, 2507, 6),
        ca_bundle=str(ca.ca_path),
        timeout=10,
        time_zone="UTC",
        on_response=lambda response: None,
    )


def wait_until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """``check()``'s first truthy answer, asked every 20 ms until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {check}")


class Background:
    """What an iterable yields, read in a thread: ``take`` waits (with a deadline) for a match."""

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self.items: queue.Queue[Any] = queue.Queue()
        self.seen: list[Any] = []
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Iterable[Any]]) -> None:
        try:
            for item in make():
                self.items.put(item)
        except BaseException as error:  # the test reads it
            self.error = error
        finally:
            self.done.set()

    def take(self, match: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        for item in self.seen:
            if match(item):
                self.seen.remove(item)
                return item
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"nothing matching arrived in {timeout} s (error: {self.error!r})")
            try:
                item = self.items.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.done.is_set() and self.items.empty():
                    raise AssertionError(f"the stream ended first (error: {self.error!r})") from None
                continue
            if match(item):
                return item
            self.seen.append(item)

    def finish(self, timeout: float = 10.0) -> None:
        """Wait for the iterable to end (it must, within ``timeout``)."""
        assert self.done.wait(timeout), "the stream did not end"
