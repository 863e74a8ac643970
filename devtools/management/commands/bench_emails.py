"""``manage.py bench_emails``: the email stream of one organization against the sandboxes, measured.

50 mailboxes of one org, 500 distinct outside participants (Contacts on 50 Accounts, each Account with an
open Opportunity owned by one of the reps), auto-save on for everyone ("both"). Three rounds of one real
session per mailbox (``session_run``; the org's calendar, tasks and contacts streams are switched off so
only emails are measured):

1. activation: empty mailboxes, cursors and the "Salesforce emails" folder are set up;
2. steady state: 5,000 new emails arrive (inbound, outbound, and some sent to a colleague too, so one
   email sits in two mailboxes), then each mailbox syncs once;
3. no change: each mailbox syncs once more (our own category tags come back in the delta);
4. trickle: a couple of new emails per mailbox, to show the fixed cost of a session with anything to save
   (about five Salesforce reads and three writes, whatever the number of emails: so the calls per email
   fall as the emails per session grow).

Prints per round: emails saved (and new Salesforce records), Salesforce reads and writes and their sum per
saved email, Graph reads and writes (a ``$batch`` counts once), login calls, wall time, and the journal
entries the email step wrote. The target: at
most 0.1 Salesforce calls per saved email in steady state (batched lookups and collections), against the
10+ per email that comparable engines document.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.world import DemoOrg, DemoPerson, SandboxControl, provision_org, provision_person, use_sandboxes
from emails.models import EmailSettings
from emails.services import mailbox_auto_save_set
from sandbox.base import SandboxServer
from sandbox.run import start
from syncengine.models import JournalEntry, Organization, SyncSettings
from syncengine.services.sessions import session_run

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
TARGET = 0.1
SLUG = "bench-emails"
SUBJECTS = ["Pricing", "Next steps", "Contract", "Renewal", "Onboarding", "Invoice", "Demo follow-up"]


@dataclass
class Round:
    label: str
    sessions: int = 0
    read: int = 0
    saved: int = 0
    created: int = 0
    failed: int = 0
    sf_reads: int = 0
    sf_writes: int = 0
    graph_reads: int = 0
    graph_writes: int = 0
    logins: int = 0
    journal: int = 0  # journal entries the email step wrote (emails/journal.py)
    wall: float = 0.0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def sf_per_saved(self) -> float | None:
        return (self.sf_reads + self.sf_writes) / self.saved if self.saved else None


class Command(BaseCommand):
    help = "Benchmark the email stream: many emails, many mailboxes of one org, against the sandboxes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailboxes", type=int, default=50)
        parser.add_argument("--emails", type=int, default=5000)
        parser.add_argument("--participants", type=int, default=500)
        parser.add_argument("--accounts", type=int, default=50)
        parser.add_argument(
            "--trickle",
            type=int,
            default=2,
            help="then this many new emails per mailbox (0: skip that round)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("mailboxes", "emails", "participants", "accounts"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        call_command("migrate", interactive=False, verbosity=0)
        servers, endpoints = start(Path(tempfile.mkdtemp(prefix="bench-emails-sandbox-")))
        try:
            self._bench(servers[0], servers[1], endpoints, options)
        finally:
            for server in servers:
                server.stop()

    # -- the run --------------------------------------------------------------------------------------------
    def _bench(
        self, sf: SandboxServer, graph: SandboxServer, endpoints: dict[str, str], options: dict[str, Any]
    ) -> None:
        self.sf, self.graph = sf, graph
        control = use_sandboxes(endpoints)
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 50 users, quickly
        began = time.perf_counter()
        org, people = self._world(control, options)
        addresses = self._crm(org, people, rng := random.Random(42), options)
        self.stdout.write(
            f"Email benchmark: {len(people)} mailboxes of one org, {len(addresses)} participants on "
            f"{options['accounts']} Accounts; set up in {time.perf_counter() - began:.1f}s\n"
        )
        rounds = [self._round("activation (empty mailboxes)", people)]
        seeded = self._seed(org, people, addresses, rng, options["emails"])
        self.stdout.write(f"Delivered {seeded} emails (mailbox copies) for {options['emails']} messages.\n")
        rounds.append(self._round(f"steady state: {options['emails']} new emails", people))
        rounds.append(self._round("no change", people))
        if options["trickle"]:
            self._seed(org, people, addresses, rng, options["trickle"] * len(people))
            rounds.append(self._round(f"trickle: {options['trickle']} new per mailbox", people))
        self._print(rounds)
        steady = rounds[1]
        ratio = steady.sf_per_saved
        ok = ratio is not None and ratio <= TARGET
        shown = f"{ratio:.3f}" if ratio is not None else "-"
        self.stdout.write(
            f"\n[{'ok' if ok else 'MISSED'}] steady state: {shown} Salesforce calls per saved email "
            f"(target <= {TARGET})"
        )
        quiet = rounds[2]
        self.stdout.write(
            f"[{'ok' if quiet.sf_reads + quiet.sf_writes == 0 else 'MISSED'}] no change: "
            f"{quiet.sf_reads + quiet.sf_writes} Salesforce calls (target 0)"
        )
        self.stdout.write(f"Total run {time.perf_counter() - began:.1f}s.")

    def _world(self, control: SandboxControl, options: dict[str, Any]) -> tuple[DemoOrg, list[DemoPerson]]:
        Organization.objects.filter(slug=SLUG).delete()
        User.objects.filter(username__startswith="email-rep-").delete()
        org = provision_org(control, name="Email Bench", slug=SLUG, domain=f"{SLUG}.example")
        for sobject in ("EmailMessage", "Task"):
            field = {"sobject": sobject, "name": settings.SALESFORCE_SYNC_KEY_FIELD, "type": "string"}
            control.sf(
                "POST",
                f"/orgs/{org.sf_org_id}/fields",
                {**field, "length": 80, "external_id": True, "unique": True},
            )
        SyncSettings.objects.update_or_create(
            organization=org.organization,
            defaults={"sync_events": False, "sync_tasks": False, "sync_contacts": False},
        )
        EmailSettings.objects.update_or_create(organization=org.organization, defaults={"enabled": True})
        people = [
            provision_person(
                control, org, username=f"email-rep-{i:02d}", display_name=f"Rep {i:02d}", password="x" * 20
            )
            for i in range(options["mailboxes"])
        ]
        for person in people:
            mailbox_auto_save_set(mailbox=person.mailbox, auto_save="both")
        return org, people

    def _crm(
        self, org: DemoOrg, people: list[DemoPerson], rng: random.Random, options: dict[str, Any]
    ) -> list[str]:
        """Accounts with one open Opportunity each (owned by a rep), and the participants as Contacts."""
        app, org_id = self.sf.app, org.sf_org_id
        close = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        accounts = []
        for a in range(options["accounts"]):
            owner = people[a % len(people)].sf_user_id
            account = app.create_record(
                org_id, "Account", {"Name": f"Customer {a}", "Website": f"https://cust{a}.example"}, owner
            )
            app.create_record(
                org_id,
                "Opportunity",
                {"Name": f"Deal {a}", "StageName": "Prospecting", "CloseDate": close, "AccountId": account},
                owner,
            )
            accounts.append(account)
        addresses = []
        for p in range(options["participants"]):
            a = p % len(accounts)
            address = f"person{p}@cust{a}.example"
            app.create_record(
                org_id, "Contact", {"LastName": f"Person {p}", "Email": address, "AccountId": accounts[a]}
            )
            addresses.append(address)
        return addresses

    def _seed(
        self, org: DemoOrg, people: list[DemoPerson], addresses: list[str], rng: random.Random, count: int
    ) -> int:
        """``count`` emails in-process: 70% inbound, 20% outbound, 10% sent to a customer and a colleague."""
        mail, tenant = self.graph.app.mail, org.tenant_id
        copies = 0
        for k in range(count):
            rep = people[k % len(people)]
            customer = rng.choice(addresses)
            subject = f"{rng.choice(SUBJECTS)} #{k}"
            kind = rng.random()
            if kind < 0.7:
                cc = [rng.choice(addresses)] if rng.random() < 0.3 else []
                email = {
                    "from": {"address": customer},
                    "to": [rep.mailbox.address],
                    "cc": cc,
                    "subject": subject,
                    "body": f"Hello, about {subject}.",
                }
                mail.deliver(tenant, rep.graph_user_id, email)
                copies += 1
            else:
                to = [customer]
                if kind >= 0.9:
                    to.append(people[(k + 1) % len(people)].mailbox.address)
                sent = mail.send(tenant, rep.graph_user_id, {"to": to, "subject": subject, "body": "Hi."})
                copies += 1 + len(sent["delivered"])
        return copies

    # -- measuring ------------------------------------------------------------------------------------------
    def _round(self, label: str, people: list[DemoPerson]) -> Round:
        sf, graph = self.sf.app, self.graph.app
        sf.clear()
        graph.clear()
        result = Round(label)
        began = time.perf_counter()
        for person in people:
            session = session_run(mailbox_id=person.mailbox.pk)
            if session is None or session.outcome != "succeeded":
                raise CommandError(
                    f"{label}: the session of {person.mailbox.address} did not succeed "
                    f"({session and session.outcome}): {session and session.error}"
                )
            counts = session.counts.get("emails") or {}
            result.sessions += 1
            result.read += counts.get("read", {}).get("emails", 0)
            result.saved += counts.get("to_crm", {}).get("saved", 0)
            result.created += counts.get("to_crm", {}).get("created", 0)
            result.failed += counts.get("to_crm", {}).get("failed", 0)
            result.skipped.update(counts.get("left alone", {}))
            result.journal += JournalEntry.objects.filter(session=session, stream="emails").count()
        result.wall = time.perf_counter() - began
        self._tally(result, sf.requests(), graph.requests())
        return result

    @staticmethod
    def _tally(result: Round, sf_log: list[dict[str, Any]], graph_log: list[dict[str, Any]]) -> None:
        for entry in sf_log:
            if entry["kind"] == "token":
                result.logins += 1
            elif entry["method"] == "GET":
                result.sf_reads += 1
            elif entry["method"] in WRITES:
                result.sf_writes += 1
        batch_writes = False
        for entry in graph_log:  # a $batch is logged after its items
            if entry["kind"] == "token":
                result.logins += 1
            elif entry["kind"] == "batch-item":
                batch_writes = batch_writes or entry["method"] in WRITES
            elif entry["path"].endswith("/$batch"):
                result.graph_writes += batch_writes
                result.graph_reads += not batch_writes
                batch_writes = False
            elif entry["method"] == "GET":
                result.graph_reads += 1
            else:
                result.graph_writes += 1

    def _print(self, rounds: list[Round]) -> None:
        columns = [
            ("sessions", 9), ("read", 7), ("saved", 7), ("created", 8), ("failed", 7), ("SF reads", 9),
            ("SF writes", 10), ("SF/saved", 9), ("G reads", 8), ("G writes", 9), ("logins", 7), ("wall s", 8),
            ("emails/s", 9), ("journal", 8),
        ]  # fmt: skip
        header = f"{'round':<34}" + "".join(f"{name:>{width}}" for name, width in columns)
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in rounds:
            ratio = f"{r.sf_per_saved:.3f}" if r.sf_per_saved is not None else "-"
            rate = f"{r.saved / r.wall:,.0f}" if r.saved and r.wall else "-"
            cells = [
                r.sessions, r.read, r.saved, r.created, r.failed, r.sf_reads, r.sf_writes, ratio,
                r.graph_reads, r.graph_writes, r.logins, f"{r.wall:.1f}", rate, r.journal,
            ]  # fmt: skip
            self.stdout.write(
                f"{r.label:<34}" + "".join(f"{c!s:>{w}}" for c, (_, w) in zip(cells, columns, strict=True))
            )
        for r in rounds:
            if r.skipped:
                reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(r.skipped.items()))
                self.stdout.write(f"  {r.label}: left alone: {reasons}")
