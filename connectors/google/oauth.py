"""Connecting a Google account (onboarding): the consent page URL, the code exchange, who signed in.

The consent asks for offline access (a refresh token) and ``prompt=consent``, so Google sends a
refresh token even to a user who connected before. The result is what ``GoogleConnector`` takes:
``account`` {"email", "sub"} and ``credentials`` {"refresh_token", "access_token", "expires_at"}.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import requests

from connectors.base import ConnectorError
from connectors.google.connector import SCOPES, GoogleConfig
from connectors.http import make_session

ONBOARDING_SCOPES = (*SCOPES, "openid", "email")
DEFAULT_USERINFO_URL = "https://openidconnect.googleapis.com/v1/userinfo"


def authorization_url(config: GoogleConfig, *, redirect_uri: str, state: str, login_hint: str = "") -> str:
    params = {
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(ONBOARDING_SCOPES),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
    }
    if login_hint:
        params["login_hint"] = login_hint
    return f"{config.auth_url}?{urlencode(params)}"


def userinfo_url(config: GoogleConfig) -> str:
    return config.api_url.rstrip("/") + "/oauth2/v3/userinfo" if config.api_url else DEFAULT_USERINFO_URL


def exchange_code(
    config: GoogleConfig, *, code: str, redirect_uri: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """(account, credentials) for the code Google sent back to ``redirect_uri``."""
    session = make_session(ca_bundle=config.ca_bundle, timeout=config.timeout)
    try:
        answer = session.post(
            config.token_uri,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": config.client_id,
                "client_secret": config.client_secret,
            },
        )
        body = _json(answer)
        if answer.status_code != 200 or "access_token" not in body:
            raise ConnectorError(
                f"Google refused the sign-in ({body.get('error', answer.status_code)}: "
                f"{str(body.get('error_description') or '')[:160]}): start again.",
                permanent=True,
                code="MAIL_AUTH_FAILED",
            )
        if not body.get("refresh_token"):
            raise ConnectorError(
                "Google granted no offline access (no refresh token): remove the app's access in the Google "
                "Account and connect again.",
                permanent=True,
                code="MAIL_AUTH_FAILED",
            )
        who = session.get(userinfo_url(config), headers={"Authorization": f"Bearer {body['access_token']}"})
    except requests.RequestException as error:
        raise ConnectorError(
            f"Google unreachable: {type(error).__name__}", permanent=False, code="NETWORK"
        ) from error
    info = _json(who)
    if who.status_code != 200 or not info.get("email"):
        raise ConnectorError(
            "Google did not say which account signed in (the email permission is needed): connect again.",
            permanent=True,
            code="MAIL_AUTH_FAILED",
        )
    account = {"email": str(info["email"]).lower(), "sub": str(info.get("sub") or "")}
    credentials = {
        "refresh_token": body["refresh_token"],
        "access_token": body["access_token"],
        "expires_at": time.time() + float(body.get("expires_in", 3600)),
    }
    return account, credentials


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
