"""Connecting a Google account: the consent page in the sandbox, the code exchange, then the connector."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.base import ConnectorError
from connectors.google.connector import GoogleConnector
from connectors.google.oauth import ONBOARDING_SCOPES, authorization_url, exchange_code
from sandbox.fixtures_google import GoogleAccount
from tests.connectors.test_google import WINDOW, Rep

REDIRECT = "https://sync.example/oauth/google/callback"


def consent(rep: Rep, url: str, scopes: tuple[str, ...] | None = None) -> dict[str, str]:
    """The user's browser: open the consent page, (untick scopes), press Allow, follow nothing."""
    browser = requests.Session()
    browser.trust_env, browser.verify = False, rep.account.ca_path
    page = browser.get(url)
    assert page.status_code == 200 and ">Allow</button>" in page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    email = re.search(r'name="email" value="([^"]*)"', page.text)
    assert email is not None and email.group(1) in ("", rep.account.email)  # the login hint, prefilled
    if scopes is not None:
        form["scope"] = " ".join(scopes)  # Google lets the user untick permissions
    answer = browser.post(
        url.split("?")[0],
        data={**form, "email": rep.account.email, "decision": "allow"},
        allow_redirects=False,
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


def test_it_connects_an_account_through_the_consent_page_and_then_syncs_with_it(rep: Rep):
    config = rep.config(auth_url=f"{rep.account.server.url}/o/oauth2/v2/auth")
    url = authorization_url(config, redirect_uri=REDIRECT, state="s-123", login_hint=rep.account.email)
    query = parse_qs(urlsplit(url).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["scope"] == [" ".join(ONBOARDING_SCOPES)]
    answer = consent(rep, url)
    assert answer["state"] == "s-123"
    account, credentials = exchange_code(config, code=answer["code"], redirect_uri=REDIRECT)
    assert account == {"email": rep.account.email, "sub": rep.account.user_id}
    assert credentials["refresh_token"] and credentials["access_token"]
    rep.add_event("After onboarding", days=1)
    connector = GoogleConnector(config, account, credentials)
    assert [c.label for c in connector.read_changes(stream="events", cursor="", window=WINDOW).changes] == [
        "After onboarding"
    ]
    assert connector.token_calls == 0  # the access token from the exchange is used as it is
    with pytest.raises(ConnectorError) as reused:
        exchange_code(config, code=answer["code"], redirect_uri=REDIRECT)
    assert reused.value.code == "MAIL_AUTH_FAILED" and reused.value.permanent


def test_it_names_a_permission_the_user_did_not_grant(rep: Rep):
    config = rep.config(auth_url=f"{rep.account.server.url}/o/oauth2/v2/auth")
    url = authorization_url(config, redirect_uri=REDIRECT, state="s")
    granted = tuple(s for s in ONBOARDING_SCOPES if not s.endswith("/tasks"))
    account, credentials = exchange_code(
        config, code=consent(rep, url, granted)["code"], redirect_uri=REDIRECT
    )
    connector = GoogleConnector(config, account, credentials)
    connector.read_changes(stream="events", cursor="", window=WINDOW)
    with pytest.raises(ConnectorError) as caught:
        connector.read_changes(stream="tasks", cursor="")
    assert caught.value.code == "MAIL_PERMISSION_MISSING" and caught.value.permanent
    assert "reconnect the mailbox" in caught.value.message
