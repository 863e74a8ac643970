"""Provisioning a demo world in the sandboxes and in the engine's database.

Talks to the sandboxes through their control endpoints over https, so it works the same whether
they run in this process (benchmark) or in another one (demo).
"""

from __future__ import annotations

import json
import os
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import User

from syncengine.models import Mailbox, Membership, Organization, Provider, Role, SalesforceConnection
from syncengine.services.mailboxes import mailbox_create

CUSTOMERS = [
    ("Acme Corp", "acme.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Health", "umbrella.example"),
    ("Stark Industries", "stark.example"),
    ("Wayne Enterprises", "wayne.example"),
    ("Hooli", "hooli.example"),
    ("Soylent", "soylent.example"),
    ("Wonka Foods", "wonka.example"),
    ("Tyrell Systems", "tyrell.example"),
]
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam"]
LAST = ["Ito", "Novak", "Okafor", "Silva", "Meyer", "Haddad", "Lund", "Park", "Rossi", "Walsh"]
MEETINGS = [
    "Discovery call",
    "Pricing review",
    "Quarterly business review",
    "Demo",
    "Contract walkthrough",
    "Onboarding kickoff",
    "Renewal check-in",
    "Technical deep dive",
    "Lunch",
    "Pipeline review",
]
TASKS_LIST = "Salesforce Tasks"  # the To Do list the engine syncs (it finds it by name)
CONTACTS_FOLDER = "Salesforce Contacts"  # the contact folder the engine syncs
TODO = [
    "Send the proposal to",
    "Follow up with",
    "Prepare the QBR deck for",
    "Book the onsite at",
    "Chase the signed order from",
    "Share pricing with",
    "Call back",
    "Renew the NDA with",
]
JOBS = ["CFO", "Head of IT", "Buyer", "Procurement lead", "VP Operations", "Office manager", "CTO"]


# The demo reps' passwords at the Microsoft 365 sandbox's sign-in page and in Salesforce's (the
# sandbox's own default), printed in var/demo-access.txt: nothing real is behind them.
GRAPH_PASSWORD = "Sandbox-Passw0rd!"
SALESFORCE_PASSWORD = "sandbox-password"


