"""GraphConnector in app-only mode (an org admin's admin consent) against the Graph sandbox.

Tokens come from the client-credentials grant through msal; every call goes to ``/users/{id}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.base import ConnectorError
from connectors.graph.connector import GraphConnector
from connectors.neutral.times import Window
from sandbox.tls import SandboxCA
from syncengine.services.connectors import mail_connector_for
from tests.support.people import GRAPH_CLIENT_ID, Person, event_body

pytestmark = pytest.mark.django_db


def at(days: float, hour: int = 10) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


WINDOW = Window(at(-7, 0), at(30, 0))


@pytest.fixture
def consented(person: Person, graph: Any) -> Person:
    """alice's tenant behaves as Entra ID does, and its admin granted admin consent to our app."""
    graph.authority.require_admin_consent(person.tenant_id)
    graph.authority.grant_admin_consent(person.tenant_id, GRAPH_CLIENT_ID)
    return person


def app_connector(person: Person, saved: list[dict[str, Any]] | None = None) -> GraphConnector:
    """alice's mailbox reached with the app's own access, as an org admin's page adds it."""
    base = mail_connector_for(person.mailbox)
    account = {"tenant_id": person.tenant_id, "user_id": person.graph_user_id, "mode": "app"}
    store = saved.append if saved is not None else lambda creds: None
    return GraphConnector(base.config, account, {}, on_credentials=store, sleep=lambda seconds: None)


def add_event(person: Person, subject: str, days: float = 1) -> dict[str, Any]:
    start = at(days)
    return person.outlook.create_event(
        **event_body(
            subject,
            start.strftime("%Y-%m-%dT%H:%M:%S"),
            (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        )
    )


def paths(graph: Any, person: Person, kind: str) -> list[str]:
    return [r["path"] for r in graph.requests(tenant=person.tenant_id, kind=kind)]


def token_grants(graph: Any, person: Person) -> list[dict[str, Any]]:
    return [
        r
        for r in graph.requests(kind="token")
        if r["path"] == f"/{person.tenant_id}/oauth2/v2.0/token" and r["tenant"] == person.tenant_id
    ]


def test_it_reads_and_writes_events_under_users_paths_with_a_client_credentials_token(
    consented: Person, graph: Any
):
    person = consented
    made_in_outlook = add_event(person, "Pricing call")
    graph.clear()  # from here on, only the connector's calls
    saved: list[dict[str, Any]] = []
    connector = app_connector(person, saved)

    first = connector.read_changes(stream="events", cursor="", window=WINDOW)
    [created] = connector.create(
        stream="events",
        items=[
            {"subject": "From Salesforce", "start": "2030-01-02T10:00:00Z", "end": "2030-01-02T11:00:00Z"}
        ],
    )
    [updated] = connector.update(stream="events", items=[(made_in_outlook["id"], {"subject": "Renamed"})])

    assert [c.id for c in first.changes] == [made_in_outlook["id"]]
    assert created.ok and updated.ok, (created, updated)
    subjects = {e["id"]: e["subject"] for e in graph.events(person.tenant_id, person.graph_user_id)}
    assert subjects == {made_in_outlook["id"]: "Renamed", created.id: "From Salesforce"}
    root = f"/v1.0/users/{person.graph_user_id}/"
    api = paths(graph, person, "api")
    assert [p for p in api if not p.startswith(root)] == ["/v1.0/$batch", "/v1.0/$batch"]
    assert all(p.startswith(root) for p in paths(graph, person, "batch-item"))
    assert not [p for p in api + paths(graph, person, "batch-item") if "/me/" in p]
    # One client-credentials grant, no refresh token anywhere, nothing stored on the mailbox row.
    assert len(token_grants(graph, person)) == 1 and connector.token_calls >= 1
    assert "refresh_token" not in connector.credentials and saved == []


def test_it_reads_an_unchanged_calendar_with_one_call_and_no_new_token(consented: Person, graph: Any):
    add_event(consented, "Standup")
    connector = app_connector(consented)
    first = connector.read_changes(stream="events", cursor="", window=WINDOW)
    calls, token_calls = connector.calls, connector.token_calls

    quiet = connector.read_changes(stream="events", cursor=first.next_cursor, window=WINDOW)

    assert quiet.changes == [] and quiet.full is False
    assert connector.calls - calls == 1
    assert connector.token_calls == token_calls  # the token is held until near its expiry


def test_it_shares_one_app_token_among_the_mailboxes_of_a_tenant(
    consented: Person, graph: Any, make_person: Any
):
    bob = make_person("bob", organization=consented.organization)
    app_connector(consented).read_changes(stream="events", cursor="", window=WINDOW)
    other = app_connector(bob)

    other.read_changes(stream="events", cursor="", window=WINDOW)

    assert other.token_calls == 0 and len(token_grants(graph, consented)) == 1
    assert all(p.startswith(f"/v1.0/users/{bob.graph_user_id}/") for p in paths(graph, bob, "api")[-1:])


def test_it_asks_for_a_new_app_token_when_the_held_one_is_refused(consented: Person, graph: Any):
    connector = app_connector(consented)
    connector.read_changes(stream="events", cursor="", window=WINDOW)
    graph.expire_tokens(consented.tenant_id)

    again = connector.read_changes(stream="events", cursor="", window=WINDOW)

    assert again.full is True
    assert len(token_grants(graph, consented)) == 2


def test_it_reads_mail_folders_of_the_mailbox_under_users_paths(consented: Person, graph: Any):
    graph.mail.deliver(
        consented.tenant_id,
        consented.graph_user_id,
        {
            "from": {"address": "lead@acme.example", "name": "Lee"},
            "to": [consented.mailbox.address],
            "subject": "Pricing",
        },
    )
    connector = app_connector(consented)

    inbox = connector.read_email_changes(folder="inbox", cursor="")
    ids = connector.mail.mail_folder_ids()

    assert [e.subject for e in inbox.items] == ["Pricing"]
    assert set(ids) == {"inbox", "sent", "salesforce"}
    assert not [
        p for p in paths(graph, consented, "api") + paths(graph, consented, "batch-item") if "/me/" in p
    ]


def test_it_refuses_app_only_access_without_admin_consent(person: Person, graph: Any):
    graph.authority.require_admin_consent(person.tenant_id)

    with pytest.raises(ConnectorError) as refused:
        app_connector(person).read_changes(stream="events", cursor="", window=WINDOW)

    assert refused.value.permanent and refused.value.code == "MAIL_AUTH_REVOKED"
    assert "admin consent" in refused.value.message
    assert paths(graph, person, "api") == []


def test_it_stops_with_the_admin_consent_named_once_the_consent_is_revoked(consented: Person, graph: Any):
    connector = app_connector(consented)
    first = connector.read_changes(stream="events", cursor="", window=WINDOW)
    graph.authority.revoke_admin_consent(consented.tenant_id, GRAPH_CLIENT_ID)

    with pytest.raises(ConnectorError) as refused:
        connector.read_changes(stream="events", cursor=first.next_cursor, window=WINDOW)

    assert refused.value.permanent and refused.value.code == "MAIL_AUTH_REVOKED"
    assert "admin consent was revoked" in refused.value.message and "700016" in refused.value.message


def test_it_stops_when_the_admin_disables_the_app(consented: Person, graph: Any):
    graph.authority.disable_app(consented.tenant_id, GRAPH_CLIENT_ID)

    with pytest.raises(ConnectorError) as refused:
        app_connector(consented).read_changes(stream="events", cursor="", window=WINDOW)

    assert refused.value.permanent and refused.value.code == "MAIL_AUTH_REVOKED"
    assert "7000112" in refused.value.message and "admin consent" in refused.value.message


def test_it_refuses_a_connector_in_app_mode_without_a_user_id(consented: Person):
    base = mail_connector_for(consented.mailbox)

    with pytest.raises(ConnectorError) as refused:
        GraphConnector(base.config, {"tenant_id": consented.tenant_id, "mode": "app"}, {})

    assert refused.value.permanent and "no user id" in refused.value.message


def test_it_keeps_delegated_mailboxes_on_me_paths(person: Person, graph: Any):
    add_event(person, "Standup")
    graph.clear()

    mail_connector_for(person.mailbox).read_changes(stream="events", cursor="", window=WINDOW)

    assert paths(graph, person, "api") == ["/v1.0/me/calendarView/delta"]


# -- the sandbox's side of app-only access -------------------------------------------------------------
def _app_token(graph_url: str, tenant_id: str, ca: SandboxCA) -> requests.Response:
    http = requests.Session()
    http.trust_env = False
    http.verify = str(ca.ca_path)
    return http.post(
        f"{graph_url}/{tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": GRAPH_CLIENT_ID,
            "client_secret": "graph-test-secret",
            "scope": "https://graph.microsoft.com/.default",
        },
    )


