"""A small world for tests: a Salesforce org and a Microsoft 365 tenant in the sandboxes, and the
engine's own organisation, users, mailboxes and connections pointing at them.

Persona helpers act as the people on the other side with the real protocols: ``outlook`` is the
user in Outlook (Graph REST), ``salesforce`` the user in Salesforce (simple-salesforce).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import msal
import pytest
from django.contrib.auth.models import User
from django_q.conf import Conf
from simple_salesforce import Salesforce

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Membership, Organization, Role, SalesforceConnection
from syncengine.services.mailboxes import mailbox_create
from tests.support.people import (
    GRAPH_CLIENT_ID,
    GRAPH_CLIENT_SECRET,
    SF_CLIENT_ID,
    SF_CLIENT_SECRET,
    SYNC_KEY_FIELD,
    Outlook,
    Person,
    sandbox_session,
)

_counter = itertools.count(1)


@pytest.fixture
def sandboxes(
    settings: Any, salesforce_server: SandboxServer, graph_server: SandboxServer, sandbox_ca: SandboxCA
):
    """Point the engine's settings at the sandboxes, and register our app with both."""
    settings.GRAPH_AUTHORITY_HOST = graph_server.url
    settings.GRAPH_API_URL = f"{graph_server.url}/v1.0"
    settings.GRAPH_CLIENT_ID = GRAPH_CLIENT_ID
    settings.GRAPH_CLIENT_SECRET = GRAPH_CLIENT_SECRET
    settings.SALESFORCE_LOGIN_URL = salesforce_server.url
    settings.SALESFORCE_CLIENT_ID = SF_CLIENT_ID
    settings.SALESFORCE_CLIENT_SECRET = SF_CLIENT_SECRET
    settings.SALESFORCE_SYNC_KEY_FIELD = SYNC_KEY_FIELD
    settings.OUTBOUND_CA_BUNDLE = str(sandbox_ca.ca_path)
    settings.RETRY_MAX_WAIT_SECONDS = 5
    salesforce_server.app.register_client(SF_CLIENT_ID, SF_CLIENT_SECRET)
    return salesforce_server, graph_server


@pytest.fixture
def sf_server(sandboxes: Any) -> SandboxServer:
    """The Salesforce sandbox server (its ``app`` for faults, fields and records)."""
    return sandboxes[0]


@pytest.fixture
def graph(sandboxes: Any) -> Any:
    """The Graph sandbox app (its mail and calendars, as the tests arrange them)."""
    return sandboxes[1].app


@pytest.fixture
def make_person(db: None, sandboxes: Any, sandbox_ca: SandboxCA) -> Callable[..., Person]:
    """Make a synced person: a Django user with a Graph mailbox and a Salesforce connection."""
    sf_server, graph_server = sandboxes
    sf_app, graph_app = sf_server.app, graph_server.app

    def make(name: str = "", organization: Organization | None = None, role: str = Role.USER) -> Person:
        n = next(_counter)
        name = name or f"rep{n}"
        if organization is None:
            organization = Organization.objects.create(name=f"Org {n}", slug=f"org-{n}")
            sf_org = sf_app.create_org(f"Org {n}")["id"]
            for sobject in ("Event", "Task", "Contact"):  # the engine's External ID on each object
                sf_app.add_field(
                    sf_org, sobject, SYNC_KEY_FIELD, "string", length=80, external_id=True, unique=True
                )
            tenant = graph_app.create_tenant(domain=f"org{n}.example")["id"]
            graph_app.register_app(tenant, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)
            organization.sandbox_ids = (sf_org, tenant)  # type: ignore[attr-defined]
        sf_org, tenant = organization.sandbox_ids  # type: ignore[attr-defined]
        address = f"{name}.{n}@{organization.slug}.example"
        user = User.objects.create_user(username=f"{name}-{n}", password="pw-for-tests-only")
        Membership.objects.create(user=user, organization=organization, role=role)

        graph_user = graph_app.create_user(tenant, address, name.title())
        graph_refresh = graph_app.issue_refresh_token(tenant, graph_user["id"], GRAPH_CLIENT_ID)
        mailbox = mailbox_create(
            organization=organization,
            owner=user,
            address=address,
            provider_account={"tenant_id": tenant, "user_id": graph_user["id"]},
            credentials={"refresh_token": graph_refresh},
        )
        sf_user = sf_app.create_user(sf_org, f"{address}.sf", address, name.title())
        connection = SalesforceConnection.objects.create(
            user=user,
            organization=organization,
            instance_url=sf_server.url,
            salesforce_user_id=sf_user["id"],
            salesforce_org_id=sf_org,
            username=sf_user["username"],
            credentials={"refresh_token": sf_app.issue_refresh_token(sf_org, sf_user["id"], SF_CLIENT_ID)},
        )

        # The people on the other side, with their own tokens and the real protocols.
        identity = msal.ConfidentialClientApplication(
            GRAPH_CLIENT_ID,
            client_credential=GRAPH_CLIENT_SECRET,
            authority=f"{graph_server.url}/{tenant}",
            instance_discovery=False,
            http_client=sandbox_session(sandbox_ca),
        )
        own = graph_app.issue_refresh_token(tenant, graph_user["id"], GRAPH_CLIENT_ID)
        token = identity.acquire_token_by_refresh_token(own, scopes=["Calendars.ReadWrite"])["access_token"]
        outlook = Outlook(graph_server.url, token, sandbox_session(sandbox_ca))
        salesforce = Salesforce(
            instance_url=sf_server.url,
            session_id=sf_app.issue_access_token(sf_org, sf_user["id"]),
            session=sandbox_session(sandbox_ca),
            version="62.0",
        )
        sf_server.app.clear()
        graph_server.app.clear()
        return Person(
            user,
            organization,
            mailbox,
            connection,
            tenant,
            graph_user["id"],
            sf_org,
            sf_user["id"],
            outlook,
            salesforce,
        )

    return make


@pytest.fixture
def person(make_person: Callable[..., Person]) -> Person:
    return make_person("alice")


@pytest.fixture
def q_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run django-q2 tasks inline (through django-q2's own task machinery)."""
    monkeypatch.setattr(Conf, "SYNC", True)
