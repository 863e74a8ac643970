"""Deploy checks (``manage.py check --deploy``): what production must configure before it starts."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register("security", deploy=True)
def check_field_encryption_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Tokens at rest need keys of their own: the key derived from SECRET_KEY ties every stored token
    to SECRET_KEY, so rotating SECRET_KEY (as one does after a leak) would make them all unreadable."""
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set: tokens at rest would be encrypted with a key derived "
                "from SECRET_KEY.",
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` and set FIELD_ENCRYPTION_KEYS (README, 'Keys').",
                id="syncengine.E001",
            )
        ]
    messages: list[checks.CheckMessage] = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            messages.append(
                checks.Error(
                    f"FIELD_ENCRYPTION_KEYS entry {position} is not a Fernet key (32 url-safe base64 bytes).",
                    id="syncengine.E002",
                )
            )
    if settings.FIELD_ENCRYPTION_DERIVED_KEY:
        messages.append(
            checks.Warning(
                "The key derived from SECRET_KEY is still accepted for reading tokens at rest.",
                hint="Run `manage.py rotate_encryption_keys` (it moves every value onto "
                "FIELD_ENCRYPTION_KEYS), then set FIELD_ENCRYPTION_DERIVED_KEY=off.",
                id="syncengine.W001",
            )
        )
    return messages
