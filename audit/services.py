"""Recording staff changes: what a row held before and after, secrets reduced to "changed"."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEntry
from syncengine.crypto import EncryptedJSONField
from syncengine.models import Organization

SECRET_NAMES = ("password", "secret", "token", "credentials")


def _is_secret(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, EncryptedJSONField) or any(n in field.name for n in SECRET_NAMES)


def snapshot(obj: models.Model) -> dict[str, object]:
    """The row's plain values (foreign keys as ids), secrets as a marker that only says "set"."""
    values: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        raw = getattr(obj, field.attname)
        if _is_secret(field):
            values[field.name] = "<secret>" if raw else ""
        else:
            values[field.name] = field.value_to_string(obj)
    return values


def changes_between(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def audit_record(
    *,
    actor: Any,
    organization_id: int | None,
    action: str,
    obj: models.Model,
    changes: dict[str, list[object]],
    source: str = "admin",
) -> AuditEntry:
    organization_name = (
        Organization.objects.filter(pk=organization_id).values_list("name", flat=True).first() or ""
        if organization_id is not None
        else ""
    )
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        organization_id=organization_id,
        organization_name=organization_name,
        source=source,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
    )
