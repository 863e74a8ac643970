"""The shared secret each channel carries (Graph clientState, Google channel token)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def secret_new() -> str:
    return secrets.token_urlsafe(32)  # 43 characters: within Graph's 128 and Google's 256 limits


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(given: str, stored_hash: str) -> bool:
    """Constant-time: a forger learns nothing from how long a refusal takes."""
    return hmac.compare_digest(secret_hash(given or ""), stored_hash)
