"""Graph contact JSON <-> neutral contact values (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.neutral.items import json_change
from syncengine.core.records import ItemChange

SIMPLE = {
    "givenName": "first_name",
    "middleName": "middle_name",
    "surname": "last_name",
    "title": "salutation",
    "generation": "suffix",
    "jobTitle": "job_title",
    "companyName": "company",
    "department": "department",
    "assistantName": "assistant_name",
    "personalNotes": "notes",
}
ADDRESSES = {"businessAddress": "mailing", "otherAddress": "other"}
ADDRESS_PARTS = {
    "street": "street",
    "city": "city",
    "state": "state",
    "postalCode": "postal_code",
    "countryOrRegion": "country",
}
# Writing these keys means rewriting a Graph list property: merge with what the contact holds.
LIST_KEYS = {"email", "phone", "other_phone", "home_phone"}


def _text(value: Any) -> str:
    return str(value or "").strip()


def to_neutral(contact: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {key: _text(contact.get(prop)) for prop, key in SIMPLE.items()}
    emails = contact.get("emailAddresses") or []
    values["email"] = _text(emails[0].get("address")).lower() if emails else ""
    business = list(contact.get("businessPhones") or [])
    home = list(contact.get("homePhones") or [])
    values["phone"] = _text(business[0]) if business else ""
    values["other_phone"] = _text(business[1]) if len(business) > 1 else ""
    values["home_phone"] = _text(home[0]) if home else ""
    values["mobile_phone"] = _text(contact.get("mobilePhone"))
    birthday = contact.get("birthday")
    values["birthday"] = str(birthday)[:10] if birthday else None  # dates: None when empty
    for prop, prefix in ADDRESSES.items():
        address = contact.get(prop) or {}
        for part, suffix in ADDRESS_PARTS.items():
            values[f"{prefix}_{suffix}"] = _text(address.get(part))
    return values


def label(contact: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (_text(contact.get("givenName")), _text(contact.get("surname"))) if p)
    return name or _text(contact.get("displayName"))


def to_change(contact: Mapping[str, Any]) -> ItemChange:
    name = label(contact)
    return json_change(
        contact, "@removed" in contact, name, to_neutral, version="changeKey", modified="lastModifiedDateTime"
    )


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Graph properties for the given neutral values; ``current`` keeps list entries we do not map."""
    current = current or {}
    out: dict[str, Any] = {}
    for prop, key in SIMPLE.items():
        if key in values:
            out[prop] = values[key] or None
    if "email" in values:
        others = [e for e in (current.get("emailAddresses") or [])[1:] if e.get("address")]
        out["emailAddresses"] = ([{"address": values["email"]}] if values["email"] else []) + others
    if "phone" in values or "other_phone" in values:
        business = list(current.get("businessPhones") or [])
        business += [""] * (2 - len(business))
        if "phone" in values:
            business[0] = values["phone"] or ""
        if "other_phone" in values:
            business[1] = values["other_phone"] or ""
        out["businessPhones"] = [p for p in business if p]
    if "home_phone" in values:
        home = list(current.get("homePhones") or [])
        rest = home[1:]
        out["homePhones"] = ([values["home_phone"]] if values["home_phone"] else []) + rest
    if "mobile_phone" in values:
        out["mobilePhone"] = values["mobile_phone"] or None
    if "birthday" in values:
        out["birthday"] = f"{values['birthday']}T00:00:00Z" if values["birthday"] else None
    for prop, prefix in ADDRESSES.items():
        parts = {
            part: values[f"{prefix}_{suffix}"]
            for part, suffix in ADDRESS_PARTS.items()
            if f"{prefix}_{suffix}" in values
        }
        if parts:
            address = {k: v for k, v in (current.get(prop) or {}).items() if k in ADDRESS_PARTS}
            address.update({k: v or None for k, v in parts.items()})
            out[prop] = address
    return out
