"""A table's fixed values: a constant a new record gets in a field no mailbox field fills (pure).

An org admin types the value as text; it is checked against the field's describe when the table is
saved, and turned into the value Salesforce's REST API takes when the engine builds its rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

TEXT_TYPES = frozenset({"string", "textarea", "combobox", "email", "phone", "url", "encryptedstring"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
PICKLIST_TYPES = frozenset({"picklist", "multipicklist"})
FIXED_TYPES = TEXT_TYPES | NUMBER_TYPES | PICKLIST_TYPES | {"boolean", "date", "datetime", "reference"}
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def typed(text: str, crm_type: str) -> Any:
    """The REST value of a checked fixed value (ValueError if it does not fit the type)."""
    value = text.strip()
    if crm_type == "boolean":
        if value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ValueError("write true or false")
    if crm_type == "int":
        return int(value)
    if crm_type in NUMBER_TYPES:
        return float(value)
    if crm_type == "date":
        return date.fromisoformat(value).isoformat()
    if crm_type == "datetime":
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2025-01-31T09:00:00Z")
        return moment.isoformat()
    if crm_type == "reference" and not _ID.match(value):
        raise ValueError("give a Salesforce record id (15 or 18 characters)")
    return value


def check_fixed(text: str, field: Mapping[str, Any]) -> str:
    """What is wrong with ``text`` as the field's fixed value, in words; "" when it fits."""
    kind = str(field.get("type"))
    if not text.strip():
        return "give the value new records get"
    if kind not in FIXED_TYPES:
        return f"a {kind} field cannot take a fixed value"
    try:
        typed(text, kind)
    except ValueError as error:
        return f"'{text}' is not a {kind} value ({error})"
    length = int(field.get("length") or 0)
    if (kind in TEXT_TYPES or kind in PICKLIST_TYPES) and length and len(text.strip()) > length:
        return f"'{text}' is longer than the field's {length} characters"
    if kind in PICKLIST_TYPES and field.get("restrictedPicklist"):
        active = [str(v["value"]) for v in field.get("picklistValues", []) if v.get("active", True)]
        wanted = [v.strip() for v in text.split(";")] if kind == "multipicklist" else [text.strip()]
        unknown = [v for v in wanted if v not in active]
        if unknown:
            return f"'{';'.join(unknown)}' is not a value of the picklist (values: {', '.join(active)})"
    return ""
