"""Contact converters: Graph contact properties <-> Salesforce Contact fields. Pure and total.

The mail side uses Graph's contact property names (givenName, emailAddresses, businessPhones, ...).

Lossy cases and rules:

* LastName is required in Salesforce. When surname is blank it is derived, in this order, from
  displayName (minus a leading given/middle name, unless that leaves nothing), the local part of the
  first e-mail address, companyName; a contact with none of these is a ConversionError. The derived name
  comes back as surname.
* Only the first e-mail address is synced (Email); writing back replaces only the first address
  (``merge_emails``) and drops later duplicates of it; the others stay untouched.
* businessPhones[0] <-> Phone, businessPhones[1] <-> OtherPhone, mobilePhone <-> MobilePhone,
  homePhones[0] <-> HomePhone; later entries stay untouched. Blank entries are skipped, so an OtherPhone
  without a Phone becomes businessPhones[0] (and so Phone) after one round.
* businessAddress <-> Mailing*, otherAddress <-> Other*; homeAddress has no standard Salesforce Contact
  fields and is not synced (left untouched in the mailbox). companyName is not a Contact field either
  (it is an Account link, handled by the engine).
* birthday: the day of the nearest UTC midnight (Outlook stores birthdays at various times of day);
  written back as midnight UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from mapping import converters as base
from mapping.timezones import ConversionError, parse_date, parse_neutral

__all__ = [
    "ADDRESS_PARTS",
    "ConversionError",
    "address_from_salesforce",
    "address_to_salesforce",
    "addresses_from_salesforce",
    "addresses_to_salesforce",
    "birthday_from_salesforce",
    "birthday_to_salesforce",
    "contact_from_salesforce",
    "contact_to_salesforce",
    "derive_last_name",
    "email_from_salesforce",
    "email_to_salesforce",
    "merge_emails",
    "names_from_salesforce",
    "names_to_salesforce",
    "normalize_phone",
    "phone_from_salesforce",
    "phone_to_salesforce",
    "phones_from_salesforce",
    "phones_to_salesforce",
    "same_phone",
]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return []
    return list(value)


def _or_none(value: Any) -> str | None:
    return base.text_to_salesforce(_text(value))


# ---------------------------------------------------------------------------------------------- names

NAME_FIELDS = {
    "givenName": "FirstName",
    "middleName": "MiddleName",
    "surname": "LastName",
    "title": "Salutation",
    "generation": "Suffix",
}


def derive_last_name(contact: Mapping[str, Any]) -> str:
    """A LastName for a contact: surname, else from displayName, e-mail, company (see module docs)."""
    surname = _text(contact.get("surname"))
    if surname:
        return surname
    display = " ".join(_text(contact.get("displayName")).split())
    if display:
        rest = display
        for part in (_text(contact.get("givenName")), _text(contact.get("middleName"))):
            if part and rest.casefold().startswith(part.casefold() + " "):
                rest = rest[len(part) :].strip()
        return rest or display
    for entry in _list(contact.get("emailAddresses")):
        address = _text(entry.get("address")) if isinstance(entry, Mapping) else ""
        local = address.partition("@")[0].strip()
        if local:
            return local
    company = _text(contact.get("companyName"))
    if company:
        return company
    raise ConversionError("contact has no surname, display name, e-mail address or company for LastName")


def names_to_salesforce(contact: Mapping[str, Any]) -> dict[str, Any]:
    """FirstName/MiddleName/LastName/Salutation/Suffix; LastName is never empty (or ConversionError)."""
    out = {crm: _or_none(contact.get(mail)) for mail, crm in NAME_FIELDS.items()}
    out["LastName"] = derive_last_name(contact)
    return out


def names_from_salesforce(record: Mapping[str, Any]) -> dict[str, str]:
    return {mail: base.text_from_salesforce(_text(record.get(crm))) for mail, crm in NAME_FIELDS.items()}


# --------------------------------------------------------------------------------------------- e-mail

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_to_salesforce(addresses: Any) -> str | None:
    """The first non-blank address of Graph emailAddresses ([{name, address}]); an invalid one is an error."""
    for entry in _list(addresses):
        address = _text(entry.get("address")) if isinstance(entry, Mapping) else _text(entry)
        if address:
            if not _EMAIL.match(address):
                raise ConversionError(f"not a valid e-mail address: {address!r}")
            return address
    return None


def email_from_salesforce(value: Any) -> list[dict[str, str]]:
    """Salesforce Email -> a one-entry emailAddresses list (empty for no e-mail)."""
    address = _text(value)
    return [{"address": address, "name": address}] if address else []


def merge_emails(existing: Any, new_primary: Any) -> list[dict[str, Any]]:
    """The emailAddresses to write back: ``existing`` with its first address replaced by ``new_primary``.

    The same address (any case) keeps its entry and name; an address that appears later in the list
    moves into first place with its name (no duplicates); an empty ``new_primary`` removes the first
    address. Other entries are kept exactly as they were.
    """
    entries = [dict(e) for e in _list(existing) if isinstance(e, Mapping)]
    address = _text(new_primary)
    rest = entries[1:]
    if not address:
        return rest
    wanted = address.casefold()
    if entries and _text(entries[0].get("address")).casefold() == wanted:
        return entries
    match = next((e for e in rest if _text(e.get("address")).casefold() == wanted), None)
    primary = match if match is not None else {"address": address, "name": address}
    return [primary, *(e for e in rest if _text(e.get("address")).casefold() != wanted)]


# --------------------------------------------------------------------------------------------- phones


def normalize_phone(value: Any) -> str:
    """A phone number for comparison: digits only, with a leading "+" kept ("00" prefix read as "+")."""
    text = _text(value)
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def same_phone(left: Any, right: Any) -> bool:
    """Whether two phone numbers are the same, ignoring spaces, dashes, dots and brackets."""
    return normalize_phone(left) == normalize_phone(right)


def phone_to_salesforce(value: Any) -> str | None:
    """One phone number, trimmed; blank -> None."""
    return _or_none(value)


def phone_from_salesforce(value: Any) -> str:
    return _text(value)


def _phones(value: Any) -> list[str]:
    return [_text(item) for item in _list(value) if _text(item)]


def phones_to_salesforce(contact: Mapping[str, Any]) -> dict[str, Any]:
    business = _phones(contact.get("businessPhones"))
    home = _phones(contact.get("homePhones"))
    return {
        "Phone": business[0] if business else None,
        "OtherPhone": business[1] if len(business) > 1 else None,
        "MobilePhone": _or_none(contact.get("mobilePhone")),
        "HomePhone": home[0] if home else None,
    }


def phones_from_salesforce(
    record: Mapping[str, Any], existing: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Graph phone properties; entries beyond the synced ones are kept from ``existing``."""
    existing = existing or {}
    business = [p for p in (_text(record.get("Phone")), _text(record.get("OtherPhone"))) if p]
    home = [p for p in (_text(record.get("HomePhone")),) if p]
    return {
        "businessPhones": business + _phones(existing.get("businessPhones"))[2:],
        "mobilePhone": _text(record.get("MobilePhone")),
        "homePhones": home + _phones(existing.get("homePhones"))[1:],
    }


