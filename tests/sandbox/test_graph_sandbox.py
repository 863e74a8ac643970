"""The Graph + identity sandbox, driven through the real msal library and plain requests over TLS."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from sandbox.base import SandboxServer
from sandbox.graph.app import GraphSandbox
from sandbox.tls import SandboxCA
from tests.support.graph_sandbox import GraphTenantOfAda, follow_delta

GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]
CALENDAR_SCOPES = ["https://graph.microsoft.com/Calendars.ReadWrite", "https://graph.microsoft.com/User.Read"]
REDIRECT_URI = "http://localhost:8000/oauth/callback"
WINDOW = {"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2026-12-01T00:00:00Z"}


@dataclass
class Env(GraphTenantOfAda):
    def delegated_token(self) -> dict[str, Any]:
        return self.token(self.user_id, CALENDAR_SCOPES)

    def graph(self, access_token: str) -> requests.Session:
        return self.bearer(access_token)


@pytest.fixture
def env(graph_server: SandboxServer, sandbox_ca: SandboxCA) -> Env:
    return Env.with_ada(graph_server, sandbox_ca)


def event_body(subject: str, start: str, end: str, zone: str = "UTC", **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        **extra,
    }


def create(graph: requests.Session, env: Env, body: dict[str, Any]) -> dict[str, Any]:
    response = graph.post(f"{env.url}/v1.0/me/events", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def standup_series(
    graph: requests.Session, env: Env, zone: str, pattern: dict[str, Any], occurrences: int
) -> dict[str, Any]:
    """A "Standup" series from 2 November 2026, 09:00 to 09:15 in ``zone``, repeating by ``pattern``."""
    recurrence = {
        "pattern": pattern,
        "range": {"type": "numbered", "startDate": "2026-11-02", "numberOfOccurrences": occurrences},
    }
    body = event_body("Standup", "2026-11-02T09:00:00", "2026-11-02T09:15:00", zone, recurrence=recurrence)
    return create(graph, env, body)


# -- identity -----------------------------------------------------------------------------------------
def test_it_serves_openid_configuration_per_tenant(env: Env) -> None:
    session = env.session()
    config = session.get(f"{env.url}/{env.tenant_id}/v2.0/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == f"{env.url}/{env.tenant_id}/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{env.url}/{env.tenant_id}/oauth2/v2.0/authorize"
    assert config["issuer"] == f"{env.url}/{env.tenant_id}/v2.0"
    unknown = session.get(f"{env.url}/{uuid.uuid4()}/v2.0/.well-known/openid-configuration")
    assert unknown.status_code == 400
    assert unknown.json()["error_codes"] == [90002]


def test_it_issues_app_only_tokens_for_client_credentials(env: Env) -> None:
    result = env.msal().acquire_token_for_client(scopes=GRAPH_DEFAULT)
    assert result["token_type"] == "Bearer" and result["expires_in"] > 3000
    graph = env.graph(result["access_token"])
    assert graph.get(f"{env.url}/v1.0/users/{env.user_id}/events").status_code == 200
    assert graph.get(f"{env.url}/v1.0/users/{env.mail}/calendars").json()["value"][0]["isDefaultCalendar"]
    me = graph.get(f"{env.url}/v1.0/me/events")
    assert me.status_code == 400 and "delegated" in me.json()["error"]["message"]

    wrong = msal.ConfidentialClientApplication(
        env.client_id,
        client_credential="nope",
        authority=f"{env.url}/{env.tenant_id}",
        instance_discovery=False,
        http_client=env.session(),
    ).acquire_token_for_client(scopes=GRAPH_DEFAULT)
    assert wrong["error"] == "invalid_client" and 7000215 in wrong["error_codes"]


def test_it_rotates_refresh_tokens_and_returns_msal_account_info(env: Env) -> None:
    first = env.app.issue_refresh_token(env.tenant_id, env.user_id, env.client_id)
    client = env.msal()
    result = client.acquire_token_by_refresh_token(first, CALENDAR_SCOPES)
    assert result["refresh_token"] != first
    assert result["id_token_claims"]["oid"] == env.user_id
    assert result["id_token_claims"]["tid"] == env.tenant_id
    assert result["id_token_claims"]["preferred_username"] == env.mail
    assert client.get_accounts()[0]["home_account_id"] == f"{env.user_id}.{env.tenant_id}"
    again = client.acquire_token_by_refresh_token(result["refresh_token"], CALENDAR_SCOPES)
    assert "access_token" in again
    me = env.graph(again["access_token"]).get(f"{env.url}/v1.0/me").json()
    assert me["id"] == env.user_id and me["mail"] == env.mail


def test_it_signs_in_with_username_and_password(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # msal's user-realm probe drops the port from the authority; tell it this host has none.
    monkeypatch.setattr(msal.authority.Authority, "_domains_without_user_realm_discovery", {"127.0.0.1"})
    client = env.msal()
    result = client.acquire_token_by_username_password(env.mail, env.password, CALENDAR_SCOPES)
    assert "access_token" in result and "refresh_token" in result, result
    assert env.graph(result["access_token"]).get(f"{env.url}/v1.0/me/events").status_code == 200
    bad = client.acquire_token_by_username_password(env.mail, "wrong", CALENDAR_SCOPES)
    assert bad["error"] == "invalid_grant" and 50126 in bad["error_codes"]


def test_it_completes_the_authorization_code_flow_with_pkce(env: Env) -> None:
    client = env.msal()
    flow = client.initiate_auth_code_flow(
        CALENDAR_SCOPES, redirect_uri=REDIRECT_URI, login_hint=env.mail, response_mode="form_post"
    )
    browser = env.session()
    page = browser.get(flow["auth_uri"])
    assert page.status_code == 200 and "<form" in page.text and env.mail in page.text
    wrong = browser.post(
        flow["auth_uri"], data={"login": env.mail, "passwd": "x", "action": "accept"}, allow_redirects=False
    )
    assert wrong.status_code == 200 and "incorrect" in wrong.text
    signed_in = browser.post(
        flow["auth_uri"],
        data={"login": env.mail, "passwd": env.password, "action": "accept"},
        allow_redirects=False,
    )
    assert signed_in.status_code == 200  # form_post: a page that posts code and state to the redirect URI
    assert f'action="{REDIRECT_URI}"' in signed_in.text
    auth_response = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', signed_in.text))
    assert auth_response["state"] == flow["state"]

    result = client.acquire_token_by_auth_code_flow(flow, auth_response)  # msal checks state and nonce
    assert "access_token" in result, result
    assert result["id_token_claims"]["oid"] == env.user_id
    assert env.graph(result["access_token"]).get(f"{env.url}/v1.0/me/calendars").status_code == 200

    token_url = f"{env.url}/{env.tenant_id}/oauth2/v2.0/token"
    reuse = env.session().post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": auth_response["code"],
            "redirect_uri": REDIRECT_URI,
            "client_id": env.client_id,
            "client_secret": env.secret,
            "code_verifier": flow["code_verifier"],
        },
    )
    assert reuse.status_code == 400 and reuse.json()["error_codes"] == [54005]


def test_it_checks_the_pkce_verifier(env: Env) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    browser = env.session()
    authorize = f"{env.url}/{env.tenant_id}/oauth2/v2.0/authorize"
    params = {
        "client_id": env.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid offline_access",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    declined = browser.post(authorize, params=params, data={"action": "cancel"}, allow_redirects=False)
    assert parse_qs(urlsplit(declined.headers["Location"]).query)["error"] == ["access_denied"]
    redirect = browser.post(
        authorize, params=params, data={"login": env.mail, "passwd": env.password}, allow_redirects=False
    )
    location = urlsplit(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    answer = parse_qs(location.query)
    assert answer["state"] == ["s1"]
    code = answer["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": env.client_id,
        "client_secret": env.secret,
    }
    token_url = f"{env.url}/{env.tenant_id}/oauth2/v2.0/token"
    bad = browser.post(token_url, data={**form, "code_verifier": "w" * 50})
    assert bad.status_code == 400 and bad.json()["error_codes"] == [501481]
    good = browser.post(token_url, data={**form, "code_verifier": verifier})
    assert good.status_code == 200 and good.json()["refresh_token"]


def test_it_expires_access_tokens_and_refresh_recovers(env: Env) -> None:
    result = env.delegated_token()
    graph = env.graph(result["access_token"])
    assert graph.get(f"{env.url}/v1.0/me/events").status_code == 200
    env.app.expire_tokens(env.tenant_id)
    expired = graph.get(f"{env.url}/v1.0/me/events")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert expired.json()["error"]["message"] == "Access token has expired or is not yet valid."
    assert "request-id" in expired.json()["error"]["innerError"]
    fresh = env.msal().acquire_token_by_refresh_token(result["refresh_token"], CALENDAR_SCOPES)
    assert env.graph(fresh["access_token"]).get(f"{env.url}/v1.0/me/events").status_code == 200
    assert (
        env.session().get(f"{env.url}/v1.0/me/events").json()["error"]["message"] == "Access token is empty."
    )


def test_it_rejects_refresh_tokens_after_revocation(env: Env) -> None:
    refresh_token = env.delegated_token()["refresh_token"]
    env.app.revoke_refresh_tokens(env.tenant_id, env.user_id)
    result = env.msal().acquire_token_by_refresh_token(refresh_token, CALENDAR_SCOPES)
    assert result["error"] == "invalid_grant" and result["error_codes"] == [50173]
    assert "access_token" in env.delegated_token()  # a new consent works again


def test_it_ends_a_refresh_token_unused_for_90_days_and_each_use_starts_again(env: Env) -> None:
    refresh_token = env.delegated_token()["refresh_token"]
    env.app.age_refresh_tokens(env.tenant_id, env.user_id, 89)
    used = env.msal().acquire_token_by_refresh_token(refresh_token, CALENDAR_SCOPES)
    assert "access_token" in used  # 89 days unused: still good, and a fresh one comes back
    env.app.age_refresh_tokens(env.tenant_id, env.user_id, 2)
    ended = env.msal().acquire_token_by_refresh_token(refresh_token, CALENDAR_SCOPES)
    assert ended["error"] == "invalid_grant" and ended["error_codes"] == [700082]
    assert "expired due to inactivity" in ended["error_description"]
    assert "access_token" in env.msal().acquire_token_by_refresh_token(used["refresh_token"], CALENDAR_SCOPES)


# -- events ---------------------------------------------------------------------------------------------
def test_it_creates_reads_updates_and_deletes_events_in_windows_time_zones(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    body = event_body(
        "Kickoff",
        "2026-11-27T10:00:00",
        "2026-11-27T11:00:00",
        "Pacific Standard Time",
        body={"contentType": "text", "content": "Agenda"},
        location={"displayName": "Room 1"},
        attendees=[{"emailAddress": {"address": "bob@example.com"}}],
        sensitivity="private",
    )
    created = create(graph, env, body)
    assert created["start"] == {"dateTime": "2026-11-27T18:00:00.0000000", "timeZone": "UTC"}
    assert created["originalStartTimeZone"] == "Pacific Standard Time"
    assert created["@odata.etag"] == f'W/"{created["changeKey"]}"'
    assert created["type"] == "singleInstance" and created["sensitivity"] == "private"
    assert created["attendees"][0]["status"]["response"] == "none"
    assert created["organizer"]["emailAddress"]["address"] == env.mail
    assert created["bodyPreview"] == "Agenda"

    url = f"{env.url}/v1.0/me/events/{created['id']}"
    berlin = graph.get(url, headers={"Prefer": 'outlook.timezone="W. Europe Standard Time"'}).json()
    assert berlin["start"] == {
        "dateTime": "2026-11-27T19:00:00.0000000",
        "timeZone": "W. Europe Standard Time",
    }
    iana = graph.get(url, headers={"Prefer": 'outlook.timezone="Asia/Tokyo"'}).json()
    assert iana["start"]["dateTime"] == "2026-11-28T03:00:00.0000000"

    patched = graph.patch(
        url,
        json={
            "subject": "Kickoff (moved)",
            "start": {"dateTime": "2026-11-27T12:00:00", "timeZone": "Europe/London"},
        },
    )
    assert patched.status_code == 200
    assert patched.json()["subject"] == "Kickoff (moved)"
    assert patched.json()["changeKey"] != created["changeKey"]
    assert patched.json()["lastModifiedDateTime"] >= created["lastModifiedDateTime"]
    assert patched.json()["start"]["dateTime"] == "2026-11-27T12:00:00.0000000"
    assert env.app.events(env.tenant_id, env.user_id)[0]["subject"] == "Kickoff (moved)"

    assert graph.delete(url).status_code == 204
    missing = graph.get(url)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"
    assert env.app.events(env.tenant_id, env.user_id) == []


def test_it_validates_event_bodies(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    url = f"{env.url}/v1.0/me/events"
    backwards = graph.post(url, json=event_body("x", "2026-11-27T11:00:00", "2026-11-27T10:00:00"))
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "ErrorInvalidRequest"
    zone = graph.post(url, json=event_body("x", "2026-11-27T10:00:00", "2026-11-27T11:00:00", "Mars/Olympus"))
    assert zone.status_code == 400 and zone.json()["error"]["code"] == "TimeZoneNotSupportedException"
    unknown = graph.post(
        url, json={**event_body("x", "2026-11-27T10:00:00", "2026-11-27T11:00:00"), "colour": 1}
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "RequestBodyRead"
    enum = graph.post(
        url, json=event_body("x", "2026-11-27T10:00:00", "2026-11-27T11:00:00", showAs="asleep")
    )
    assert enum.status_code == 400 and enum.json()["error"]["code"] == "RequestBodyRead"
    assert env.app.events(env.tenant_id, env.user_id) == []


def test_it_pages_event_lists_with_top(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    for day in range(1, 6):
        create(graph, env, event_body(f"e{day}", f"2026-11-0{day}T09:00:00", f"2026-11-0{day}T10:00:00"))
    first = graph.get(f"{env.url}/v1.0/me/events", params={"$top": 2}).json()
    assert len(first["value"]) == 2
    subjects = [e["subject"] for e in first["value"]]
    url = first["@odata.nextLink"]
    while url:
        page = graph.get(url).json()
        subjects += [e["subject"] for e in page["value"]]
        url = page.get("@odata.nextLink")
    assert sorted(subjects) == ["e1", "e2", "e3", "e4", "e5"]
    calendar_id = graph.get(f"{env.url}/v1.0/me/calendars").json()["value"][0]["id"]
    alias = graph.get(f"{env.url}/v1.0/me/calendars/{calendar_id}/events", params={"$top": 50}).json()
    assert len(alias["value"]) == 5


# -- delta ----------------------------------------------------------------------------------------------
def test_it_pages_the_initial_delta_round_by_maxpagesize(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    inside = [
        create(graph, env, event_body(f"in{i}", f"2026-11-1{i}T09:00:00", f"2026-11-1{i}T10:00:00"))
        for i in range(5)
    ]
    create(graph, env, event_body("outside", "2027-01-05T09:00:00", "2027-01-05T10:00:00"))
    url = f"{env.url}/v1.0/me/calendarView/delta"
    first = graph.get(url, params=WINDOW, headers={"Prefer": "odata.maxpagesize=2"})
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=2"
    assert "$skiptoken=" in first.json()["@odata.nextLink"]
    pages, delta_link = follow_delta(graph, url, params=WINDOW, headers={"Prefer": "odata.maxpagesize=2"})
    assert [len(p) for p in pages] == [2, 2, 1]
    assert {e["id"] for p in pages for e in p} == {e["id"] for e in inside}
    assert "$deltatoken=" in delta_link
    empty, _ = follow_delta(graph, delta_link)
    assert empty == [[]]


def test_it_reports_incremental_changes_and_removals_in_delta(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    keep, change, drop, move = (
        create(graph, env, event_body(n, "2026-11-10T09:00:00", "2026-11-10T10:00:00"))
        for n in ("keep", "change", "drop", "move")
    )
    _, delta_link = follow_delta(graph, f"{env.url}/v1.0/me/calendarView/delta", params=WINDOW)

    events = f"{env.url}/v1.0/me/events"
    added = create(graph, env, event_body("added", "2026-11-20T09:00:00", "2026-11-20T10:00:00"))
    create(graph, env, event_body("elsewhere", "2027-02-01T09:00:00", "2027-02-01T10:00:00"))
    assert graph.patch(f"{events}/{change['id']}", json={"subject": "changed"}).status_code == 200
    assert graph.delete(f"{events}/{drop['id']}").status_code == 204
    moved = {
        "start": {"dateTime": "2027-03-01T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-03-01T10:00:00", "timeZone": "UTC"},
    }
    assert graph.patch(f"{events}/{move['id']}", json=moved).status_code == 200

    pages, next_delta = follow_delta(graph, delta_link)
    items = [e for p in pages for e in p]
    present = {e["id"]: e for e in items if "@removed" not in e}
    removed = {e["id"] for e in items if "@removed" in e}
    assert set(present) == {added["id"], change["id"]}
    assert present[change["id"]]["subject"] == "changed"
    assert removed == {drop["id"], move["id"]}
    assert all(e["@removed"] == {"reason": "deleted"} for e in items if "@removed" in e)
    assert keep["id"] not in present

    assert follow_delta(graph, next_delta)[0] == [[]]
    replay, _ = follow_delta(graph, delta_link)  # an old token still answers the same changes
    assert len([e for p in replay for e in p]) == 4


def test_it_answers_410_for_unknown_and_invalidated_delta_tokens(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    create(graph, env, event_body("a", "2026-11-10T09:00:00", "2026-11-10T10:00:00"))
    url = f"{env.url}/v1.0/me/calendarView/delta"
    garbage = graph.get(url, params={"$deltatoken": "not-a-token"})
    assert garbage.status_code == 410 and garbage.json()["error"]["code"] == "SyncStateNotFound"
    _, delta_link = follow_delta(graph, url, params=WINDOW)
    assert graph.get(delta_link).status_code == 200
    env.app.invalidate_delta_tokens(env.tenant_id)
    gone = graph.get(delta_link)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "SyncStateNotFound"
    assert graph.get(url).status_code == 400  # a fresh round needs its window


def test_it_expands_recurring_series_in_calendar_view_delta(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    weekly = {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]}
    series = standup_series(graph, env, "W. Europe Standard Time", weekly, 5)
    assert series["type"] == "seriesMaster"
    pages, _ = follow_delta(graph, f"{env.url}/v1.0/users/{env.user_id}/calendarView/delta", params=WINDOW)
    items = [e for p in pages for e in p]
    assert [e["type"] for e in items] == ["occurrence"] * 5
    assert {e["seriesMasterId"] for e in items} == {series["id"]}
    assert [e["start"]["dateTime"][:10] for e in items] == [
        "2026-11-02",
        "2026-11-04",
        "2026-11-09",
        "2026-11-11",
        "2026-11-16",
    ]
    assert items[0]["start"]["dateTime"] == "2026-11-02T08:00:00.0000000"  # 09:00 CET
    one = graph.get(f"{env.url}/v1.0/me/events/{items[1]['id']}").json()
    assert one["seriesMasterId"] == series["id"] and one["type"] == "occurrence"


def test_it_changes_and_cancels_single_occurrences_as_exceptions_of_the_series(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    series = standup_series(graph, env, "UTC", {"type": "daily", "interval": 1}, 4)
    url = f"{env.url}/v1.0/users/{env.user_id}/calendarView/delta"
    pages, delta_link = follow_delta(graph, url, params=WINDOW)
    first, second, third, fourth = [e for p in pages for e in p]

    moved = graph.patch(
        f"{env.url}/v1.0/me/events/{second['id']}",
        json={
            "subject": "Standup (moved)",
            "start": {"dateTime": "2026-11-03T11:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-11-03T11:15:00", "timeZone": "UTC"},
        },
    )
    cancelled = graph.delete(f"{env.url}/v1.0/me/events/{third['id']}")
    pages, _ = follow_delta(graph, delta_link)
    changes = [e for p in pages for e in p]

    assert moved.status_code == 200 and moved.json()["type"] == "exception"
    assert cancelled.status_code == 204
    by_id = {e["id"]: e for e in changes}
    assert set(by_id) == {second["id"], third["id"]}, "only the changed and cancelled occurrences"
    assert by_id[second["id"]]["subject"] == "Standup (moved)"
    assert by_id[second["id"]]["start"]["dateTime"].startswith("2026-11-03T11:00:00")
    assert by_id[second["id"]]["iCalUId"] == second["iCalUId"], "an exception keeps its occurrence's iCalUId"
    assert "@removed" in by_id[third["id"]]
    assert graph.get(f"{env.url}/v1.0/me/events/{third['id']}").status_code == 404
    untouched = graph.get(f"{env.url}/v1.0/me/events/{fourth['id']}").json()
    assert (untouched["subject"], untouched["type"]) == ("Standup", "occurrence")
    assert graph.get(f"{env.url}/v1.0/me/events/{series['id']}").json()["subject"] == "Standup"
    assert first["id"] != second["id"]


# -- batch, faults, log ---------------------------------------------------------------------------------
def test_it_runs_batches_of_twenty_shuffled_with_a_throttled_item(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    created = [
        create(graph, env, event_body(f"b{i}", "2026-11-10T09:00:00", "2026-11-10T10:00:00"))
        for i in range(19)
    ]
    env.app.clear()
    env.app.add_fault(status=429, retry_after=7, count=1, path=f"/events/{created[3]['id']}$")
    requests_ = [
        {"id": str(i), "method": "GET", "url": f"/me/events/{e['id']}"} for i, e in enumerate(created)
    ]
    requests_.append(
        {
            "id": "new",
            "method": "POST",
            "url": "/me/events",
            "headers": {"Content-Type": "application/json"},
            "body": event_body("from batch", "2026-11-11T09:00:00", "2026-11-11T10:00:00"),
        }
    )
    response = graph.post(f"{env.url}/v1.0/$batch", json={"requests": requests_})
    assert response.status_code == 200
    answers = response.json()["responses"]
    assert [a["id"] for a in answers] != [r["id"] for r in requests_]
    by_id = {a["id"]: a for a in answers}
    assert set(by_id) == {r["id"] for r in requests_}
    assert by_id["3"]["status"] == 429 and by_id["3"]["headers"]["Retry-After"] == "7"
    assert by_id["3"]["body"]["error"]["code"] == "TooManyRequests"
    assert all(by_id[str(i)]["status"] == 200 for i in range(19) if i != 3)
    assert by_id["5"]["body"]["subject"] == "b5"
    assert by_id["new"]["status"] == 201
    assert len(env.app.requests(tenant=env.tenant_id, kind="api")) == 1
    assert len(env.app.requests(tenant=env.tenant_id, kind="batch-item")) == 20


def test_it_rejects_batches_over_twenty_requests(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    requests_ = [{"id": str(i), "method": "GET", "url": "/me/events"} for i in range(21)]
    response = graph.post(f"{env.url}/v1.0/$batch", json={"requests": requests_})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Number of requests exceeds the limit of 20."


def test_it_answers_injected_faults_in_graph_shape(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    env.app.add_fault(status=503, retry_after=2, count=1, path=r"^/v1\.0/me/events$")
    first = graph.get(f"{env.url}/v1.0/me/events")
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    error = first.json()["error"]
    assert error["code"] == "ServiceNotAvailable" and set(error["innerError"]) == {
        "date",
        "request-id",
        "client-request-id",
    }
    assert graph.get(f"{env.url}/v1.0/me/events").status_code == 200
    assert [e["status"] for e in env.app.requests(tenant=env.tenant_id, kind="api")] == [503, 200]


def test_it_counts_requests_per_tenant(env: Env, graph_server: SandboxServer) -> None:
    app: GraphSandbox = graph_server.app
    other_tenant = app.create_tenant()["id"]
    app.register_app(other_tenant, env.client_id, env.secret)
    other_user = app.create_user(other_tenant, "grace@fabrikam.example", "Grace Hopper")["id"]
    mine = env.graph(env.delegated_token()["access_token"])
    token = app.issue_refresh_token(other_tenant, other_user, env.client_id)
    theirs_app = msal.ConfidentialClientApplication(
        env.client_id,
        client_credential=env.secret,
        authority=f"{env.url}/{other_tenant}",
        instance_discovery=False,
        http_client=env.session(),
    )
    theirs = env.graph(theirs_app.acquire_token_by_refresh_token(token, CALENDAR_SCOPES)["access_token"])
    for _ in range(3):
        mine.get(f"{env.url}/v1.0/me/events")
    theirs.get(f"{env.url}/v1.0/me/events")
    assert len(app.requests(tenant=env.tenant_id, kind="api")) == 3
    assert len(app.requests(tenant=other_tenant, kind="api")) == 1
    assert [e["user"] for e in app.requests(tenant=other_tenant, kind="api")] == [other_user]
    assert len(app.requests(tenant=other_tenant, kind="token")) == 2  # discovery + token
    forbidden = theirs.get(f"{env.url}/v1.0/users/{env.user_id}/events")
    assert forbidden.status_code == 404  # another tenant's user does not exist here


def test_it_offers_the_python_api_as_control_endpoints(
    graph_server: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox_ca.ca_path)
    base = f"{graph_server.url}/_sandbox"
    tenant = session.post(f"{base}/tenants", json={"domain": "ctl.example"}).json()
    assert (
        session.post(
            f"{base}/tenants/{tenant['id']}/apps", json={"client_id": "c1", "client_secret": "s1"}
        ).status_code
        == 201
    )
    user = session.post(
        f"{base}/tenants/{tenant['id']}/users",
        json={"mail": "u@ctl.example", "display_name": "U", "password": "p"},
    ).json()
    refresh = session.post(
        f"{base}/tenants/{tenant['id']}/users/{user['id']}/refresh-token", json={"client_id": "c1"}
    ).json()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": "c1",
        "client_secret": "s1",
        "scope": "https://graph.microsoft.com/Calendars.ReadWrite offline_access",
    }
    token_url = f"{graph_server.url}/{tenant['id']}/oauth2/v2.0/token"
    tokens = session.post(token_url, data=form).json()
    assert set(tokens) >= {"access_token", "refresh_token", "id_token", "client_info", "scope", "expires_in"}
    assert json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "==")) == {
        "uid": user["id"],
        "utid": tenant["id"],
    }
    assert session.post(f"{base}/expire-tokens", json={"tenant_id": tenant["id"]}).status_code == 200
    me = session.get(
        f"{graph_server.url}/v1.0/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 401
    assert session.post(f"{base}/tenants/{tenant['id']}/users/{user['id']}/revoke").status_code == 200
    assert session.post(token_url, data=form).json()["error"] == "invalid_grant"
    seeded = session.post(
        f"{base}/tenants/{tenant['id']}/users/{user['id']}/events",
        json=event_body("seeded", "2026-11-10T09:00:00", "2026-11-10T10:00:00"),
    )
    assert seeded.status_code == 201
    listed = session.get(f"{base}/tenants/{tenant['id']}/users/{user['id']}/events").json()["value"]
    assert [e["subject"] for e in listed] == ["seeded"]
    assert graph_server.app.requests(tenant=tenant["id"], kind="api")[0]["status"] == 401


# -- extended properties -------------------------------------------------------------------------------
STAMP = "String {00020329-0000-0000-C000-000000000046} Name MailSyncKey"


def test_it_keeps_extended_properties_hidden_unless_expanded_and_filters_by_them(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    for key in ("k1", "k2"):
        props = [{"id": STAMP, "value": key}]
        create(
            graph,
            env,
            event_body(
                key, "2026-11-03T09:00:00", "2026-11-03T10:00:00", singleValueExtendedProperties=props
            ),
        )
    plain = create(graph, env, event_body("plain", "2026-11-03T09:00:00", "2026-11-03T10:00:00"))
    assert "singleValueExtendedProperties" not in plain

    def listed(**query: str) -> list[dict[str, Any]]:
        response = graph.get(f"{env.url}/v1.0/me/events", params=query)
        assert response.status_code == 200, response.text
        return response.json()["value"]

    found = listed(
        **{
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{STAMP}' and ep/value eq 'k2')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{STAMP}')",
        }
    )
    assert [(e["subject"], e["singleValueExtendedProperties"]) for e in found] == [
        ("k2", [{"id": STAMP, "value": "k2"}])
    ]
    either = f"singleValueExtendedProperties/Any(ep: ep/id eq '{STAMP}' and ep/value eq 'k1')"
    either += f" or singleValueExtendedProperties/Any(ep: ep/id eq '{STAMP}' and ep/value eq 'k2')"
    assert sorted(e["subject"] for e in listed(**{"$filter": either})) == ["k1", "k2"]
    assert all("singleValueExtendedProperties" not in e for e in listed())
    refused = graph.get(f"{env.url}/v1.0/me/events", params={"$filter": "subject eq 'k1'"})
    assert refused.status_code == 400, "a filter the sandbox cannot evaluate is refused, never ignored"


def test_it_adds_extended_properties_on_update_and_keeps_the_others(env: Env) -> None:
    graph = env.graph(env.delegated_token()["access_token"])
    other = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color"
    body = event_body("e", "2026-11-03T09:00:00", "2026-11-03T10:00:00")
    made = create(graph, env, {**body, "singleValueExtendedProperties": [{"id": STAMP, "value": "k1"}]})
    patched = graph.patch(
        f"{env.url}/v1.0/me/events/{made['id']}",
        json={"singleValueExtendedProperties": [{"id": other, "value": "Green"}]},
    )
    assert patched.status_code == 200, patched.text

    for prop, value in ((STAMP, "k1"), (other, "Green")):
        got = graph.get(
            f"{env.url}/v1.0/me/events/{made['id']}",
            params={"$expand": f"singleValueExtendedProperties($filter=id eq '{prop}')"},
        ).json()
        assert got["singleValueExtendedProperties"] == [{"id": prop, "value": value}]
    bad = graph.post(
        f"{env.url}/v1.0/me/events",
        json={**body, "singleValueExtendedProperties": [{"id": "not an id", "value": "x"}]},
    )
    assert bad.status_code == 400
