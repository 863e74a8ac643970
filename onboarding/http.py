"""The outbound HTTP session onboarding uses: the configured CA bundle and timeout, no proxy variables."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from connectors.http import make_session
from onboarding.errors import OnboardingError


def session() -> requests.Session:
    return make_session(ca_bundle=settings.OUTBOUND_CA_BUNDLE, timeout=settings.HTTP_TIMEOUT_SECONDS)


def oauth_answer(response: requests.Response, provider: str) -> dict[str, Any]:
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


def post_form(url: str, data: dict[str, str], provider: str) -> dict[str, Any]:
    try:
        response = session().post(url, data=data, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise OnboardingError(f"{provider} cannot be reached ({type(error).__name__}); try again.") from error
    return oauth_answer(response, provider)
