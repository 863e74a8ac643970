"""``manage.py demo``: the whole engine on this machine, live.

Starts the sandboxes (seeded: a demo org with users whose calendars hold events and whose
"Salesforce Tasks" lists hold a task, and a Salesforce org with Accounts, Contacts and open Tasks
owned by the users), a django-q2 cluster and the web server; prints where to sign in; then plays
"the user in Outlook" and "the user in Salesforce" in turn, so the sessions of all three streams
(events, tasks, contacts) keep having something to sync. Ctrl-C stops everything.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.access import App, DemoAccess, Rep, access_text
from devtools.emails_demo import seed_demo_emails
from devtools.processes import Children, terminal_foreground
from devtools.world import (
    CONTACTS_FOLDER,
    GRAPH_PASSWORD,
    JOBS,
    MEETINGS,
    SALESFORCE_PASSWORD,
    DemoOrg,
    DemoPerson,
    SandboxControl,
    crm_task,
    event_payload,
    provision_ews_person,
    provision_gmail_pubsub,
    provision_google_person,
    provision_org,
    provision_person,
    refreshed,
    seed_crm,
    seed_events,
    seed_provider_events,
    seed_tasks,
)
from syncengine.models import Membership, Organization, Role, Trigger
from syncengine.services.queue import enqueue_session

DEMO_SLUG = "demo"
SALESFORCE_API = "/services/data/v62.0"
DEMO_DOMAIN = "acme-demo.example"
ORG_ADMIN = "olga"  # the demo organization's org admin (no mailbox of her own)
PEOPLE = [("alice", "Alice Martin", 25, Role.USER), ("bob", "Bob Chen", 15, Role.USER)]
# One mailbox of each other provider, so a newcomer sees all three syncing.
OTHER_PROVIDERS = [
    ("carol", "Carol Diaz", 10, provision_google_person),
    ("dave", "Dave Okafor", 10, provision_ews_person),
]


SANDBOX_PORTS = ("salesforce", "graph", "google", "ews", "salesforce_pubsub")
# The children's settings this process uses as well.
PARENT_SETTINGS = (
    "GRAPH_AUTHORITY_HOST",
    "GRAPH_API_URL",
    "SALESFORCE_LOGIN_URL",
    "OUTBOUND_CA_BUNDLE",
    "GRAPH_CLIENT_SECRET",
    "SALESFORCE_CLIENT_SECRET",
    "GOOGLE_API_URL",
    "GOOGLE_TOKEN_URL",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "EWS_SERVICE_ENDPOINT",
    "SALESFORCE_PUBSUB_TARGET",
    "WEBHOOK_BASE_URL",
)


class Command(BaseCommand):
    help = "Run the demo: sandboxes with seeded data, workers and the web server, syncing live."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8000")))
        parser.add_argument(
            "--salesforce-port", type=int, default=int(os.environ.get("DEMO_SALESFORCE_PORT", "8443"))
        )
        parser.add_argument("--graph-port", type=int, default=int(os.environ.get("DEMO_GRAPH_PORT", "8444")))
        parser.add_argument(
            "--google-port", type=int, default=int(os.environ.get("DEMO_GOOGLE_PORT", "8445"))
        )
        parser.add_argument("--ews-port", type=int, default=int(os.environ.get("DEMO_EWS_PORT", "8446")))
        parser.add_argument(
            "--salesforce-pubsub-port",
            type=int,
            default=int(os.environ.get("DEMO_SALESFORCE_PUBSUB_PORT", "8447")),
        )
        parser.add_argument(
            "--activity-seconds", type=float, default=20.0, help="how often the demo users edit"
        )
        parser.add_argument(
            "--exit-after", type=float, default=0.0, help="stop after N seconds (0: run until Ctrl-C)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=1 (it prints passwords); use `make demo`.")
        self.children = Children(log_dir=settings.VAR_DIR, cwd=settings.BASE_DIR)
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does
        with terminal_foreground():
            try:
                self._run(options)
            except KeyboardInterrupt:
                self.stdout.write("\nStopping...")
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
                stopped = self.children.stop_all()
            if stopped:
                self.stdout.write(f"Stopped: {', '.join(stopped)}. Logs in var/demo-*.log.")

    def _run(self, options: dict[str, Any]) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        endpoints, env = self._sandboxes_and_env(settings.VAR_DIR / "sandbox", options)
        control = SandboxControl(
            salesforce_url=endpoints["salesforce"],
            graph_url=endpoints["graph"],
            ca_bundle=endpoints["ca_bundle"],
            google_url=endpoints["google"],
            ews_url=endpoints["ews"],
        )
        org, people, passwords = self._seed(control)

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        self._spawn([*manage, "qcluster"], env, "workers")
        self._spawn([*manage, "listen"], env, "listeners")
        self._spawn(
            [*manage, "runserver", f"127.0.0.1:{options['port']}", "--noreload", "--skip-checks"], env, "web"
        )
        for person in people:  # the first sessions start now, not at the next tick
            enqueue_session(mailbox_id=person.mailbox.pk, trigger=Trigger.MANUAL)

        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(self.style.SUCCESS("\nThe demo is running.\n"))
        self.stdout.write(f"  Dashboard:  {url}")
        for username, password in passwords.items():
            self.stdout.write(f"  Sign in as: {username} / {password}")
        self.stdout.write(
            f"  Console:    {url}console/  (org admin: {ORG_ADMIN} / {passwords[ORG_ADMIN]}; support: "
            f"support / {passwords['support']}): people and who is broken, sessions, issues, item trace"
        )
        self.stdout.write(
            f"  Admin:      {url}admin/  (admin / {passwords['admin']}; support staff read it too)"
        )
        self.stdout.write(f"  API:        {url}api/docs/  (make a token on {url}api/tokens/)")
        self.stdout.write(
            f"  Emails the engine sends (notifications, invitations): {settings.EMAIL_FILE_PATH}/"
        )
        self.stdout.write(
            f"  Sandboxes: Salesforce {endpoints['salesforce']}, Graph {endpoints['graph']}, "
            f"Google {endpoints['google']}, Exchange (EWS) {endpoints['ews']}"
        )
        where = self._write_access(endpoints, url, org, people, passwords)
        self.stdout.write(
            f"  By hand, as a rep in Outlook and Salesforce (sign-in pages, passwords, the certificate, "
            f"curl lines): {where}"
        )
        self.stdout.write(
            "  Sessions run every minute; the demo users edit events, tasks and contacts, in Outlook and in "
            "Salesforce, now and then.\n  alice's Inbox holds an email from Nina North tagged 'Salesforce' "
            "(saved and linked at her next session), one from a blocklisted sender (never saved), and one "
            "from Priya Raman, whom Salesforce does not know:\n  her next session makes Priya a Contact on a "
            "new Account from her signature (the org admin's 'New people' page lists it);\n  bob accepted "
            "her invitation to a kickoff call: his meeting is related to the same Contact.\n"
            "  Ctrl-C stops.\n"
        )
        self._live(control, org, people, options["activity_seconds"], options["exit_after"])

    # -- processes --------------------------------------------------------------------------------
    def _sandboxes_and_env(
        self, directory: Path, options: dict[str, Any]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Start the sandboxes; the environment the children get, whose settings this process takes too
        (it seeds the world through the same connectors)."""
        ports = {name: options[f"{name}_port"] for name in SANDBOX_PORTS}
        endpoints = self._start_sandboxes(directory, ports)
        env = self._child_env(endpoints, options["port"])
        for key in PARENT_SETTINGS:
            setattr(settings, key, env[key])
        return endpoints, env

    def _start_sandboxes(self, directory: Path, ports: dict[str, int]) -> dict[str, str]:
        directory.mkdir(parents=True, exist_ok=True)
        marker = directory / "endpoints.json"
        marker.unlink(missing_ok=True)
        command = [sys.executable, "-m", "sandbox.run", "--dir", str(directory)]
        for name, port in ports.items():
            command += [f"--{name.replace('_', '-')}-port", str(port)]
        process = self._spawn(command, os.environ.copy(), "sandboxes")
        deadline = time.monotonic() + 30
        while not marker.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                busy = "/".join(str(p) for p in ports.values())
                raise CommandError(f"the sandboxes did not start (ports {busy} busy?)")
            time.sleep(0.1)
        return json.loads(marker.read_text())

    def _child_env(self, endpoints: dict[str, str], web_port: int) -> dict[str, str]:
        env = os.environ.copy()
        google = endpoints["google"]
        env.update(
            {
                "DEBUG": "1",
                "GRAPH_AUTHORITY_HOST": endpoints["graph"],
                "GRAPH_API_URL": f"{endpoints['graph']}/v1.0",
                "GRAPH_CLIENT_SECRET": env.get("GRAPH_CLIENT_SECRET") or secrets.token_urlsafe(24),
                "SALESFORCE_LOGIN_URL": endpoints["salesforce"],
                "SALESFORCE_CLIENT_SECRET": env.get("SALESFORCE_CLIENT_SECRET") or secrets.token_urlsafe(24),
                "GOOGLE_API_URL": google,
                "GOOGLE_TOKEN_URL": f"{google}/token",
                "GOOGLE_AUTH_URL": f"{google}/o/oauth2/v2/auth",
                "GOOGLE_CLIENT_SECRET": env.get("GOOGLE_CLIENT_SECRET") or secrets.token_urlsafe(24),
                "EWS_SERVICE_ENDPOINT": f"{endpoints['ews']}/EWS/Exchange.asmx",
                "SALESFORCE_PUBSUB_TARGET": endpoints["salesforce_pubsub"],
                # Instant sync from mailboxes: the sandboxes call this demo's own web server.
                "INSTANT_SYNC_ENABLED": "1",
                "WEBHOOK_BASE_URL": f"http://127.0.0.1:{web_port}",
                "OUTBOUND_CA_BUNDLE": endpoints["ca_bundle"],
                # The connect pages: redirect URIs come back here; the demo tenant signs users in.
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
                "GRAPH_AUTHORITY_TENANT": DEMO_DOMAIN,
            }
        )
        # Gmail push: the operator's Pub/Sub in the Google sandbox, pulled by the Gmail listener.
        google_control = SandboxControl(
            salesforce_url="", graph_url="", ca_bundle=endpoints["ca_bundle"], google_url=google
        )
        env.update(provision_gmail_pubsub(google_control, settings.VAR_DIR / "gmail-pubsub-key.json"))
        env.setdefault("GMAIL_WATCH_CHECK_SECONDS", "30")  # a mailbox's watch soon after its first session
        # Notifications and invitations land as files to read (var/mail), not on an SMTP server.
        env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
        env.setdefault("GRAPH_CLIENT_ID", settings.GRAPH_CLIENT_ID)
        env.setdefault("SALESFORCE_CLIENT_ID", settings.SALESFORCE_CLIENT_ID)
        env.setdefault(
            "GOOGLE_CLIENT_ID", settings.GOOGLE_CLIENT_ID or "syncengine-demo.apps.googleusercontent.com"
        )
        return env

    def _spawn(self, command: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        return self.children.spawn(name, command, env)

    def _write_access(
        self,
        endpoints: dict[str, str],
        dashboard: str,
        org: DemoOrg,
        people: list[DemoPerson],
        passwords: dict[str, str],
    ) -> Path:
        """var/demo-access.txt: what acting as a rep by hand needs (README "Acting as the user by hand")."""
        reps = tuple(
            Rep(
                username=p.user.username,
                address=p.mailbox.address,
                provider=p.mailbox.provider,
                salesforce_username=p.connection.username,
                mail_password={"graph": GRAPH_PASSWORD, "ews": p.mailbox.credentials.get("password", "")}.get(
                    p.mailbox.provider, ""
                ),
            )
            for p in people
        )
        access = DemoAccess(
            dashboard=dashboard,
            logins=dict(passwords),
            ca_bundle=endpoints["ca_bundle"],
            leaf_spki_sha256=endpoints["leaf_spki_sha256"],
            salesforce_url=endpoints["salesforce"],
            graph_url=endpoints["graph"],
            google_url=endpoints["google"],
            ews_url=endpoints["ews"],
            tenant_id=org.tenant_id,
            salesforce_password=SALESFORCE_PASSWORD,
            graph=App(settings.GRAPH_CLIENT_ID, settings.GRAPH_CLIENT_SECRET),
            salesforce=App(settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET),
            google=App(settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET),
            reps=reps,
            example_day=(datetime.now(UTC) + timedelta(days=2)).date(),
        )
        path = settings.VAR_DIR / "demo-access.txt"
        path.unlink(missing_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(access_text(access))  # passwords: readable by this user only
        return path

    # -- data -------------------------------------------------------------------------------------
    def _seed(self, control: SandboxControl) -> tuple[DemoOrg, list[DemoPerson], dict[str, str]]:
        """A fresh demo org each run: the sandboxes keep no state between runs, so neither do we."""
        Organization.objects.filter(slug=DEMO_SLUG).delete()
        staff = ["admin", "support", ORG_ADMIN]
        User.objects.filter(username__in=[p[0] for p in [*PEOPLE, *OTHER_PROVIDERS]] + staff).delete()
        org = provision_org(control, name="Acme Demo", slug=DEMO_SLUG, domain=DEMO_DOMAIN)
        passwords: dict[str, str] = {}
        people = []
        for index, (username, display, events, role) in enumerate(PEOPLE):
            passwords[username] = f"{username}-demo-{secrets.token_hex(3)}"
            person = provision_person(
                control, org, username=username, display_name=display, password=passwords[username], role=role
            )
            seed_events(control, org, person, count=events, seed=index + 1)
            seed_tasks(control, org, person, in_salesforce=2, in_todo=1, seed=index + 1)
            people.append(person)
        for index, (username, display, events, provision) in enumerate(OTHER_PROVIDERS, start=len(PEOPLE)):
            passwords[username] = f"{username}-demo-{secrets.token_hex(3)}"
            person = provision(
                control, org, username=username, display_name=display, password=passwords[username]
            )
            seed_provider_events(control, person, count=events, seed=index + 1)
            people.append(person)
        seed_crm(control, org, owner_ids=[p.sf_user_id for p in people])
        # Emails: one tagged "Salesforce" from a customer (saved, linked to Contact, Account and
        # Opportunity at alice's next session), one from a blocklisted sender (never saved), one from a
        # stranger (made a Contact on a new Account, from her signature, and saved linked to her).
        seed_demo_emails(control, org, people[0], colleague=people[1])
        passwords["admin"] = f"admin-demo-{secrets.token_hex(3)}"
        User.objects.create_superuser("admin", "admin@acme-demo.example", passwords["admin"])
        # Support staff: the Django admin, read-mostly, scoped to the organizations they support.
        passwords["support"] = f"support-demo-{secrets.token_hex(3)}"
        support = User.objects.create_user(
            "support", "support@operator-demo.example", passwords["support"], is_staff=True
        )
        support.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        Membership.objects.create(user=support, organization=org.organization, role=Role.SUPPORT)
        # The org admin: runs the organization from the console (people, sessions, notifications).
        passwords[ORG_ADMIN] = f"{ORG_ADMIN}-demo-{secrets.token_hex(3)}"
        olga = User.objects.create_user(
            ORG_ADMIN,
            f"{ORG_ADMIN}@{DEMO_DOMAIN}",
            passwords[ORG_ADMIN],
            first_name="Olga",
            last_name="Admin",
        )
        Membership.objects.create(user=olga, organization=org.organization, role=Role.ORG_ADMIN)
        return org, people, passwords

    def _live(
        self, control: SandboxControl, org: DemoOrg, people: list[DemoPerson], every: float, exit_after: float
    ) -> None:
        rng = random.Random()
        # In turn, so a few minutes show every kind of change: Outlook and Salesforce, each stream.
        acts = itertools.cycle(
            [
                self._move_event,
                self._rename_event_in_salesforce,
                self._edit_contact,
                self._complete_task_in_salesforce,
                self._create_event,
            ]
        )
        started = time.monotonic()
        next_activity = started + every
        while True:
            time.sleep(1)
            gone = self.children.stopped()
            if gone is not None:
                raise CommandError(f"the demo's {gone.name} stopped; see var/demo-{gone.name}.log")
            if exit_after and time.monotonic() - started > exit_after:
                return
            if time.monotonic() >= next_activity:
                next_activity = time.monotonic() + every
                act = next(acts)
                # Outlook acts need a Microsoft 365 rep; Salesforce acts work for everyone.
                outlook = act not in (self._rename_event_in_salesforce, self._complete_task_in_salesforce)
                person = rng.choice(
                    [p for p in people if p.mailbox.provider == "graph"] if outlook else people
                )
                stamp = datetime.now(UTC).strftime("%H:%M:%S")
                try:
                    done = act(control, org, person, rng)
                    self.stdout.write(f"  [{stamp}] {person.user.username} {done}")
                except (requests.RequestException, RuntimeError, KeyError, ValueError) as error:
                    self.stderr.write(f"  demo activity skipped: {error}")

    # -- the user in Outlook (Microsoft Graph, with the user's own token) ------------------------
    def _graph(self, control: SandboxControl, org: DemoOrg, person: DemoPerson) -> tuple[str, dict[str, str]]:
        token = self._outlook_token(control, org, person)
        headers = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'}
        return f"{control.graph_url}/v1.0/me", headers

    def _create_event(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson, rng: random.Random
    ) -> str:
        me, headers = self._graph(control, org, person)
        body = event_payload(rng, day_offset=rng.randint(1, 20), index=rng.randint(0, 8))
        control.http.post(f"{me}/events", json=body, headers=headers, timeout=30).raise_for_status()
        return f"created '{body['subject']}' in Outlook"

    def _move_event(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson, rng: random.Random
    ) -> str:
        me, headers = self._graph(control, org, person)
        events = _values(control, f"{me}/events?$top=50&$select=id,subject", headers)
        if not events:
            return "has no events to move"
        event = rng.choice(events)
        when = (datetime.now(UTC) + timedelta(days=rng.randint(1, 20))).replace(
            minute=0, second=0, microsecond=0
        )
        changes = {
            "location": {"displayName": rng.choice(["Teams", "Zoom", "Board room", "Client site"])},
            "start": {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {"dateTime": (when + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        }
        control.http.patch(
            f"{me}/events/{event['id']}", json=changes, headers=headers, timeout=30
        ).raise_for_status()
        return f"moved '{event['subject']}' in Outlook"

    def _edit_contact(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson, rng: random.Random
    ) -> str:
        """A new phone number and job title on a contact of the "Salesforce Contacts" folder."""
        me, headers = self._graph(control, org, person)
        folders = _values(control, f"{me}/contactFolders", headers)
        folder = next((f["id"] for f in folders if f.get("displayName") == CONTACTS_FOLDER), None)
        if folder is None:
            return f"has no '{CONTACTS_FOLDER}' folder yet (the first session makes it)"
        contacts = _values(control, f"{me}/contactFolders/{folder}/contacts?$top=50", headers)
        if not contacts:
            return f"has no contacts in '{CONTACTS_FOLDER}' yet"
        contact = rng.choice(contacts)
        changes = {"mobilePhone": f"+1 555 {rng.randint(1000, 9999)}", "jobTitle": rng.choice(JOBS)}
        control.http.patch(
            f"{me}/contacts/{contact['id']}", json=changes, headers=headers, timeout=30
        ).raise_for_status()
        name = f"{contact.get('givenName') or ''} {contact.get('surname') or ''}".strip()
        return f"gave {name} a new mobile number and title ({changes['jobTitle']}) in Outlook"

    # -- the user in Salesforce (REST API, with the user's own token) ----------------------------
    def _salesforce(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson
    ) -> tuple[str, dict[str, str]]:
        """A fresh access token: a refresh token from the sandbox, traded at the OAuth endpoint."""
        body = refreshed(
            control,
            f"{control.salesforce_url}/services/oauth2/token",
            control.sf_refresh_token(org.sf_org_id, person.sf_user_id),
            settings.SALESFORCE_CLIENT_ID,
            settings.SALESFORCE_CLIENT_SECRET,
        )
        instance = body.get("instance_url") or control.salesforce_url
        return f"{instance}{SALESFORCE_API}", {"Authorization": f"Bearer {body['access_token']}"}

    def _soql(
        self, control: SandboxControl, api: str, headers: dict[str, str], soql: str
    ) -> list[dict[str, Any]]:
        response = control.http.get(f"{api}/query", params={"q": soql}, headers=headers, timeout=30)
        response.raise_for_status()
        return list(response.json().get("records", []))

    def _rename_event_in_salesforce(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson, rng: random.Random
    ) -> str:
        api, headers = self._salesforce(control, org, person)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        events = self._soql(
            control,
            api,
            headers,
            f"SELECT Id, Subject FROM Event WHERE OwnerId = '{person.sf_user_id}' "  # noqa: S608 - our own ids
            f"AND StartDateTime > {now} ORDER BY StartDateTime LIMIT 20",
        )
        if not events:
            return "has no synced Salesforce Events to rename yet"
        event = rng.choice(events)
        customer = str(event.get("Subject") or "").partition(" with ")[2] or "the customer"
        subject = f"{rng.choice(MEETINGS)} with {customer}"
        control.http.patch(
            f"{api}/sobjects/Event/{event['Id']}", json={"Subject": subject}, headers=headers, timeout=30
        ).raise_for_status()
        return f"renamed '{event.get('Subject')}' to '{subject}' in Salesforce"

    def _complete_task_in_salesforce(
        self, control: SandboxControl, org: DemoOrg, person: DemoPerson, rng: random.Random
    ) -> str:
        api, headers = self._salesforce(control, org, person)
        tasks = self._soql(
            control,
            api,
            headers,
            f"SELECT Id, Subject FROM Task WHERE OwnerId = '{person.sf_user_id}' "  # noqa: S608 - our own ids
            "AND Status != 'Completed' LIMIT 20",
        )
        if not tasks:  # all done: a new one comes in
            task = crm_task(rng, rng.randint(100, 999))
            control.http.post(
                f"{api}/sobjects/Task", json=task, headers=headers, timeout=30
            ).raise_for_status()
            return f"added the task '{task['Subject']}' in Salesforce"
        task = rng.choice(tasks)
        control.http.patch(
            f"{api}/sobjects/Task/{task['Id']}", json={"Status": "Completed"}, headers=headers, timeout=30
        ).raise_for_status()
        return f"completed the task '{task.get('Subject')}' in Salesforce"

    def _outlook_token(self, control: SandboxControl, org: DemoOrg, person: DemoPerson) -> str:
        body = refreshed(
            control,
            f"{control.graph_url}/{org.tenant_id}/oauth2/v2.0/token",
            control.graph_refresh_token(org.tenant_id, person.graph_user_id),
            settings.GRAPH_CLIENT_ID,
            settings.GRAPH_CLIENT_SECRET,
            scope="Calendars.ReadWrite Contacts.ReadWrite Tasks.ReadWrite offline_access",
        )
        return str(body["access_token"])


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _values(control: SandboxControl, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The ``value`` list a Graph collection answers."""
    response = control.http.get(url, headers=headers, timeout=30)
    response.raise_for_status()
    return list(response.json().get("value", []))
