"""Provisioning a demo world in the sandboxes and in the engine's database.

Talks to the sandboxes through their control endpoints over https, so it works the same whether
they run in this process (benchmark) or in another one (demo).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import User

from syncengine.models import Mailbox, Membership, Organization, Role, SalesforceConnection
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


class SandboxControl:
    """A small client for the sandboxes' control endpoints."""

    def __init__(self, *, salesforce_url: str, graph_url: str, ca_bundle: str) -> None:
        self.salesforce_url = salesforce_url.rstrip("/")
        self.graph_url = graph_url.rstrip("/")
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
    for sobject in ("Event", "Task", "Contact"):  # the engine's External ID on each synced object
        field = {
            "sobject": sobject,
            "name": settings.SALESFORCE_SYNC_KEY_FIELD,
            "type": "string",
            "length": 80,
        }
        control.sf("POST", f"/orgs/{sf_org}/fields", {**field, "external_id": True, "unique": True})
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
    address = f"{username}@{org.domain}"
    user = User.objects.create_user(username=username, password=password, first_name=display_name.split()[0])
    Membership.objects.create(user=user, organization=org.organization, role=role)
    graph_user = control.graph(
        "POST", f"/tenants/{org.tenant_id}/users", {"mail": address, "display_name": display_name}
    )
    graph_refresh = control.graph(
        "POST",
        f"/tenants/{org.tenant_id}/users/{graph_user['id']}/refresh-token",
        {"client_id": settings.GRAPH_CLIENT_ID},
    )["refresh_token"]
    mailbox = mailbox_create(
        organization=org.organization,
        owner=user,
        address=address,
        provider_account={"tenant_id": org.tenant_id, "user_id": graph_user["id"]},
        credentials={"refresh_token": graph_refresh},
    )
    sf_user = control.sf(
        "POST",
        f"/orgs/{org.sf_org_id}/users",
        {"username": f"{address}.crm", "email": address, "name": display_name},
    )
    sf_refresh = control.sf(
        "POST",
        f"/orgs/{org.sf_org_id}/users/{sf_user['id']}/refresh-token",
        {"client_id": settings.SALESFORCE_CLIENT_ID},
    )["refresh_token"]
    connection = SalesforceConnection.objects.create(
        user=user,
        organization=org.organization,
        instance_url=control.salesforce_url,
        salesforce_user_id=sf_user["id"],
        salesforce_org_id=org.sf_org_id,
        username=sf_user["username"],
        credentials={"refresh_token": sf_refresh},
    )
    return DemoPerson(user, mailbox, connection, graph_user["id"], sf_user["id"])


def seed_crm(control: SandboxControl, org: DemoOrg, *, owner_id: str, contacts_per_account: int = 2) -> int:
    """Accounts and Contacts in Salesforce, the records a sales team already has."""
    created = 0
    rng = random.Random(7)
    for name, domain in CUSTOMERS:
        account = control.sf(
            "POST",
            f"/orgs/{org.sf_org_id}/records/Account",
            {"Name": name, "Website": f"https://{domain}", "_user_id": owner_id},
        )["id"]
        for _ in range(contacts_per_account):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            control.sf(
                "POST",
                f"/orgs/{org.sf_org_id}/records/Contact",
                {
                    "FirstName": first,
                    "LastName": last,
                    "Email": f"{first}.{last}@{domain}".lower(),
                    "AccountId": account,
                    "_user_id": owner_id,
                },
            )
            created += 1
        created += 1
    return created


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
