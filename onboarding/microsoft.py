"""Microsoft 365: the authorization-code flow with PKCE through msal, and tenant-wide admin consent.

msal makes the PKCE verifier and ``nonce`` (``initiate_auth_code_flow``, with our ``state``) and checks
them on the way back (``acquire_token_by_auth_code_flow``); the flow dict waits in the Django session.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msal
import requests
from django.conf import settings

from onboarding import http, oauth
from onboarding.errors import OnboardingError

PROVIDER = "Microsoft 365"


@dataclass(frozen=True)
class MicrosoftAccount:
    tenant_id: str
    user_id: str
    address: str
    credentials: dict[str, Any]


def _identity(tenant: str) -> msal.ConfidentialClientApplication:
    try:
        return msal.ConfidentialClientApplication(
            settings.GRAPH_CLIENT_ID,
            client_credential=settings.GRAPH_CLIENT_SECRET,
            authority=f"{settings.GRAPH_AUTHORITY_HOST.rstrip('/')}/{tenant}",
            instance_discovery=False,
            http_client=http.session(),
        )
    except (ValueError, requests.RequestException) as error:  # discovery failed: bad tenant, no network
        raise OnboardingError(
            f"The Microsoft sign-in service cannot be reached ({type(error).__name__}); try again later."
        ) from error


def begin(*, redirect_uri: str, state: str, login_hint: str = "") -> dict[str, Any]:
    """A new flow with our ``state``; send the browser to its ``auth_uri``, keep the dict for ``finish``.

    The answer comes back in the query, not as form_post (which msal suggests): a cross-site POST
    carries no SameSite=Lax session cookie, so the callback could not find the flow or the user.
    The code in the query is single use and bound to msal's PKCE verifier: a leaked URL is worthless.
    """
    identity = _identity(settings.GRAPH_AUTHORITY_TENANT)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
        return identity.initiate_auth_code_flow(
            scopes=list(settings.GRAPH_SCOPES),
            redirect_uri=redirect_uri,
            state=state,
            login_hint=login_hint or None,
            prompt="select_account",
            response_mode="query",
        )


def finish(*, flow: dict[str, Any], answer: dict[str, str]) -> MicrosoftAccount:
    """The signed-in account, from an answer whose state and error the callback checked already."""
    try:
        result = _identity(settings.GRAPH_AUTHORITY_TENANT).acquire_token_by_auth_code_flow(
            flow, answer, scopes=list(settings.GRAPH_SCOPES)
        )
    except ValueError as error:  # msal: state mismatch or a nonce that is not ours
        raise OnboardingError("This Microsoft answer does not match our request: start again.") from error
    except requests.RequestException as error:
        raise OnboardingError(f"Microsoft cannot be reached ({type(error).__name__}); try again.") from error
    if "access_token" not in result or not result.get("refresh_token"):
        raise OnboardingError(oauth.declined(PROVIDER, result))
    claims = result.get("id_token_claims") or {}
    address = str(claims.get("preferred_username") or claims.get("email") or "").strip().lower()
    if not claims.get("tid") or not claims.get("oid") or "@" not in address:
        raise OnboardingError("Microsoft did not say which mailbox signed in; try again.")
    return MicrosoftAccount(
        tenant_id=str(claims["tid"]),
        user_id=str(claims["oid"]),
        address=address,
        credentials=oauth.token_credentials(result),
    )


def admin_consent_url(*, redirect_uri: str, state: str) -> str:
    """The v2.0 admin consent endpoint: an admin grants the app's application permissions org-wide."""
    query = {
        "client_id": settings.GRAPH_CLIENT_ID,
        "scope": " ".join(settings.GRAPH_APP_SCOPES),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    host = settings.GRAPH_AUTHORITY_HOST.rstrip("/")
    return f"{host}/{settings.GRAPH_AUTHORITY_TENANT}/v2.0/adminconsent?{urlencode(query)}"


def verify_admin_consent(*, tenant_id: str) -> None:
    """Ask for a client-credentials token in the consenting tenant: it works only with consent."""
    result = _client_credentials(tenant_id)
    if "access_token" not in result:
        raise OnboardingError(oauth.declined(PROVIDER, result))


def app_only_token(*, tenant_id: str) -> str:
    """A client-credentials token for the tenant (it exists only while the admin consent holds)."""
    result = _client_credentials(tenant_id)
    if "access_token" not in result:
        reason = str(result.get("error_description", "")).split(" Trace ID:")[0][:200]
        raise OnboardingError(
            "Microsoft 365 refuses the app's own access to your tenant: the admin consent was revoked "
            f"or the app disabled. Grant admin consent again. ({result.get('error')}: {reason})"
        )
    return str(result["access_token"])


def _client_credentials(tenant_id: str) -> dict[str, Any]:
    try:
        return _identity(tenant_id).acquire_token_for_client(scopes=list(settings.GRAPH_APP_SCOPES))
    except requests.RequestException as error:
        raise OnboardingError(f"Microsoft cannot be reached ({type(error).__name__}); try again.") from error
