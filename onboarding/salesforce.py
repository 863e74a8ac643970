"""Salesforce: the OAuth 2.0 web server flow (with PKCE) that yields a refresh token.

The token response names the org's ``instance_url`` and the identity URL ``id``
(``.../id/<org id>/<user id>``); the identity URL, read with the new access token, gives the
username shown on the dashboard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from connectors.salesforce.hosts import host_accepted
from onboarding import http, oauth
from onboarding.errors import OnboardingError
from syncengine.services.connectors import salesforce_instance_domains

PROVIDER = "Salesforce"


@dataclass(frozen=True)
class SalesforceGrant:
    instance_url: str
    org_id: str
    user_id: str
    username: str
    credentials: dict[str, str]


def client() -> oauth.AuthCodeClient:
    login = settings.SALESFORCE_LOGIN_URL.rstrip("/")
    return oauth.AuthCodeClient(
        provider=PROVIDER,
        authorize_endpoint=f"{login}/services/oauth2/authorize",
        token_endpoint=f"{login}/services/oauth2/token",
        client_id=settings.SALESFORCE_CLIENT_ID,
        client_secret=settings.SALESFORCE_CLIENT_SECRET,
        scope=settings.SALESFORCE_OAUTH_SCOPES,
    )


def exchange(*, answer: dict[str, str], redirect_uri: str, verifier: str) -> SalesforceGrant:
    body = oauth.exchange_code(client(), answer=answer, redirect_uri=redirect_uri, verifier=verifier)
    if not body.get("refresh_token") or not body.get("instance_url"):
        raise OnboardingError(
            "Salesforce gave no refresh token: the connected app must allow the 'refresh_token' scope."
        )
    for url in (str(body["instance_url"]), str(body.get("id", ""))):
        if not instance_host_accepted(url):
            named = urlsplit(url).hostname or url
            raise OnboardingError(
                f"Salesforce's answer named a host outside Salesforce ({named}); "
                "the sign-in was not kept. Ask your administrator to check SALESFORCE_LOGIN_URL."
            )
    org_id, user_id = _ids(str(body.get("id", "")))
    identity = _identity(str(body["id"]), str(body["access_token"]))
    return SalesforceGrant(
        instance_url=str(body["instance_url"]).rstrip("/"),
        org_id=str(identity.get("organization_id") or org_id),
        user_id=str(identity.get("user_id") or user_id),
        username=str(identity.get("username", "")),
        # When the person signed in: a connected app may end refresh tokens N days after (notify/).
        credentials={
            "access_token": body["access_token"],
            "refresh_token": body["refresh_token"],
            "signed_in_at": time.time(),
        },
    )


def instance_host_accepted(url: str) -> bool:
    return host_accepted(url, login_url=settings.SALESFORCE_LOGIN_URL, domains=salesforce_instance_domains())


def _ids(identity_url: str) -> tuple[str, str]:
    parts = [p for p in urlsplit(identity_url).path.split("/") if p]
    if len(parts) < 3 or parts[-3] != "id":
        raise OnboardingError("Salesforce did not say which user signed in; try again.")
    return parts[-2], parts[-1]


def _identity(identity_url: str, access_token: str) -> dict[str, Any]:
    try:
        response = http.session().get(identity_url, headers={"Authorization": f"Bearer {access_token}"})
    except requests.RequestException as error:
        raise OnboardingError(f"Salesforce cannot be reached ({type(error).__name__}); try again.") from error
    if response.status_code != 200:
        raise OnboardingError(f"Salesforce did not show the signed-in user (HTTP {response.status_code}).")
    return dict(response.json())
