"""Encryption at rest for tokens and other secrets (MultiFernet: rotate by prepending a key)."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _keys(keys: tuple[str, ...], secret_key: str, derived_key: bool) -> tuple[Fernet, ...]:
    configured = tuple(Fernet(k.encode()) for k in keys)
    if not derived_key:
        return configured
    derived = hashlib.sha256(b"syncengine-field-encryption:" + secret_key.encode()).digest()
    # The key derived from SECRET_KEY stays last, for reading only once keys are configured: what
    # was stored before FIELD_ENCRYPTION_KEYS was set stays readable until rotate_encryption_keys,
    # after which FIELD_ENCRYPTION_DERIVED_KEY=off retires it.
    return (*configured, Fernet(base64.urlsafe_b64encode(derived)))


def _configured() -> tuple[Fernet, ...]:
    found = _keys(
        tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY, settings.FIELD_ENCRYPTION_DERIVED_KEY
    )
    if not found:
        raise ValueError("no encryption key: set FIELD_ENCRYPTION_KEYS (see README, 'Keys')")
    return found


def fernet() -> MultiFernet:
    """Encrypts with the newest key, decrypts with any configured one."""
    return MultiFernet(list(_configured()))


def newest_key() -> Fernet:
    """The key new values are encrypted with (what a rotation re-encrypts to)."""
    return _configured()[0]


def encrypt_text(plain: str) -> str:
    return fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from error


class Unreadable(dict[str, Any]):
    """A stored secret none of the configured keys opens (a key lost or changed): empty to read, and
    written back unchanged, so restoring the key makes it readable again. Whoever needs the secret
    checks ``is_unreadable`` and asks the person to reconnect; no page fails over it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token


def is_unreadable(value: object) -> bool:
    return isinstance(value, Unreadable)


class EncryptedJSONField(models.TextField):
    """A JSON value stored as one Fernet token; the database never sees the plain text."""

    description = "JSON encrypted at rest"
    if TYPE_CHECKING:  # what the model attribute holds: a JSON value (a dict), not text
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return {}
        try:
            return json.loads(decrypt_text(value))
        except ValueError:
            return Unreadable(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("gAAAAA"):
            try:
                return json.loads(decrypt_text(value))
            except ValueError:
                return Unreadable(value)
        return value if value not in (None, "") else {}

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, Unreadable):
            return value.token
        return encrypt_text(json.dumps(value or {}, sort_keys=True))

    def value_to_string(self, obj: Any) -> str:
        return "<encrypted>"  # never leak secrets through dumpdata or serializers
