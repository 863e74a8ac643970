"""``manage.py listen``: run the long-lived listeners (Salesforce change events, Exchange streams,
Gmail's Pub/Sub subscription) this process can take the leases of, until stopped.

Run it beside the workers (``qcluster``), on as many machines as you like: each listener runs in one
process at a time, and a dead process's listeners are taken over within half a minute.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from instant.listeners.kinds import KINDS
from instant.listeners.supervisor import Supervisor


class Command(BaseCommand):
    help = "Run the instant sync listeners (Salesforce change events, Exchange streams, Gmail Pub/Sub)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=None, help="seconds between two passes")
        parser.add_argument(
            "--exit-after", type=float, default=0.0, help="stop after N seconds (0: run until stopped)"
        )

    def handle(self, *args: Any, interval: float | None, exit_after: float, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if exit_after:
            timer = threading.Timer(exit_after, stop.set)
            timer.daemon = True  # a stop by signal must not wait for it
            timer.start()
        supervisor = Supervisor(kinds=KINDS)
        self.stdout.write(f"listening as {supervisor.holder}")
        self.stdout.flush()
        supervisor.run(stop, interval=interval)
        self.stdout.write("listeners stopped")
