"""``manage.py bench`` (``make bench``): one mailbox against the sandboxes, measured.

Prints, per session: wall time, items/s, API calls on each side (reads and writes), login calls
and peak Python memory. API calls are the currency: the targets are ceil(N/200) Salesforce writes
for N changed events and, when nothing changed, no write and one read per side.
"""

from __future__ import annotations

import math
import random
import secrets
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.world import SandboxControl, event_payload, provision_org, provision_person
from sandbox.base import SandboxServer
from sandbox.run import start
from syncengine.models import Organization, SyncSession
from syncengine.services.sessions import session_run

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


class Command(BaseCommand):
    help = "Benchmark one mailbox's sessions against the local sandboxes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--events", type=int, default=1000)
        parser.add_argument("--changes", type=int, default=50)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        servers, endpoints = start(Path(tempfile.mkdtemp(prefix="bench-sandbox-")))
        try:
            self._bench(servers, endpoints, options["events"], options["changes"])
        finally:
            for server in servers:
                server.stop()

    def _bench(
        self, servers: list[SandboxServer], endpoints: dict[str, str], count: int, changes: int
    ) -> None:
        salesforce, graph = servers
        settings.GRAPH_AUTHORITY_HOST = endpoints["graph"]
        settings.GRAPH_API_URL = f"{endpoints['graph']}/v1.0"
        settings.SALESFORCE_LOGIN_URL = endpoints["salesforce"]
        settings.OUTBOUND_CA_BUNDLE = endpoints["ca_bundle"]
        settings.GRAPH_CLIENT_SECRET = settings.GRAPH_CLIENT_SECRET or secrets.token_urlsafe(24)
        settings.SALESFORCE_CLIENT_SECRET = settings.SALESFORCE_CLIENT_SECRET or secrets.token_urlsafe(24)
        control = SandboxControl(
            salesforce_url=endpoints["salesforce"],
            graph_url=endpoints["graph"],
            ca_bundle=endpoints["ca_bundle"],
        )
        Organization.objects.filter(slug="bench").delete()
        from django.contrib.auth.models import User

        User.objects.filter(username="bench-rep").delete()
        org = provision_org(control, name="Bench Org", slug="bench", domain="bench.example")
        person = provision_person(
            control, org, username="bench-rep", display_name="Bench Rep", password="x" * 20
        )
        rng = random.Random(42)
        ids = [
            graph.app.create_event(
                org.tenant_id, person.graph_user_id, event_payload(rng, day_offset=i % 60, index=i)
            )["id"]
            for i in range(count)
        ]
        mailbox_id = person.mailbox.pk
        self.stdout.write(
            f"Benchmark: 1 mailbox, {count} events in the window (Graph sandbox -> Salesforce sandbox)\n"
        )
        header = (
            f"{'session':<28}{'wall s':>8}{'items/s':>9}{'SF reads':>9}{'SF writes':>10}{'Graph calls':>12}"
            f"{'logins':>8}{'peak MiB':>10}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))

        def run(label: str, items: int) -> dict[str, int]:
            return self._measure(label, items, lambda: session_run(mailbox_id=mailbox_id), salesforce, graph)

        initial = run(f"initial sync ({count} new)", count)
        quiet = run("no-change session", 0)
        for event_id in rng.sample(ids, changes):
            graph.app.update_event(
                org.tenant_id, person.graph_user_id, event_id, {"location": {"displayName": "Moved"}}
            )
        edited = run(f"{changes} events edited", changes)
        quiet_again = run("no-change session", 0)

        self.stdout.write("")
        expected = math.ceil(count / 200)
        checks = [
            (
                f"initial sync: Salesforce writes = ceil({count}/200) = {expected}",
                initial["sf_writes"] == expected,
            ),
            (
                "no-change session: no Salesforce write",
                quiet["sf_writes"] == 0 and quiet_again["sf_writes"] == 0,
            ),
            ("no-change session: one delta read on the mailbox side", quiet["graph"] == 1),
            ("no-change session: one query on the Salesforce side", quiet["sf_reads"] == 1),
            (f"{changes} edits: Salesforce writes = ceil({changes}/200) = 1", edited["sf_writes"] == 1),
        ]
        for text, ok in checks:
            self.stdout.write(f"  [{'ok' if ok else 'MISSED'}] {text}")

    def _measure(
        self,
        label: str,
        items: int,
        session: Callable[[], SyncSession | None],
        sf: SandboxServer,
        graph: SandboxServer,
    ) -> dict[str, int]:
        sf.app.clear()
        graph.app.clear()
        tracemalloc.start()
        began = time.perf_counter()
        result = session()
        wall = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if result is None or result.outcome not in ("succeeded", "partial"):
            raise CommandError(f"{label}: the session did not succeed: {result and result.error}")
        sf_api = sf.app.requests(kind="api")
        figures = {
            "sf_reads": sum(1 for r in sf_api if r["method"] == "GET"),
            "sf_writes": sum(1 for r in sf_api if r["method"] in WRITE_METHODS),
            "graph": len(graph.app.requests(kind="api")),
            "logins": len(sf.app.requests(kind="token")) + len(graph.app.requests(kind="token")),
        }
        rate = f"{items / wall:,.0f}" if items else "-"
        self.stdout.write(
            f"{label:<28}{wall:>8.2f}{rate:>9}{figures['sf_reads']:>9}{figures['sf_writes']:>10}"
            f"{figures['graph']:>12}{figures['logins']:>8}{peak / 2**20:>10.1f}"
        )
        return figures
