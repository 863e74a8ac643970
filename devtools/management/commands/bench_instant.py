"""``manage.py bench_instant`` (``make bench-instant``): how long a change takes to reach the other side.

The whole engine runs as in production, in processes of its own: the sandboxes (their push running:
Graph subscriptions and Google channels call our webhooks, Salesforce serves change events over the
Pub/Sub API, Exchange streams), the web server receiving the webhooks, the workers, and the
listeners. The schedule is set to an hour, so whatever arrives within seconds came by instant sync.

For each provider and direction, ``--changes`` changes (creates, renames and deletes of calendar
events, in turn) are made through the public protocol as the rep (Graph, Google Calendar, EWS,
Salesforce REST), one at a time, spread over ``--reps`` reps; each is made once its rep's mailbox is
at rest (no session running or owed, the last instant one older than the organization's shortest
time between two, 15 s here: a change sooner waits for that time by design); each is timed from the write
until the other side shows it (polled every 100 ms through the same public APIs, which the engine's
figures do not count). Prints p50 / p95 / max per row and the API calls the engine made per change
(from its sessions' own counts), against the target p95 <= 10 s. A change not seen within
``--give-up`` seconds counts as missed, at that time.
"""

from __future__ import annotations

import math
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from devtools.instant_sides import GmailSide, SalesforceSide, Side, mailbox_side
from devtools.management.commands.demo import Command as DemoCommand
from devtools.processes import Children
from devtools.world import (
    DemoOrg,
    DemoPerson,
    SandboxControl,
    add_sync_key_fields,
    provision_ews_person,
    provision_google_person,
    provision_org,
    provision_person,
)
from emails.models import AutoSave, AutoTrack, EmailSettings, MailboxEmailSettings
from instant.models import InstantSettings, MailboxWake, NotificationChannel
from instant.services.maintenance import instant_maintain
from syncengine.models import Mailbox, Organization, SyncSession, Trigger
from syncengine.services.queue import enqueue_session

TARGET_P95_SECONDS = 10.0
DIRECTIONS = ["mailbox -> Salesforce", "Salesforce -> mailbox"]
SLUG = "bench-instant"
MIN_SECONDS_BETWEEN = 15  # the smallest the org setting allows
PROVISION: dict[str, Callable[..., DemoPerson]] = {
    "graph": provision_person,
    "google": provision_google_person,
    "ews": provision_ews_person,
    "gmail": provision_google_person,  # Gmail's own row: emails saved into Salesforce
}


@dataclass
class Row:
    provider: str
    direction: str
    seconds: list[float] = field(default_factory=list)
    missed: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    sessions: int = 0

    def line(self) -> str:
        if not self.seconds:
            return f"{self.provider:<14} {self.direction:<22} no change measured"
        ordered = sorted(self.seconds)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        verdict = "[ok]" if p95 <= TARGET_P95_SECONDS and not self.missed else "[MISSED]"
        per_change = ", ".join(
            f"{side} {n / max(1, self.changes):.1f}" for side, n in sorted(self.calls.items())
        )
        return (
            f"{self.provider:<14} {self.direction:<22} n={len(ordered):<4}"
            f" p50 {statistics.median(ordered):5.1f} s"
            f"  p95 {p95:5.1f} s  max {ordered[-1]:5.1f} s  missed {self.missed:<3}"
            f" sessions/change {self.sessions / max(1, self.changes):.1f}, calls/change: {per_change}"
            f"  {verdict}"
        )