def test_it_serves_app_tokens_only_users_of_their_own_tenant_and_never_me(
    consented: Person, make_person: Any, sandboxes: Any, sandbox_ca: SandboxCA
):
    stranger = make_person("eve")  # another organization, another tenant
    server = sandboxes[1]
    token = _app_token(server.url, consented.tenant_id, sandbox_ca).json()["access_token"]
    http = requests.Session()
    http.trust_env, http.verify = False, str(sandbox_ca.ca_path)
    headers = {"Authorization": f"Bearer {token}"}

    own = http.get(f"{server.url}/v1.0/users/{consented.mailbox.address}", headers=headers)
    foreign = http.get(f"{server.url}/v1.0/users/{stranger.graph_user_id}/events", headers=headers)
    me = http.get(f"{server.url}/v1.0/me/events", headers=headers)

    assert own.status_code == 200 and own.json()["id"] == consented.graph_user_id
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "ErrorInvalidUser"
    assert me.status_code == 400
    assert me.json()["error"]["message"] == "/me request is only valid with delegated authentication flow."


def test_it_grants_no_app_token_before_admin_consent_where_consent_is_required(
    person: Person, graph: Any, sandboxes: Any, sandbox_ca: SandboxCA
):
    graph.authority.require_admin_consent(person.tenant_id)

    refused = _app_token(sandboxes[1].url, person.tenant_id, sandbox_ca)
    graph.authority.grant_admin_consent(person.tenant_id, GRAPH_CLIENT_ID)
    granted = _app_token(sandboxes[1].url, person.tenant_id, sandbox_ca)

    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert refused.json()["error_codes"] == [700016]
    assert granted.status_code == 200 and re.match(
        r"^[\w-]+\.[\w-]+\.[\w-]+$", granted.json()["access_token"]
    )
