"""exchangelib Contact <-> neutral contact values (pure), the keys of connectors.graph.contacts.

Exchange keeps emails, phones and addresses as indexed entries (EmailAddress1, BusinessPhone...);
writing one entry rewrites the whole list, so ``apply`` merges with the entries the contact holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from exchangelib import Contact, EWSDate, ExtendedProperty
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.properties import Body

from connectors.ews.common import body_text, item_change, text
from syncengine.core.records import ItemChange


class DisplayNamePrefix(ExtendedProperty):
    """PidTagDisplayNamePrefix: the title Outlook shows before a contact's name ("Dr."); EWS has no
    writable property for it, so it goes as a MAPI property."""

    property_tag = 0x3A45
    property_type = "String"


SALUTATION = "display_name_prefix"
if SALUTATION not in {f.name for f in Contact.FIELDS}:
    Contact.register(SALUTATION, DisplayNamePrefix)

SIMPLE = {
    "given_name": "first_name",
    "middle_name": "middle_name",
    "surname": "last_name",
    "generation": "suffix",
    "job_title": "job_title",
    "company_name": "company",
    "department": "department",
    "assistant_name": "assistant_name",
}
PHONES = {
    "BusinessPhone": "phone",
    "BusinessPhone2": "other_phone",
    "HomePhone": "home_phone",
    "MobilePhone": "mobile_phone",
}
ADDRESSES = {"Business": "mailing", "Other": "other"}
ADDRESS_PARTS = {
    "street": "street",
    "city": "city",
    "state": "state",
    "zipcode": "postal_code",
    "country": "country",
}
LIST_KEYS = {"email", *PHONES.values()} | {
    f"{p}_{s}" for p in ADDRESSES.values() for s in ADDRESS_PARTS.values()
}
FIELDS = (
    "given_name",
    "middle_name",
    "surname",
    "generation",
    "job_title",
    "company_name",
    "department",
    "assistant_name",
    "body",
    "email_addresses",
    "phone_numbers",
    "physical_addresses",
    "birthday",
    "display_name",
    SALUTATION,
    "last_modified_time",
)


def to_neutral(contact: Contact) -> dict[str, Any]:
    values: dict[str, Any] = {key: text(getattr(contact, attr)) for attr, key in SIMPLE.items()}
    values["salutation"] = text(getattr(contact, SALUTATION, ""))
    values["notes"] = body_text(contact.body)
    emails = {e.label: text(e.email) for e in contact.email_addresses or []}
    values["email"] = emails.get("EmailAddress1", "").lower()
    phones = {p.label: text(p.phone_number) for p in contact.phone_numbers or []}
    for label, key in PHONES.items():
        values[key] = phones.get(label, "")
    birthday = contact.birthday
    values["birthday"] = birthday.isoformat() if isinstance(birthday, date) else None
    addresses = {a.label: a for a in contact.physical_addresses or []}
    for label, prefix in ADDRESSES.items():
        address = addresses.get(label)
        for attr, suffix in ADDRESS_PARTS.items():
            values[f"{prefix}_{suffix}"] = text(getattr(address, attr, "")) if address is not None else ""
    return values


def label(contact: Contact) -> str:
    name = " ".join(p for p in (text(contact.given_name), text(contact.surname)) if p)
    return name or text(contact.display_name)


def to_change(contact: Contact) -> ItemChange:
    return item_change(contact, to_neutral(contact), label(contact))


def apply(values: Mapping[str, Any], current: Contact | None = None) -> tuple[dict[str, Any], list[str]]:
    """Contact attributes for neutral values and the field names to write; ``current`` keeps the
    list entries the mapping does not cover (other emails, fax numbers, home address)."""
    out: dict[str, Any] = {}
    for attr, key in SIMPLE.items():
        if key in values:
            out[attr] = values[key] or None
    if "salutation" in values:
        out[SALUTATION] = values["salutation"] or None
    if "notes" in values:
        out["body"] = Body(values["notes"]) if values["notes"] else None
    if "birthday" in values:
        out["birthday"] = EWSDate.fromisoformat(str(values["birthday"])[:10]) if values["birthday"] else None
    if "first_name" in values or "last_name" in values:
        first = values.get("first_name", current.given_name if current is not None else "")
        last = values.get("last_name", current.surname if current is not None else "")
        out["display_name"] = " ".join(p for p in (text(first), text(last)) if p) or None
    if "email" in values:
        kept = [
            e
            for e in (current.email_addresses if current is not None else None) or []
            if e.label != "EmailAddress1"
        ]
        mine = [EmailAddress(label="EmailAddress1", email=values["email"])] if values["email"] else []
        out["email_addresses"] = (mine + kept) or None
    if set(PHONES.values()) & set(values):
        phones = {p.label: p for p in (current.phone_numbers if current is not None else None) or []}
        for label_name, key in PHONES.items():
            if key in values:
                phones.pop(label_name, None)
                if values[key]:
                    phones[label_name] = PhoneNumber(label=label_name, phone_number=values[key])
        out["phone_numbers"] = list(phones.values()) or None
    _apply_addresses(values, current, out)
    return out, list(out)


def _apply_addresses(values: Mapping[str, Any], current: Contact | None, out: dict[str, Any]) -> None:
    touched = {
        label: prefix
        for label, prefix in ADDRESSES.items()
        if any(k.startswith(f"{prefix}_") for k in values)
    }
    if not touched:
        return
    addresses = {a.label: a for a in (current.physical_addresses if current is not None else None) or []}
    for label_name, prefix in touched.items():
        old = addresses.get(label_name)
        parts = {attr: getattr(old, attr, None) if old is not None else None for attr in ADDRESS_PARTS}
        for attr, suffix in ADDRESS_PARTS.items():
            if f"{prefix}_{suffix}" in values:
                parts[attr] = values[f"{prefix}_{suffix}"] or None
        if any(parts.values()):
            addresses[label_name] = PhysicalAddress(label=label_name, **parts)
        else:
            addresses.pop(label_name, None)
    out["physical_addresses"] = list(addresses.values()) or None
