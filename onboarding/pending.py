"""A flow in progress, kept in the user's Django session between "start" and "callback".

What it holds (state, nonce, PKCE verifier, which mailbox is being reconnected) protects the
callback against forged or replayed answers; it is taken out exactly once, so a callback URL
cannot be used twice.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "onboarding_pending"


def remember(request: HttpRequest, provider: str, flow: dict[str, Any]) -> None:
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending[provider] = flow  # a new start replaces an abandoned one
    request.session[SESSION_KEY] = pending


def take(request: HttpRequest, provider: str) -> dict[str, Any] | None:
    pending = dict(request.session.get(SESSION_KEY, {}))
    flow = pending.pop(provider, None)
    request.session[SESSION_KEY] = pending
    return flow


def new_state() -> str:
    return secrets.token_urlsafe(32)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge), as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")
