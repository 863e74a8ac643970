"""A Google account connected through the sandbox's consent page, then used by the connector."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from connectors.base import ConnectorError
from connectors.google.client import SCOPES
from connectors.google.connector import GoogleConnector
from sandbox.fixtures_google import GoogleAccount
from tests.support.connectors import WINDOW, Rep

REDIRECT = "https://sync.example/oauth/google/callback"


def browser(rep: Rep) -> requests.Session:
    session = requests.Session()
    session.trust_env, session.verify = False, rep.account.ca_path
    return session


def connect(rep: Rep, granted: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The user consents (unticking what is not in ``granted``), the app trades the code."""
    scopes = ("openid", "email", *SCOPES)
    query = {
        "client_id": rep.account.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": " ".join(scopes),
        "access_type": "offline",
        "prompt": "consent",
        "state": "s-1",
    }
    url = f"{rep.account.server.url}/o/oauth2/v2/auth?{urlencode(query)}"
    page = browser(rep).get(url)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form.update(
        scope=" ".join(granted), email=rep.account.email, decision="allow"
    )  # Google lets users untick
    answer = browser(rep).post(url.split("?")[0], data=form, allow_redirects=False)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = (
        browser(rep)
        .post(
            rep.account.token_uri,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": rep.account.client_id,
                "client_secret": rep.account.client_secret,
            },
        )
        .json()
    )
    credentials = {
        "refresh_token": token["refresh_token"],
        "access_token": token["access_token"],
        "expires_at": time.time() + token["expires_in"],
    }
    return {"email": rep.account.email}, credentials


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


def test_it_syncs_with_the_tokens_a_consent_gave_without_signing_in_again(rep: Rep):
    account, credentials = connect(rep, ("openid", "email", *SCOPES))
    rep.add_event("After onboarding", days=1)
    connector = GoogleConnector(rep.config(), account, credentials)
    changes = connector.read_changes(stream="events", cursor="", window=WINDOW)
    assert [c.label for c in changes.changes] == ["After onboarding"]
    assert connector.token_calls == 0  # the access token from the exchange is used as it is


def test_it_names_a_permission_the_user_did_not_grant(rep: Rep):
    account, credentials = connect(
        rep, tuple(s for s in ("openid", "email", *SCOPES) if not s.endswith("/tasks"))
    )
    connector = GoogleConnector(rep.config(), account, credentials)
    connector.read_changes(stream="events", cursor="", window=WINDOW)
    with pytest.raises(ConnectorError) as caught:
        connector.read_changes(stream="tasks", cursor="")
    assert caught.value.code == "MAIL_PERMISSION_MISSING" and caught.value.permanent
    assert "reconnect the mailbox" in caught.value.message
