"""Google: the OAuth 2.0 web server flow with offline access (a refresh token) and PKCE.

``access_type=offline`` asks for a refresh token and ``prompt=consent`` makes Google issue a new
one even to a user who consented before (a reconnect). The ID token in the token response comes
straight from Google's token endpoint over TLS, so its claims (``sub``, ``email``) are read
without a signature check, as Google's OpenID Connect guide allows for this channel.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from onboarding import oauth
from onboarding.errors import OnboardingError

PROVIDER = "Google"


@dataclass(frozen=True)
class GoogleAccount:
    user_id: str
    address: str
    credentials: dict[str, Any]


def client() -> oauth.AuthCodeClient:
    return oauth.AuthCodeClient(
        provider=PROVIDER,
        authorize_endpoint=settings.GOOGLE_AUTH_URL,
        token_endpoint=settings.GOOGLE_TOKEN_URL,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scope=" ".join(settings.GOOGLE_OAUTH_SCOPES),
        consent_options={"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
    )


def exchange(*, answer: dict[str, str], redirect_uri: str, verifier: str) -> GoogleAccount:
    body = oauth.exchange_code(client(), answer=answer, redirect_uri=redirect_uri, verifier=verifier)
    if not body.get("refresh_token"):
        raise OnboardingError("Google gave no refresh token (offline access was not granted); try again.")
    claims = _claims(str(body.get("id_token", "")))
    address = str(claims.get("email", "")).strip().lower()
    if not claims.get("sub") or "@" not in address:
        raise OnboardingError("Google did not say which account signed in: the 'email' scope is needed.")
    return GoogleAccount(
        user_id=str(claims["sub"]),
        address=address,
        credentials={
            **oauth.token_credentials(body),
            "scopes": str(body.get("scope", " ".join(settings.GOOGLE_OAUTH_SCOPES))).split(),
        },
    )


def _claims(id_token: str) -> dict[str, Any]:
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