# ------------------------------------------------------------------------------------------ addresses

ADDRESS_PARTS = {
    "street": "Street",
    "city": "City",
    "state": "State",
    "postalCode": "PostalCode",
    "countryOrRegion": "Country",
}
ADDRESS_PREFIXES = {"businessAddress": "Mailing", "otherAddress": "Other"}


def address_to_salesforce(address: Any, prefix: str) -> dict[str, Any]:
    """A Graph physicalAddress -> {prefix}Street/City/State/PostalCode/Country (blank -> None)."""
    parts = address if isinstance(address, Mapping) else {}
    return {f"{prefix}{crm}": _or_none(parts.get(mail)) for mail, crm in ADDRESS_PARTS.items()}


def address_from_salesforce(record: Mapping[str, Any], prefix: str) -> dict[str, str]:
    return {mail: _text(record.get(f"{prefix}{crm}")) for mail, crm in ADDRESS_PARTS.items()}


def addresses_to_salesforce(contact: Mapping[str, Any]) -> dict[str, Any]:
    """businessAddress -> Mailing*, otherAddress -> Other* (homeAddress is not synced)."""
    out: dict[str, Any] = {}
    for key, prefix in ADDRESS_PREFIXES.items():
        out.update(address_to_salesforce(contact.get(key), prefix))
    return out


def addresses_from_salesforce(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: address_from_salesforce(record, prefix) for key, prefix in ADDRESS_PREFIXES.items()}


# ------------------------------------------------------------------------------------------- birthday


def birthday_to_salesforce(value: Any) -> str | None:
    """Graph birthday (a date-time) -> Birthdate: the day of the nearest UTC midnight."""
    if value is not None and not isinstance(value, str):
        raise ConversionError(f"not a date-time: {value!r}")
    instant = parse_neutral(value)
    if instant is None:
        return None
    return (instant + timedelta(hours=12)).date().isoformat()


def birthday_from_salesforce(value: Any) -> str | None:
    """Birthdate "YYYY-MM-DD" -> Graph birthday "YYYY-MM-DDT00:00:00Z"."""
    day = parse_date(value)
    return f"{day}T00:00:00Z" if day else None


# -------------------------------------------------------------------------------------- whole contact

TEXT_FIELDS = {
    "department": "Department",
    "jobTitle": "Title",
    "assistantName": "AssistantName",
    "personalNotes": "Description",
}


def contact_to_salesforce(contact: Mapping[str, Any]) -> dict[str, Any]:
    """All synced Salesforce Contact fields for a Graph contact."""
    out = names_to_salesforce(contact)
    out["Email"] = email_to_salesforce(contact.get("emailAddresses"))
    out.update(phones_to_salesforce(contact))
    out.update(addresses_to_salesforce(contact))
    out["Birthdate"] = birthday_to_salesforce(contact.get("birthday"))
    for mail, crm in TEXT_FIELDS.items():
        value = contact.get(mail)
        out[crm] = base.text_to_salesforce(value if isinstance(value, str) else None)
    return out


def contact_from_salesforce(
    record: Mapping[str, Any], existing: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Graph contact properties for a Salesforce Contact, merged into ``existing`` where lists are partial."""
    existing = existing or {}
    out: dict[str, Any] = dict(names_from_salesforce(record))
    out["emailAddresses"] = merge_emails(existing.get("emailAddresses"), record.get("Email"))
    out.update(phones_from_salesforce(record, existing))
    out.update(addresses_from_salesforce(record))
    out["birthday"] = birthday_from_salesforce(record.get("Birthdate"))
    for mail, crm in TEXT_FIELDS.items():
        value = record.get(crm)
        out[mail] = base.text_from_salesforce(value if isinstance(value, str) else None)
    return out