class SandboxControl:
    """A small client for the sandboxes' control endpoints."""

    def __init__(
        self, *, salesforce_url: str, graph_url: str, ca_bundle: str, google_url: str = "", ews_url: str = ""
    ) -> None:
        self.salesforce_url = salesforce_url.rstrip("/")
        self.graph_url = graph_url.rstrip("/")
        self.google_url = google_url.rstrip("/")
        self.ews_url = ews_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = ca_bundle

    def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, url, json=body, timeout=30)
        if response.status_code >= 400:
            raise RuntimeError(
                f"sandbox control {method} {url}: {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else None

    def sf(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"{self.salesforce_url}/_sandbox{path}", body)

    def graph(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"{self.graph_url}/_sandbox{path}", body)

    def google(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"{self.google_url}/_sandbox{path}", body)

    def ews(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"{self.ews_url}/_sandbox{path}", body)

    def sf_refresh_token(self, sf_org_id: str, sf_user_id: str) -> str:
        """A refresh token for our app, as if the Salesforce user had consented."""
        path = f"/orgs/{sf_org_id}/users/{sf_user_id}/refresh-token"
        return str(self.sf("POST", path, {"client_id": settings.SALESFORCE_CLIENT_ID})["refresh_token"])

    def graph_refresh_token(self, tenant_id: str, graph_user_id: str) -> str:
        """A refresh token for our app, as if the Microsoft user had consented."""
        path = f"/tenants/{tenant_id}/users/{graph_user_id}/refresh-token"
        return str(self.graph("POST", path, {"client_id": settings.GRAPH_CLIENT_ID})["refresh_token"])


def use_sandboxes(endpoints: dict[str, str]) -> SandboxControl:
    """Point the engine's settings at running Salesforce and Graph sandboxes (made-up client secrets when
    none are set), and a control client for them."""
    settings.GRAPH_AUTHORITY_HOST = endpoints["graph"]
    settings.GRAPH_API_URL = f"{endpoints['graph']}/v1.0"
    settings.SALESFORCE_LOGIN_URL = endpoints["salesforce"]
    settings.OUTBOUND_CA_BUNDLE = endpoints["ca_bundle"]
    settings.GRAPH_CLIENT_SECRET = settings.GRAPH_CLIENT_SECRET or secrets.token_urlsafe(24)
    settings.SALESFORCE_CLIENT_SECRET = settings.SALESFORCE_CLIENT_SECRET or secrets.token_urlsafe(24)
    return SandboxControl(
        salesforce_url=endpoints["salesforce"], graph_url=endpoints["graph"], ca_bundle=endpoints["ca_bundle"]
    )


def add_sync_key_fields(control: SandboxControl, sf_org_id: str, sobjects: tuple[str, ...]) -> None:
    """The engine's External ID (unique) on each object it syncs, in a sandbox Salesforce org."""
    for sobject in sobjects:
        field = {
            "sobject": sobject,
            "name": settings.SALESFORCE_SYNC_KEY_FIELD,
            "type": "string",
            "length": 80,
        }
        control.sf("POST", f"/orgs/{sf_org_id}/fields", {**field, "external_id": True, "unique": True})


@dataclass
class DemoOrg:
    organization: Organization
    sf_org_id: str
    tenant_id: str
    domain: str


@dataclass
class DemoPerson:
    user: User
    mailbox: Mailbox
    connection: SalesforceConnection
    graph_user_id: str
    sf_user_id: str


def provision_org(control: SandboxControl, *, name: str, slug: str, domain: str) -> DemoOrg:
    """A tenant in both sandboxes with our app registered, and the engine's Organization."""
    control.sf(
        "POST",
        "/clients",
        {"client_id": settings.SALESFORCE_CLIENT_ID, "client_secret": settings.SALESFORCE_CLIENT_SECRET},
    )
    sf_org = control.sf("POST", "/orgs", {"name": name})["id"]
    add_sync_key_fields(control, sf_org, ("Event", "Task", "Contact"))
    # The org's admin selected these in Setup > Change Data Capture: the listener gets their changes.
    control.sf(
        "POST",
        f"/orgs/{sf_org}/change-data-capture",
        {"objects": ["Event", "EventRelation", "Task", "Contact"]},
    )
    tenant = control.graph("POST", "/tenants", {"domain": domain})["id"]
    control.graph(
        "POST",
        f"/tenants/{tenant}/apps",
        {"client_id": settings.GRAPH_CLIENT_ID, "client_secret": settings.GRAPH_CLIENT_SECRET},
    )
    organization, _ = Organization.objects.update_or_create(slug=slug, defaults={"name": name})
    return DemoOrg(organization, sf_org, tenant, domain)


def provision_person(
    control: SandboxControl,
    org: DemoOrg,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str = Role.USER,
) -> DemoPerson:
    user, address, sf_user_id, connection = _person_and_salesforce(
        control, org, username=username, display_name=display_name, password=password, role=role
    )
    graph_user = control.graph(
        "POST",
        f"/tenants/{org.tenant_id}/users",
        {"mail": address, "display_name": display_name, "password": GRAPH_PASSWORD},
    )
    graph_refresh = control.graph_refresh_token(org.tenant_id, graph_user["id"])
    mailbox = mailbox_create(
        organization=org.organization,
        owner=user,
        address=address,
        provider_account={"tenant_id": org.tenant_id, "user_id": graph_user["id"]},
        credentials={"refresh_token": graph_refresh},
    )
    return DemoPerson(user, mailbox, connection, graph_user["id"], sf_user_id)


def _person_and_salesforce(
    control: SandboxControl, org: DemoOrg, *, username: str, display_name: str, password: str, role: str
) -> tuple[User, str, str, SalesforceConnection]:
    """The engine's user in the org and their Salesforce user and connection (any mailbox provider)."""
    address = f"{username}@{org.domain}"
    user = User.objects.create_user(username=username, password=password, first_name=display_name.split()[0])
    Membership.objects.create(user=user, organization=org.organization, role=role)
    sf_user = control.sf(
        "POST",
        f"/orgs/{org.sf_org_id}/users",
        {
            "username": f"{address}.crm",
            "email": address,
            "name": display_name,
            "password": SALESFORCE_PASSWORD,
        },
    )
    sf_refresh = control.sf_refresh_token(org.sf_org_id, sf_user["id"])
    connection = SalesforceConnection.objects.create(
        user=user,
        organization=org.organization,
        instance_url=control.salesforce_url,
        salesforce_user_id=sf_user["id"],
        salesforce_org_id=org.sf_org_id,
        username=sf_user["username"],
        credentials={"refresh_token": sf_refresh},
    )
    return user, address, sf_user["id"], connection


def provision_google_person(
    control: SandboxControl, org: DemoOrg, *, username: str, display_name: str, password: str
) -> DemoPerson:
    """A rep on Gmail + Google Calendar: a Google user who consented with offline access."""
    user, address, sf_user_id, connection = _person_and_salesforce(
        control, org, username=username, display_name=display_name, password=password, role=Role.USER
    )
    control.google(
        "POST",
        "/clients",
        {"client_id": settings.GOOGLE_CLIENT_ID, "client_secret": settings.GOOGLE_CLIENT_SECRET},
    )
    google_user = control.google("POST", "/users", {"email": address, "name": display_name})
    refresh = control.google(
        "POST", f"/users/{google_user['id']}/refresh_tokens", {"client_id": settings.GOOGLE_CLIENT_ID}
    )["refresh_token"]
    mailbox = mailbox_create(
        organization=org.organization,
        owner=user,
        address=address,
        provider=Provider.GOOGLE,
        provider_account={"email": address},
        credentials={"refresh_token": refresh},
    )
    return DemoPerson(user, mailbox, connection, google_user["id"], sf_user_id)


GMAIL_PUBSUB_PROJECT = "mailsync-demo"  # the operator's Google Cloud project, in the Google sandbox


def provision_gmail_pubsub(control: SandboxControl, key_file: Path) -> dict[str, str]:
    """The operator's Cloud Pub/Sub for Gmail push, as they would set it up in the Cloud console: a
    service account owning the project (its JSON key written to ``key_file``, readable by this user
    only), and a topic Gmail may publish to with its pull subscription. The four settings naming them."""
    key = control.google("POST", "/pubsub/service_accounts", {"project": GMAIL_PUBSUB_PROJECT})
    made = control.google("POST", "/pubsub/gmail_push", {"project": GMAIL_PUBSUB_PROJECT})
    key_file.unlink(missing_ok=True)
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump(key, out)
    return {
        "GMAIL_PUBSUB_PROJECT": GMAIL_PUBSUB_PROJECT,
        "GMAIL_PUBSUB_TOPIC": str(made["topic"]).rpartition("/")[2],
        "GMAIL_PUBSUB_SUBSCRIPTION": str(made["subscription"]).rpartition("/")[2],
        "GMAIL_PUBSUB_KEY_FILE": str(key_file),
    }


def provision_ews_person(
    control: SandboxControl, org: DemoOrg, *, username: str, display_name: str, password: str
) -> DemoPerson:
    """A rep on Exchange Server (EWS), signing in with their Windows account."""
    user, address, sf_user_id, connection = _person_and_salesforce(
        control, org, username=username, display_name=display_name, password=password, role=Role.USER
    )
    exchange_password = secrets.token_urlsafe(12)
    control.ews(
        "POST",
        "/mailboxes",
        {"smtp": address, "display_name": display_name, "username": address, "password": exchange_password},
    )
    mailbox = mailbox_create(
        organization=org.organization,
        owner=user,
        address=address,
        provider=Provider.EWS,
        provider_account={"primary_smtp_address": address},
        credentials={"username": address, "password": exchange_password, "auth_type": "basic"},
    )
    return DemoPerson(user, mailbox, connection, address, sf_user_id)


def google_event(rng: random.Random, *, day_offset: int, index: int) -> dict[str, Any]:
    graph = event_payload(rng, day_offset=day_offset, index=index)
    return {
        "summary": graph["subject"],
        "description": graph["body"]["content"],
        "location": graph["location"]["displayName"],
        "start": {"dateTime": graph["start"]["dateTime"] + "Z"},
        "end": {"dateTime": graph["end"]["dateTime"] + "Z"},
    }


def ews_event(rng: random.Random, *, day_offset: int, index: int) -> dict[str, Any]:
    graph = event_payload(rng, day_offset=day_offset, index=index)
    return {
        "Subject": graph["subject"],
        "Body": graph["body"]["content"],
        "Location": graph["location"]["displayName"],
        "Start": graph["start"]["dateTime"] + "Z",
        "End": graph["end"]["dateTime"] + "Z",
        "LegacyFreeBusyStatus": "Busy",
    }


def seed_provider_events(
    control: SandboxControl, person: DemoPerson, *, count: int, seed: int = 1, days: int = 30
) -> None:
    """Events in a Google or Exchange rep's calendar, made there as the rep would."""
    rng = random.Random(seed)
    for i in range(count):
        offset = (i % days) - 5
        if person.mailbox.provider == Provider.GOOGLE:
            body = google_event(rng, day_offset=offset, index=i)
            control.google("POST", f"/users/{person.graph_user_id}/events", {"body": body})
        else:
            body = ews_event(rng, day_offset=offset, index=i)
            control.ews("POST", f"/mailboxes/{person.mailbox.address}/folders/calendar/items", body)


def seed_crm(
    control: SandboxControl, org: DemoOrg, *, owner_ids: list[str], contacts_per_account: int = 2
) -> dict[str, list[str]]:
    """Accounts and Contacts in Salesforce, the records a sales team already has.

    Accounts belong to the first owner; their Contacts are dealt out among the owners in turn, so
    each rep's "Salesforce Contacts" folder gets some. Returns the Contact ids per owner.
    """
    owned: dict[str, list[str]] = {owner: [] for owner in owner_ids}
    rng = random.Random(7)
    turn = 0
    for name, domain in CUSTOMERS:
        account = control.sf(
            "POST",
            f"/orgs/{org.sf_org_id}/records/Account",
            {"Name": name, "Website": f"https://{domain}", "_user_id": owner_ids[0]},
        )["id"]
        for _ in range(contacts_per_account):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            owner = owner_ids[turn % len(owner_ids)]
            turn += 1
            contact = control.sf(
                "POST",
                f"/orgs/{org.sf_org_id}/records/Contact",
                {
                    "FirstName": first,
                    "LastName": last,
                    "Email": f"{first}.{last}@{domain}".lower(),
                    "Title": rng.choice(JOBS),
                    "AccountId": account,
                    "_user_id": owner,
                },
            )["id"]
            owned[owner].append(contact)
    return owned


def seed_tasks(
    control: SandboxControl,
    org: DemoOrg,
    person: DemoPerson,
    *,
    in_salesforce: int = 2,
    in_todo: int = 1,
    seed: int = 1,
) -> None:
    """Open Salesforce Tasks owned by the person, and tasks in their "Salesforce Tasks" To Do list
    (made here the way the engine would, found by its name)."""
    rng = random.Random(seed)
    for i in range(in_salesforce):
        control.sf(
            "POST",
            f"/orgs/{org.sf_org_id}/records/Task",
            {**crm_task(rng, i), "_user_id": person.sf_user_id},
        )
    user = f"/tenants/{org.tenant_id}/users/{person.graph_user_id}"
    task_list = control.graph("POST", f"{user}/task-lists", {"displayName": TASKS_LIST})["id"]
    for i in range(in_todo):
        control.graph("POST", f"{user}/tasks?list_id={task_list}", task_payload(rng, i))


def event_payload(rng: random.Random, *, day_offset: int, index: int) -> dict[str, Any]:
    customer, _ = rng.choice(CUSTOMERS)
    start = (datetime.now(UTC) + timedelta(days=day_offset)).replace(
        hour=8 + index % 9, minute=rng.choice([0, 30]), second=0, microsecond=0
    )
    end = start + timedelta(minutes=rng.choice([30, 45, 60, 90]))
    return {
        "subject": f"{rng.choice(MEETINGS)} with {customer}",
        "body": {"contentType": "text", "content": f"Notes for the {customer} meeting."},
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "location": {"displayName": rng.choice(["Teams", "Zoom", "Their office", "Our office"])},
        "showAs": "busy",
    }


def seed_events(
    control: SandboxControl, org: DemoOrg, person: DemoPerson, *, count: int, seed: int = 1, days: int = 40
) -> list[str]:
    """Events in the person's calendar, spread over the sync window (a few in the past)."""
    rng = random.Random(seed)
    ids = []
    for i in range(count):
        body = event_payload(rng, day_offset=(i % days) - 7, index=i)
        ids.append(
            control.graph("POST", f"/tenants/{org.tenant_id}/users/{person.graph_user_id}/events", body)["id"]
        )
    return ids


def _due(rng: random.Random) -> datetime:
    return (datetime.now(UTC) + timedelta(days=rng.randint(1, 30))).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def task_payload(rng: random.Random, index: int) -> dict[str, Any]:
    """A Microsoft To Do task as ``POST /me/todo/lists/{id}/tasks`` takes it."""
    customer, _ = rng.choice(CUSTOMERS)
    return {
        "title": f"{rng.choice(TODO)} {customer} #{index}",
        "importance": rng.choice(["low", "normal", "normal", "high"]),
        "status": rng.choice(["notStarted", "notStarted", "inProgress"]),
        "dueDateTime": {"dateTime": _due(rng).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "body": {"contentType": "text", "content": f"For the {customer} account."},
    }


def crm_task(rng: random.Random, index: int, **extra: Any) -> dict[str, Any]:
    """An open Salesforce Task (fields as the REST API takes them)."""
    customer, _ = rng.choice(CUSTOMERS)
    return {
        "Subject": f"{rng.choice(TODO)} {customer} (SF #{index})",
        "Status": rng.choice(["Not Started", "In Progress"]),
        "Priority": rng.choice(["Normal", "Normal", "High", "Low"]),
        "ActivityDate": _due(rng).strftime("%Y-%m-%d"),
        "Description": f"Logged in Salesforce for {customer}.",
        **extra,
    }


def contact_payload(rng: random.Random, index: int) -> dict[str, Any]:
    """An Outlook contact as ``POST /me/contactFolders/{id}/contacts`` takes it."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    customer, domain = rng.choice(CUSTOMERS)
    return {
        "givenName": first,
        "surname": f"{last}-{index}",
        "companyName": customer,
        "jobTitle": rng.choice(JOBS),
        "emailAddresses": [{"address": f"{first}.{last}{index}@{domain}".lower(), "name": f"{first} {last}"}],
        "businessPhones": [f"+1 555 {index % 10000:04d}"],
    }


def crm_contact(rng: random.Random, index: int, **extra: Any) -> dict[str, Any]:
    """A Salesforce Contact (fields as the REST API takes them)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    _, domain = rng.choice(CUSTOMERS)
    return {
        "FirstName": first,
        "LastName": f"{last}-sf{index}",
        "Email": f"{first}.{last}.sf{index}@{domain}".lower(),
        "Phone": f"+1 555 {(index + 5000) % 10000:04d}",
        "Title": rng.choice(JOBS),
        **extra,
    }


def refreshed(
    control: SandboxControl, token_url: str, refresh: str, client_id: str, client_secret: str, **extra: str
) -> dict[str, Any]:
    """The token endpoint's answer to a refresh-token grant (``extra``: more form fields, e.g. scope)."""
    response = control.http.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": client_id,
            "client_secret": client_secret,
            **extra,
        },
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())
