"""Re-encrypting every secret at rest with the newest key of FIELD_ENCRYPTION_KEYS.

Rotation: prepend a new key, deploy, run ``manage.py rotate_encryption_keys``, then drop the old
key. Values are read and written as raw Fernet tokens (``MultiFernet.rotate``), so the plain text
never leaves this module, and a row changed meanwhile (a token refreshed by a session) is skipped
by its conditional UPDATE and counted, never overwritten with stale data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.db.models.lookups import Exact

from syncengine.crypto import EncryptedJSONField, fernet, newest_key


@dataclass
class RotationReport:
    # "model.field" -> {"rotated": n, "current": n, "empty": n, "unreadable": n, "changed": n}
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedJSONField]]:
    """Every encrypted column of every installed model (new providers' fields included)."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedJSONField):
                found.append((model, model_field))
    return found


def rotate_all(*, dry_run: bool = False, batch_size: int = 500) -> RotationReport:
    report = RotationReport()
    for model, model_field in encrypted_fields():
        label = f"{model._meta.label}.{model_field.name}"
        report.counts[label] = _rotate_field(model, model_field, dry_run=dry_run, batch_size=batch_size)
    return report


def _raw(model_field: EncryptedJSONField) -> Cast:
    # Cast to plain text: the field's from_db_value (which decrypts) is not applied.
    return Cast(model_field.attname, output_field=models.TextField())


def _rotate_field(
    model: type[models.Model], model_field: EncryptedJSONField, *, dry_run: bool, batch_size: int
) -> Counter[str]:
    counts: Counter[str] = Counter()
    newest, keys = newest_key(), fernet()
    rows = model._default_manager.annotate(_raw_secret=_raw(model_field)).values_list("pk", "_raw_secret")
    for pk, raw in rows.order_by("pk").iterator(chunk_size=batch_size):
        if not raw:
            counts["empty"] += 1
            continue
        try:
            newest.decrypt(raw.encode("ascii"))
            counts["current"] += 1
            continue
        except InvalidToken:
            pass
        try:
            rotated = keys.rotate(raw.encode("ascii")).decode("ascii")
        except InvalidToken:
            counts["unreadable"] += 1  # no configured key opens it: left as it is
            continue
        if dry_run:
            counts["rotated"] += 1
            continue
        updated = (
            model._default_manager.filter(pk=pk)
            .filter(Exact(_raw(model_field), raw))
            .update(**{model_field.attname: models.Value(rotated, output_field=models.TextField())})
        )
        counts["rotated" if updated else "changed"] += 1
    return counts
