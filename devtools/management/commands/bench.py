"""``manage.py bench`` (``make bench``): one mailbox against the sandboxes, measured.

One mailbox syncs its three streams: calendar events, the "Salesforce Tasks" To Do list and the
"Salesforce Contacts" contact folder. Events start in Outlook; tasks and contacts start half in the
mailbox and half in Salesforce (open Tasks and Contacts owned by the user), so both directions run.
Four sessions are measured: the initial sync, a session with nothing to do, a session with edits on
both sides of every stream (N in the mailbox, N in Salesforce through its REST API), and another
session with nothing to do.

Prints, per session and per stream: wall time, items synced and items/s, Salesforce reads (query
pages and any other GET) and writes, Graph reads and writes (writes go in ``$batch`` calls), login
calls and peak Python memory (the in-process sandboxes included). Calls are told apart per stream
by the request logs of the sandboxes, cut where each stream of the session starts and ends.

API calls are the currency. The targets, checked at the end ([ok] / [MISSED]):
- Salesforce writes per object = ceil(changes made in the mailbox / 200) (sObject Collections);
- Salesforce reads per object = ceil(rows that changed since the cursor / 2,000), at least one;
- a session with nothing to do reads once per stream on each side and writes nothing.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from simple_salesforce import Salesforce

from devtools.world import (
    CONTACTS_FOLDER,
    TASKS_LIST,
    DemoOrg,
    DemoPerson,
    contact_payload,
    crm_contact,
    crm_task,
    event_payload,
    provision_org,
    provision_person,
    task_payload,
    use_sandboxes,
)
from sandbox.base import SandboxServer
from sandbox.run import start
from syncengine.models import ItemPair, Organization, SyncSession
from syncengine.services import sessions
from syncengine.services.sessions import session_run
from syncengine.stream.context import StreamContext

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
STREAMS = {"events": "Event", "tasks": "Task", "contacts": "Contact"}
SF_COLLECTION = 200  # records per sObject Collections call
SF_PAGE = 2000  # rows per SOQL page


@dataclass
class Calls:
    """What one stream (or a whole session) cost."""

    wall: float = 0.0
    items: int = 0
    sf_reads: int = 0
    sf_change_pages: int = 0  # of sf_reads: pages of the queryAll that reads changes
    sf_writes: int = 0
    graph_reads: int = 0
    graph_writes: int = 0
    mail_items_written: int = 0  # requests inside the Graph $batch writes
    logins: int = 0
    peak: int = 0


@dataclass
class Slice:
    stream: str
    began: float
    sf_from: int
    graph_from: int
    ended: float = 0.0
    sf_to: int = 0
    graph_to: int = 0
    peak: int = 0


@dataclass
class SessionResult:
    label: str
    load: dict[str, tuple[int, int]]  # stream -> (changes made in the mailbox, changes made in Salesforce)
    quiet: bool
    total: Calls = field(default_factory=Calls)
    streams: dict[str, Calls] = field(default_factory=dict)
    to_crm: dict[str, int] = field(default_factory=dict)  # what the engine wrote to Salesforce
    to_mail: dict[str, int] = field(default_factory=dict)


class Command(BaseCommand):
    help = "Benchmark one mailbox's sessions (events, tasks, contacts) against the local sandboxes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--events", type=int, default=1000)
        parser.add_argument("--tasks", type=int, default=500, help="half in To Do, half in Salesforce")
        parser.add_argument("--contacts", type=int, default=2000, help="half in Outlook, half in Salesforce")
        parser.add_argument("--changes", type=int, default=50, help="edits per side per stream")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        servers, endpoints = start(Path(tempfile.mkdtemp(prefix="bench-sandbox-")))
        try:
            self._bench(servers, endpoints, options)
        finally:
            for server in servers:
                server.stop()

    # -- the run ----------------------------------------------------------------------------------
    def _bench(
        self, servers: list[SandboxServer], endpoints: dict[str, str], options: dict[str, Any]
    ) -> None:
        salesforce, graph = servers[0], servers[1]
        self.sf, self.graph = salesforce, graph
        control = use_sandboxes(endpoints)
        Organization.objects.filter(slug="bench").delete()
        User.objects.filter(username="bench-rep").delete()
        org = provision_org(control, name="Bench Org", slug="bench", domain="bench.example")
        person = provision_person(
            control, org, username="bench-rep", display_name="Bench Rep", password="x" * 20
        )
        events, tasks, contacts, changes = (
            options["events"],
            options["tasks"],
            options["contacts"],
            options["changes"],
        )
        rng = random.Random(42)
        began = time.perf_counter()
        self._seed(org, person, rng, events=events, tasks=tasks, contacts=contacts)
        self.stdout.write(
            f"Benchmark: 1 mailbox; {events} events (Outlook), {tasks} tasks and {contacts} contacts "
            f"(half Outlook, half Salesforce); seeded in {time.perf_counter() - began:.1f}s\n"
        )
        self._header()
        mailbox_id = person.mailbox.pk
        results: list[SessionResult] = []

        def run(label: str, load: dict[str, tuple[int, int]]) -> None:
            result = SessionResult(label, load, quiet=not any(a or b for a, b in load.values()))
            self._measure(result, lambda: session_run(mailbox_id=mailbox_id))
            results.append(result)

        half_tasks, half_contacts = tasks // 2, contacts // 2
        run(
            "initial sync",
            {
                "events": (events, 0),
                "tasks": (tasks - half_tasks, half_tasks),
                "contacts": (contacts - half_contacts, half_contacts),
            },
        )
        run("no change", dict.fromkeys(STREAMS, (0, 0)))
        edited = self._edit(org, person, endpoints, rng, changes)
        run(f"{changes}+{changes} edits/stream", edited)
        run("no change", dict.fromkeys(STREAMS, (0, 0)))
        self.stdout.write(f"\nTotal run {time.perf_counter() - began:.1f}s. Targets:")
        self._check(results)

    def _seed(
        self, org: DemoOrg, person: DemoPerson, rng: random.Random, *, events: int, tasks: int, contacts: int
    ) -> None:
        """In-process, through the sandboxes' Python API: the user's mailbox and Salesforce data."""
        tenant, user = org.tenant_id, person.graph_user_id
        for i in range(events):
            self.graph.app.create_event(tenant, user, event_payload(rng, day_offset=i % 60, index=i))
        # The engine finds its list and folder by name, so making them first puts the items in scope.
        task_list = self.graph.app.create_task_list(tenant, user, TASKS_LIST)["id"]
        folder = self.graph.app.create_contact_folder(tenant, user, CONTACTS_FOLDER)["id"]
        crm_tasks, crm_contacts = tasks // 2, contacts // 2
        for i in range(tasks - crm_tasks):
            self.graph.app.create_task(tenant, user, task_payload(rng, i), task_list)
        for i in range(crm_tasks):
            self.sf.app.create_record(org.sf_org_id, "Task", crm_task(rng, i), person.sf_user_id)
        for i in range(contacts - crm_contacts):
            self.graph.app.create_contact(tenant, user, contact_payload(rng, i), folder)
        for i in range(crm_contacts):
            self.sf.app.create_record(org.sf_org_id, "Contact", crm_contact(rng, i), person.sf_user_id)

    def _edit(
        self, org: DemoOrg, person: DemoPerson, endpoints: dict[str, str], rng: random.Random, changes: int
    ) -> dict[str, tuple[int, int]]:
        """``changes`` edits in the mailbox and ``changes`` others in Salesforce, per stream."""
        tenant, user = org.tenant_id, person.graph_user_id
        outlook: dict[str, Callable[[str, int], Any]] = {
            "events": lambda i, n: self.graph.app.update_event(
                tenant, user, i, {"location": {"displayName": f"Moved in Outlook {n}"}}
            ),
            "tasks": lambda i, n: self.graph.app.update_task(
                tenant, user, i, {"title": f"Renamed in To Do {n}", "importance": "high"}
            ),
            "contacts": lambda i, n: self.graph.app.update_contact(
                tenant, user, i, {"jobTitle": f"Edited in Outlook {n}"}
            ),
        }
        in_salesforce = {
            "events": lambda n: {"Location": f"Moved in Salesforce {n}"},
            "tasks": lambda n: {"Subject": f"Renamed in Salesforce {n}", "Priority": "High"},
            "contacts": lambda n: {"Title": f"Edited in Salesforce {n}"},
        }
        client = self._salesforce_client(org, person, endpoints)
        load = {}
        for stream, sobject in STREAMS.items():
            pairs = list(
                ItemPair.objects.filter(mailbox=person.mailbox, stream=stream)
                .exclude(mail_id="")
                .exclude(crm_id="")
                .values_list("mail_id", "crm_id")
                .order_by("pk")
            )
            picked = rng.sample(pairs, min(len(pairs), 2 * changes))
            mail_side, crm_side = picked[:changes], picked[changes:]
            for n, (mail_id, _) in enumerate(mail_side):
                outlook[stream](mail_id, n)
            records = [
                {"attributes": {"type": sobject}, "Id": crm_id, **in_salesforce[stream](n)}
                for n, (_, crm_id) in enumerate(crm_side)
            ]
            for start_at in range(0, len(records), SF_COLLECTION):
                chunk = records[start_at : start_at + SF_COLLECTION]
                answer = client.restful(
                    "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": chunk}
                )
                if not all(r.get("success") for r in answer):
                    raise CommandError(f"Salesforce edit of {sobject} failed: {answer[:2]}")
            load[stream] = (len(mail_side), len(crm_side))
        return load

    def _salesforce_client(self, org: DemoOrg, person: DemoPerson, endpoints: dict[str, str]) -> Salesforce:
        """The user in Salesforce: the REST API with an access token of their own."""
        token = self.sf.app.issue_access_token(
            org.sf_org_id, person.sf_user_id, settings.SALESFORCE_CLIENT_ID
        )
        http = requests.Session()
        http.trust_env = False
        http.verify = endpoints["ca_bundle"]
        return Salesforce(
            instance_url=endpoints["salesforce"], session_id=token, session=http, version="62.0"
        )

    # -- measuring --------------------------------------------------------------------------------
    def _measure(self, result: SessionResult, session: Callable[[], SyncSession | None]) -> None:
        sf, graph = self.sf.app, self.graph.app
        sf.clear()
        graph.clear()
        slices: list[Slice] = []
        before: list[int] = []
        original = sessions.stream_run

        def timed(ctx: StreamContext) -> Any:
            cut = Slice(ctx.stream, time.perf_counter(), len(sf.requests()), len(graph.requests()))
            before.append(tracemalloc.get_traced_memory()[1])  # the session's peak so far
            tracemalloc.reset_peak()
            try:
                return original(ctx)
            finally:
                cut.peak = tracemalloc.get_traced_memory()[1]
                cut.ended, cut.sf_to, cut.graph_to = (
                    time.perf_counter(),
                    len(sf.requests()),
                    len(graph.requests()),
                )
                slices.append(cut)

        tracemalloc.start()
        began = time.perf_counter()
        with mock.patch.object(sessions, "stream_run", timed):
            outcome = session()
        wall = time.perf_counter() - began
        peak = max([tracemalloc.get_traced_memory()[1], *before, *(s.peak for s in slices)])
        tracemalloc.stop()
        if outcome is None or outcome.outcome not in ("succeeded", "partial"):
            raise CommandError(
                f"{result.label}: the session did not succeed ({outcome and outcome.outcome}): "
                f"{outcome and outcome.error}"
            )
        if outcome.outcome == "partial":
            self.stdout.write(f"  ({result.label}: partial, some items became issues; see the dashboard)")
        sf_log, graph_log = sf.requests(), graph.requests()
        result.total = _tally(sf_log, graph_log)
        result.total.wall, result.total.peak = wall, peak
        counts = outcome.counts or {}
        for cut in slices:
            calls = _tally(sf_log[cut.sf_from : cut.sf_to], graph_log[cut.graph_from : cut.graph_to])
            calls.wall, calls.peak = cut.ended - cut.began, cut.peak
            directions = counts.get(cut.stream, {})
            result.to_crm[cut.stream] = sum(directions.get("to_crm", {}).values())
            result.to_mail[cut.stream] = sum(directions.get("to_mail", {}).values())
            calls.items = result.to_crm[cut.stream] + result.to_mail[cut.stream]
            result.streams[cut.stream] = calls
        result.total.items = sum(c.items for c in result.streams.values())
        self._row(result.label, result.total)
        for stream, calls in result.streams.items():
            self._row(f"  {stream}", calls)

    # -- output -----------------------------------------------------------------------------------
    COLUMNS = (
        ("wall s", 8),
        ("items", 7),
        ("items/s", 9),
        ("SF reads", 10),
        ("SF writes", 11),
        ("G reads", 9),
        ("G writes", 10),
        ("logins", 8),
        ("peak MiB", 10),
    )

    def _header(self) -> None:
        header = f"{'session / stream':<26}" + "".join(f"{name:>{width}}" for name, width in self.COLUMNS)
        self.stdout.write(header)
        self.stdout.write("-" * len(header))

    def _row(self, label: str, calls: Calls) -> None:
        rate = f"{calls.items / calls.wall:,.0f}" if calls.items and calls.wall else "-"
        cells = [
            f"{calls.wall:.2f}",
            str(calls.items),
            rate,
            str(calls.sf_reads),
            str(calls.sf_writes),
            str(calls.graph_reads),
            str(calls.graph_writes),
            str(calls.logins) if not label.startswith(" ") else "",
            f"{calls.peak / 2**20:.1f}",
        ]
        self.stdout.write(
            f"{label:<26}" + "".join(f"{c:>{w}}" for c, (_, w) in zip(cells, self.COLUMNS, strict=True))
        )

    def _check(self, results: list[SessionResult]) -> None:
        missed = 0
        previous: SessionResult | None = None
        quiet_runs = 0
        for result in results:
            quiet_runs += result.quiet
            name = f"{result.label} #{quiet_runs}" if result.quiet else result.label
            for stream, sobject in STREAMS.items():
                calls = result.streams.get(stream)
                if calls is None:
                    checks = [(f"{name}, {stream}: the stream ran", False)]
                elif result.quiet:
                    checks = [self._quiet_check(name, stream, result, calls, previous)]
                else:
                    from_mail, from_crm = result.load[stream]
                    # The query also returns what the engine wrote to Salesforce last session.
                    rows = from_crm + (previous.to_crm.get(stream, 0) if previous else 0)
                    writes, reads = math.ceil(from_mail / SF_COLLECTION), max(1, math.ceil(rows / SF_PAGE))
                    checks = [
                        (
                            f"{name}, {sobject}: Salesforce writes = ceil({from_mail} mailbox changes/"
                            f"{SF_COLLECTION}) = {writes} (got {calls.sf_writes})",
                            calls.sf_writes == writes,
                        ),
                        (
                            f"{name}, {sobject}: Salesforce reads = ceil({rows} changed rows/{SF_PAGE}) = "
                            f"{reads} (got {calls.sf_reads}"
                            + (
                                f": {calls.sf_change_pages} queryAll page(s) of changes + "
                                f"{calls.sf_reads - calls.sf_change_pages} other reads"
                                if calls.sf_reads != reads
                                else ""
                            )
                            + ")",
                            calls.sf_reads == reads,
                        ),
                    ]
                for text, ok in checks:
                    missed += not ok
                    self.stdout.write(f"  [{'ok' if ok else 'MISSED'}] {text}")
            previous = result
        self.stdout.write(f"\n{missed} target(s) missed." if missed else "\nAll targets met.")

    @staticmethod
    def _quiet_check(
        name: str, stream: str, result: SessionResult, calls: Calls, previous: SessionResult | None
    ) -> tuple[str, bool]:
        """Nothing changed: one delta read, one query, no write; when not, say what the engine did."""
        ok = calls.graph_reads == calls.sf_reads == 1 and calls.graph_writes == calls.sf_writes == 0
        text = f"{name}, {stream}: 1 Graph read + 1 Salesforce read, no write"
        if ok:
            return text, ok
        notes = [
            f"got {calls.graph_reads} Graph + {calls.sf_reads} Salesforce reads, "
            f"{calls.graph_writes} Graph + {calls.sf_writes} Salesforce writes"
        ]
        echoed = previous.streams[stream].mail_items_written if previous and stream in previous.streams else 0
        if echoed and calls.graph_reads > 1:
            notes.append(f"the delta returns the {echoed} mailbox writes of the previous session")
        if result.to_crm.get(stream) or result.to_mail.get(stream):
            notes.append(
                f"the engine wrote {result.to_crm.get(stream, 0)} items to Salesforce and "
                f"{result.to_mail.get(stream, 0)} to the mailbox"
            )
        return f"{text} ({'; '.join(notes)})", ok


def _tally(sf_log: list[dict[str, Any]], graph_log: list[dict[str, Any]]) -> Calls:
    """Count one slice of the request logs: reads and writes per side, logins on either side.

    A Graph ``$batch`` is logged after its items ("batch-item"); it counts as a write when any of
    its items writes, as a read otherwise.
    """
    calls = Calls()
    for entry in sf_log:
        if entry["kind"] == "token":
            calls.logins += 1
        elif entry["method"] == "GET":
            calls.sf_reads += 1
            calls.sf_change_pages += "/queryAll" in entry["path"]
        elif entry["method"] in WRITE_METHODS:
            calls.sf_writes += 1
    batch_writes = False
    for entry in graph_log:
        if entry["kind"] == "token":
            calls.logins += 1
        elif entry["kind"] == "batch-item":
            if entry["method"] in WRITE_METHODS:
                batch_writes = True
                calls.mail_items_written += 1
        elif entry["path"].endswith("/$batch"):
            if batch_writes:
                calls.graph_writes += 1
            else:
                calls.graph_reads += 1
            batch_writes = False
        elif entry["method"] == "GET":
            calls.graph_reads += 1
        else:
            calls.graph_writes += 1
            calls.mail_items_written += 1
    return calls
