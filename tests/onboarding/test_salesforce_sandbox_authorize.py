"""The Salesforce sandbox's web server flow keeps Salesforce's rules: one use per code, the same
redirect_uri, the PKCE verifier, a registered client."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from sandbox.base import SandboxServer
from tests.support.onboarding import Consent
from tests.support.people import SF_CLIENT_ID, SF_CLIENT_SECRET

REDIRECT = "https://app.example/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def sf(salesforce_server: SandboxServer) -> dict[str, Any]:
    app = salesforce_server.app
    app.register_client(SF_CLIENT_ID, SF_CLIENT_SECRET)
    org = app.create_org("Web flow org")["id"]
    user = app.create_user(org, f"{org}@flow.example", "u@flow.example", "Una User")
    return {"server": salesforce_server, "org": org, "user": user}


def _authorize_url(server: SandboxServer, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": SF_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{server.url}/services/oauth2/authorize?{urlencode(query)}"


def _code(consent: Consent, sf: dict[str, Any]) -> str:
    location = consent.salesforce(_authorize_url(sf["server"]), sf["user"]["username"])
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def _redeem(consent: Consent, sf: dict[str, Any], code: str, **changes: str) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": SF_CLIENT_ID,
        "client_secret": SF_CLIENT_SECRET,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        **changes,
    }
    return consent.http.post(f"{sf['server'].url}/services/oauth2/token", data=data)


def test_it_trades_a_code_for_tokens_instance_url_and_identity(consent: Consent, sf: dict[str, Any]):
    answer = _redeem(consent, sf, _code(consent, sf))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["instance_url"] == sf["server"].url
    assert body["id"] == f"{sf['server'].url}/id/{sf['org']}/{sf['user']['id']}"
    assert body["refresh_token"] and body["access_token"]
    refreshed = consent.http.post(
        f"{sf['server'].url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": SF_CLIENT_ID,
            "client_secret": SF_CLIENT_SECRET,
        },
    )
    assert refreshed.status_code == 200, refreshed.text


def test_it_accepts_a_code_only_once(consent: Consent, sf: dict[str, Any]):
    code = _code(consent, sf)
    _redeem(consent, sf, code)

    again = _redeem(consent, sf, code)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}


def test_it_refuses_a_wrong_code_verifier(consent: Consent, sf: dict[str, Any]):
    answer = _redeem(consent, sf, _code(consent, sf), code_verifier="w" * 64)

    assert answer.status_code == 400
    assert answer.json()["error_description"] == "invalid code verifier"


def test_it_refuses_another_redirect_uri(consent: Consent, sf: dict[str, Any]):
    answer = _redeem(consent, sf, _code(consent, sf), redirect_uri="https://evil.example/cb")

    assert answer.status_code == 400
    assert answer.json()["error"] == "redirect_uri_mismatch"


def test_it_refuses_a_wrong_client_secret(consent: Consent, sf: dict[str, Any]):
    answer = _redeem(consent, sf, _code(consent, sf), client_secret="nope")

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"


def test_it_shows_the_login_form_again_after_a_wrong_password(consent: Consent, sf: dict[str, Any]):
    url = _authorize_url(sf["server"])
    page = consent.submit(url, consent.page(url), username=sf["user"]["username"], pw="wrong", action="login")

    assert page.status_code == 200
    assert "Please check your username and password" in page.text


def test_it_refuses_an_unknown_client_on_its_page(consent: Consent, sf: dict[str, Any]):
    response = consent.http.get(_authorize_url(sf["server"], client_id="unknown"))

    assert response.status_code == 400
    assert "client identifier invalid" in response.text


def test_it_refuses_a_callback_the_connected_app_does_not_list(consent: Consent, sf: dict[str, Any]):
    sf["server"].app.web_server_flow.callbacks[SF_CLIENT_ID] = ["https://app.example/other"]
    try:
        response = consent.http.get(_authorize_url(sf["server"]))
    finally:
        sf["server"].app.web_server_flow.callbacks.pop(SF_CLIENT_ID)

    assert response.status_code == 400
    assert "redirect_uri must match configuration" in response.text
