"""People API person JSON <-> neutral contact values (pure).

Lists (emails, phones, addresses) are written whole by ``updateContact``: writes start from the
person as read (``current``) and replace only the entries the neutral keys name, so the rest survive.
Phones by type: work -> phone, other -> other_phone, home -> home_phone, mobile -> mobile_phone;
addresses: work -> mailing_*, other -> other_*; the assistant is a relation of type "assistant".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from syncengine.core.records import ItemChange

NAME_PARTS = {
    "givenName": "first_name",
    "middleName": "middle_name",
    "familyName": "last_name",
    "honorificPrefix": "salutation",
    "honorificSuffix": "suffix",
}
ORG_PARTS = {"title": "job_title", "name": "company", "department": "department"}
PHONES = {"work": "phone", "other": "other_phone", "home": "home_phone", "mobile": "mobile_phone"}
ADDRESSES = {"work": "mailing", "other": "other"}
ADDRESS_PARTS = {
    "streetAddress": "street",
    "city": "city",
    "region": "state",
    "postalCode": "postal_code",
    "country": "country",
}
PERSON_FIELDS = (
    "names,emailAddresses,phoneNumbers,organizations,addresses,birthdays,biographies,relations,memberships"
)


def _text(value: Any) -> str:
    return str(value or "").strip()


def _first(person: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    items = person.get(field) or []
    return next((i for i in items if (i.get("metadata") or {}).get("primary")), items[0] if items else {})


def _typed(person: Mapping[str, Any], field: str, kind: str) -> Mapping[str, Any]:
    return next((i for i in person.get(field) or [] if str(i.get("type", "")).lower() == kind), {})


def to_neutral(person: Mapping[str, Any]) -> dict[str, Any]:
    name, org = _first(person, "names"), _first(person, "organizations")
    values: dict[str, Any] = {key: _text(name.get(part)) for part, key in NAME_PARTS.items()}
    values.update({key: _text(org.get(part)) for part, key in ORG_PARTS.items()})
    assistant = _typed(person, "relations", "assistant")
    values["assistant_name"] = _text(assistant.get("person"))
    values["notes"] = _text(_first(person, "biographies").get("value"))
    values["email"] = _text(_first(person, "emailAddresses").get("value")).lower()
    for kind, key in PHONES.items():
        values[key] = _text(_typed(person, "phoneNumbers", kind).get("value"))
    birthday = (_first(person, "birthdays").get("date") or {}) if person.get("birthdays") else {}
    values["birthday"] = (
        f"{int(birthday['year']):04d}-{int(birthday['month']):02d}-{int(birthday['day']):02d}"
        if birthday.get("year") and birthday.get("month") and birthday.get("day")
        else None  # dates: None when empty (a birthday without a year cannot be a Salesforce date)
    )
    for kind, prefix in ADDRESSES.items():
        address = _typed(person, "addresses", kind)
        for part, suffix in ADDRESS_PARTS.items():
            values[f"{prefix}_{suffix}"] = _text(address.get(part))
    return values


def label(person: Mapping[str, Any]) -> str:
    name = _first(person, "names")
    full = " ".join(p for p in (_text(name.get("givenName")), _text(name.get("familyName"))) if p)
    return full or _text(name.get("displayName")) or _text(_first(person, "emailAddresses").get("value"))


def groups(person: Mapping[str, Any]) -> set[str]:
    return {
        str((m.get("contactGroupMembership") or {}).get("contactGroupResourceName") or "")
        for m in person.get("memberships") or []
    } - {""}


def to_change(person: Mapping[str, Any], group: str = "") -> ItemChange:
    """A deleted person, or one no longer in the synced group, has left the read's scope: ``removed``."""
    resource = str(person["resourceName"])
    if (person.get("metadata") or {}).get("deleted") or (group and group not in groups(person)):
        return ItemChange(id=resource, removed=True)
    return ItemChange(
        id=resource,
        version=str(person.get("etag") or ""),
        values=to_neutral(person),
        modified_at=str(((person.get("metadata") or {}).get("sources") or [{}])[0].get("updateTime") or ""),
        label=label(person),
    )


def _clean(items: Any) -> list[dict[str, Any]]:
    """Entries as we send them back: without the read-only metadata Google adds."""
    return [{k: copy.deepcopy(v) for k, v in i.items() if k != "metadata"} for i in items or []]


def _set_typed(
    entries: list[dict[str, Any]], kind: str, value: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Replace the first entry of a type (or add one); None removes it."""
    index = next((n for n, e in enumerate(entries) if str(e.get("type", "")).lower() == kind), None)
    if value is None:
        return [e for n, e in enumerate(entries) if n != index]
    if index is None:
        return [*entries, {**value, "type": kind}]
    entries[index] = {**entries[index], **value, "type": entries[index].get("type") or kind}
    return entries


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Person fields for the given neutral values; the keys of the result are the updatePersonFields."""
    current = current or {}
    out: dict[str, Any] = {}
    if any(k in values for k in NAME_PARTS.values()):
        names = _clean(current.get("names")) or [{}]
        for part, key in NAME_PARTS.items():
            if key in values:
                names[0][part] = values[key] or ""
        names[0].pop("displayName", None)  # Google derives it from the parts
        names[0].pop("unstructuredName", None)
        out["names"] = names
    if any(k in values for k in ORG_PARTS.values()):
        orgs = _clean(current.get("organizations")) or [{}]
        for part, key in ORG_PARTS.items():
            if key in values:
                orgs[0][part] = values[key] or ""
        out["organizations"] = orgs
    if "assistant_name" in values:
        value = {"person": values["assistant_name"]} if values["assistant_name"] else None
        out["relations"] = _set_typed(_clean(current.get("relations")), "assistant", value)
    if "notes" in values:
        out["biographies"] = (
            [{"value": values["notes"], "contentType": "TEXT_PLAIN"}] if values["notes"] else []
        )
    if "email" in values:
        others = _clean(current.get("emailAddresses"))[1:]
        out["emailAddresses"] = ([{"value": values["email"]}] if values["email"] else []) + others
    if any(k in values for k in PHONES.values()):
        phones = _clean(current.get("phoneNumbers"))
        for kind, key in PHONES.items():
            if key in values:
                phones = _set_typed(phones, kind, {"value": values[key]} if values[key] else None)
        out["phoneNumbers"] = phones
    if "birthday" in values:
        day = str(values["birthday"] or "")[:10]
        out["birthdays"] = (
            [{"date": {"year": int(day[:4]), "month": int(day[5:7]), "day": int(day[8:10])}}] if day else []
        )
    if any(k.startswith(tuple(f"{p}_" for p in ADDRESSES.values())) for k in values):
        addresses = _clean(current.get("addresses"))
        for kind, prefix in ADDRESSES.items():
            parts = {
                p: values[f"{prefix}_{s}"] for p, s in ADDRESS_PARTS.items() if f"{prefix}_{s}" in values
            }
            if not parts:
                continue
            existing = dict(_typed({"addresses": addresses}, "addresses", kind))
            existing.update({p: v or "" for p, v in parts.items()})
            existing.pop("formattedValue", None)
            keep = any(existing.get(p) for p in ADDRESS_PARTS)
            addresses = _set_typed(addresses, kind, existing if keep else None)
        out["addresses"] = addresses
    return out