class Command(DemoCommand):
    help = "Instant sync latency: changes made on one side, timed until the other side shows them."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--changes", type=int, default=100, help="changes per provider and direction")
        parser.add_argument(
            "--reps", type=int, default=8, help="reps per provider the changes are spread over"
        )
        parser.add_argument("--providers", default="graph,google,ews,gmail")
        parser.add_argument(
            "--give-up", type=float, default=90.0, help="seconds before a change counts as missed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.children = Children(log_dir=settings.VAR_DIR / "bench-instant", cwd=settings.BASE_DIR)
        try:
            self._bench(options)
        finally:
            self.children.stop_all()

    def _bench(self, options: dict[str, Any]) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        endpoints, env = self._sandboxes_and_env(settings.VAR_DIR / "bench-sandbox", options)
        web = env["WEBHOOK_BASE_URL"]
        settings.INSTANT_SYNC_ENABLED = True  # this process opens the channels (instant_maintain)
        # Nothing may come by the schedule; a Gmail watch opens soon after the mailbox's first session.
        env.update(SYNC_INTERVAL_MINUTES="60", SYNC_JITTER_SECONDS="0", GMAIL_WATCH_CHECK_SECONDS="5")
        control = SandboxControl(
            salesforce_url=endpoints["salesforce"],
            graph_url=endpoints["graph"],
            ca_bundle=endpoints["ca_bundle"],
            google_url=endpoints["google"],
            ews_url=endpoints["ews"],
        )
        providers = [p for p in options["providers"].split(",") if p]
        org, people = self._world(control, providers, options["reps"])
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        self._spawn([*manage, "qcluster"], env, "workers")
        self._spawn([*manage, "listen", "--interval", "1"], env, "listeners")
        self._spawn(
            [*manage, "runserver", f"127.0.0.1:{options['port']}", "--noreload", "--skip-checks"], env, "web"
        )
        self._first_sessions(people)
        _wait(lambda: _answers(control, web), 30)  # Graph checks the webhook address as it subscribes
        opened = instant_maintain()
        self.stdout.write(
            f"first sessions done; notification channels: {NotificationChannel.objects.count()} ({opened})"
        )
        time.sleep(3)  # the listeners take their leases and subscribe
        rows = []
        for provider in providers:
            reps = [p for p in people if p.user.username.startswith(f"bench-{provider}-")]
            directions = ["mailbox -> Salesforce"] if provider == "gmail" else DIRECTIONS
            for direction in directions:
                row = self._row(
                    control, org, reps, provider, direction, options["changes"], options["give_up"]
                )
                self.stdout.write(row.line())
                rows.append(row)
        self.stdout.write("\nInstant sync latency (write -> visible on the other side), target p95 <= 10 s:")
        for row in rows:
            self.stdout.write(row.line())

    # -- the world ------------------------------------------------------------------------------------
    def _world(
        self, control: SandboxControl, providers: list[str], reps: int
    ) -> tuple[DemoOrg, list[DemoPerson]]:
        Organization.objects.filter(slug=SLUG).delete()
        User.objects.filter(username__startswith="bench-").delete()
        org = provision_org(control, name="Bench Instant", slug=SLUG, domain="bench-instant.example")
        InstantSettings.objects.update_or_create(
            organization=org.organization, defaults={"min_seconds_between": MIN_SECONDS_BETWEEN}
        )
        if "gmail" in providers:  # emails are saved: every email with an outsider, as it arrives
            add_sync_key_fields(control, org.sf_org_id, ("EmailMessage",))
            EmailSettings.objects.update_or_create(
                organization=org.organization, defaults={"enabled": True, "auto_track": AutoTrack.ALL}
            )
        people = []
        for provider in providers:
            for n in range(reps):
                people.append(
                    PROVISION[provider](
                        control,
                        org,
                        username=f"bench-{provider}-{n}",
                        display_name=f"Bench {provider.title()} {n}",
                        password=secrets.token_urlsafe(9),
                    )
                )
        for person in people:
            if person.user.username.startswith("bench-gmail-"):
                MailboxEmailSettings.objects.update_or_create(
                    mailbox=person.mailbox,
                    defaults={"auto_save": AutoSave.INBOUND, "activated_at": timezone.now()},
                )
        return org, people

    def _first_sessions(self, people: list[DemoPerson]) -> None:
        started = timezone.now()
        for person in people:
            enqueue_session(mailbox_id=person.mailbox.pk, trigger=Trigger.MANUAL)
        deadline = time.monotonic() + 60 + 10 * len(people)
        ids = [p.mailbox.pk for p in people]
        while Mailbox.objects.filter(pk__in=ids, last_synced_at__gte=started).count() < len(ids):
            if time.monotonic() > deadline:
                raise CommandError(
                    "the first sessions did not finish; see var/bench-instant/demo-workers.log"
                )
            gone = self.children.stopped()
            if gone is not None:
                raise CommandError(
                    f"the bench's {gone.name} stopped; see var/bench-instant/demo-{gone.name}.log"
                )
            time.sleep(0.5)

    # -- one row --------------------------------------------------------------------------------------
    def _row(
        self,
        control: SandboxControl,
        org: DemoOrg,
        reps: list[DemoPerson],
        provider: str,
        direction: str,
        changes: int,
        give_up: float,
    ) -> Row:
        to_salesforce = direction.startswith("mailbox")
        emails = provider == "gmail"
        sides: list[tuple[DemoPerson, Side, Side]] = []
        for person in reps:
            mailbox = GmailSide(control, person) if emails else mailbox_side(control, org, person)
            crm = SalesforceSide(control, org, person)
            sides.append((person, mailbox, crm) if to_salesforce else (person, crm, mailbox))
        row = Row(provider, direction)
        started = timezone.now()
        made: dict[int, tuple[str, str]] = {}  # rep -> (item id on the writing side, its subject)
        for i in range(changes):
            index = i % len(sides)
            person, writer, reader = sides[index]
            _idle(person.mailbox.pk, give_up)  # each change meets a mailbox at rest (see the docstring)
            kind = "create" if emails else ("create", "rename", "delete")[(i // len(sides)) % 3]
            subject = f"Bench {provider} {i} {secrets.token_hex(3)}"
            t0 = time.monotonic()
            if kind == "create" or index not in made:
                made[index] = (writer.create(subject), subject)
                expect, present = subject, True
            elif kind == "rename":
                item_id, _ = made[index]
                writer.rename(item_id, subject)
                made[index] = (item_id, subject)
                expect, present = subject, True
            else:
                item_id, old = made.pop(index)
                writer.delete(item_id)
                expect, present = old, False
            row.changes += 1
            if emails:  # a saved email is an EmailMessage in Salesforce
                crm = crm_of(reader)
                seen = _wait(lambda c=crm, s=expect: c.has(s, "EmailMessage"), give_up)
            else:
                seen = _wait(lambda r=reader, s=expect, p=present: r.has(s) is p, give_up)
            if seen is None:
                row.missed += 1
                row.seconds.append(give_up)
            else:
                row.seconds.append(seen - t0)
        for session in SyncSession.objects.filter(
            mailbox__in=[p.mailbox for p in reps], started_at__gte=started
        ).exclude(trigger=Trigger.MANUAL):
            row.sessions += 1
            for side, n in (session.api_calls or {}).items():
                if isinstance(n, int):
                    row.calls[side] = row.calls.get(side, 0) + n
        return row


def crm_of(side: Side) -> SalesforceSide:
    assert isinstance(side, SalesforceSide)
    return side


def _idle(mailbox_id: int, give_up: float) -> None:
    """Until the mailbox's last instant session is the organization's interval old, none is owed and
    none runs: a change made sooner would wait for that interval by design, which is not latency."""

    def idle() -> bool:
        wake = MailboxWake.objects.filter(mailbox_id=mailbox_id).first()
        running = Mailbox.objects.filter(pk=mailbox_id, lease_expires_at__gt=timezone.now()).exists()
        if running or (wake and wake.pending):
            return False
        return (
            wake is None
            or wake.queued_at is None
            or (timezone.now() - wake.queued_at).total_seconds() > MIN_SECONDS_BETWEEN + 0.5
        )

    _wait(idle, give_up)


def _wait(check: Callable[[], bool], give_up: float) -> float | None:
    deadline = time.monotonic() + give_up
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(0.1)
    return None


def _answers(control: SandboxControl, url: str) -> bool:
    try:
        return control.http.get(url, timeout=2).status_code < 500
    except OSError:
        return False
