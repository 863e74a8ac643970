"""The OAuth 2.0 authorization-code grant with PKCE, for the providers we speak to directly (Google,
Salesforce): the consent URL, the code exchange at the token endpoint, and the words for a refusal.

Each provider is an ``AuthCodeClient`` built from settings when it is used, so its endpoints are
always the configured ones, never a host taken from the request or from the provider's answer.
Microsoft runs the same grant through msal (onboarding/microsoft.py) and shares ``declined``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from onboarding import http
from onboarding.errors import OnboardingError


@dataclass(frozen=True)
class AuthCodeClient:
    provider: str  # as people know it, in messages
    authorize_endpoint: str
    token_endpoint: str
    client_id: str
    client_secret: str
    scope: str
    consent_options: Mapping[str, str] = field(default_factory=dict)  # the provider's own parameters


@dataclass(frozen=True)
class ConsentRequest:
    """What one start asks the provider for: where to answer, our state, the PKCE challenge."""

    redirect_uri: str
    state: str
    challenge: str  # empty where msal makes its own, or no code is exchanged


def authorize_url(client: AuthCodeClient, consent: ConsentRequest, *, login_hint: str = "") -> str:
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": consent.redirect_uri,
        "scope": client.scope,
        "state": consent.state,
        "code_challenge": consent.challenge,
        "code_challenge_method": "S256",
        **client.consent_options,
    }
    if login_hint:
        query["login_hint"] = login_hint
    return f"{client.authorize_endpoint}?{urlencode(query)}"


def exchange_code(
    client: AuthCodeClient, *, answer: dict[str, str], redirect_uri: str, verifier: str
) -> dict[str, Any]:
    """The token response for the answer's code (the state was checked by the callback already)."""
    if not answer.get("code"):
        raise OnboardingError(f"{client.provider} access was not granted (no code). Nothing was changed.")
    data = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    try:
        response = http.session().post(
            client.token_endpoint, data=data, headers={"Accept": "application/json"}
        )
    except requests.RequestException as error:
        raise OnboardingError(
            f"{client.provider} cannot be reached ({type(error).__name__}); try again."
        ) from error
    return _token_answer(response, client.provider)


def _token_answer(response: requests.Response, provider: str) -> dict[str, Any]:
    """A token endpoint's JSON body, or an OnboardingError with the provider's own reason."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        reason = body.get("error_description") or body.get("error") if isinstance(body, dict) else ""
        raise OnboardingError(
            f"{provider} did not accept the sign-in (HTTP {response.status_code}: {str(reason)[:200]}). "
            "Try again."
        )
    return body


def token_credentials(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The credentials we keep from a token answer with a refresh token: both tokens, when the
    access token expires (an hour when the answer does not say), when the person signed in, and
    when the refresh token ends if the provider says (Google's ``refresh_token_expires_in``; the
    notices read it, see notify/expiry.py)."""
    now = time.time()
    credentials: dict[str, Any] = {
        "refresh_token": answer["refresh_token"],
        "access_token": answer["access_token"],
        "expires_at": now + float(answer.get("expires_in", 3600)),
        "signed_in_at": now,
    }
    if answer.get("refresh_token_expires_in"):
        credentials["refresh_expires_at"] = now + float(answer["refresh_token_expires_in"])
    return credentials


def declined(provider: str, answer: Mapping[str, Any]) -> str:
    """What to tell the person when the provider answers with an error instead of a code."""
    code = str(answer.get("error", "unknown_error"))
    description = str(answer.get("error_description", "")).split(" Trace ID:")[0][:200]
    if code in ("access_denied", "consent_required"):
        return f"{provider} access was not granted ({description or code}). Nothing was changed."
    return f"{provider} sign-in failed ({code}: {description}). Try again."
