"""Outlook contacts: a default folder per mailbox (and any folders made), validation, and Graph's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.graph import extended, timezones
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.items import (
    PerMailbox,
    StoredItem,
    bad,
    cannot_convert,
    live_item,
    new_change_key,
    new_id,
    not_found,
    refuse_unknown,
    required_display_name,
    writable_items,
)

STRINGS = (
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "title",
    "generation",
    "nickName",
    "initials",
    "fileAs",
    "yomiGivenName",
    "yomiSurname",
    "yomiCompanyName",
    "jobTitle",
    "companyName",
    "department",
    "officeLocation",
    "profession",
    "assistantName",
    "manager",
    "mobilePhone",
    "businessHomePage",
    "spouseName",
    "personalNotes",
)
STRING_LISTS = ("categories", "imAddresses", "businessPhones", "homePhones", "children")
ADDRESSES = ("homeAddress", "businessAddress", "otherAddress")
ADDRESS_KEYS = ("street", "city", "state", "countryOrRegion", "postalCode")
WRITABLE = {*STRINGS, *STRING_LISTS, *ADDRESSES, "emailAddresses", "birthday", extended.KEY}
READ_ONLY = {"id", "createdDateTime", "lastModifiedDateTime", "changeKey", "parentFolderId"}
# Exchange's limits on multi-value properties ("... has 4 entries, that exceeds the max allowed value of 3").
MAX_ENTRIES = {"emailAddresses": 3, "businessPhones": 2, "homePhones": 2}
EMPTY_STRING_DEFAULTS = ("fileAs", "personalNotes")  # Graph answers "" for these, null for the rest


@dataclass
class StoredContact(StoredItem):
    deleted: bool = False


@dataclass
class ContactBook:
    folder_id: str = field(default_factory=new_id)  # the default "Contacts" folder
    root_id: str = field(default_factory=new_id)  # the mailbox root: parent of every contact folder
    folders: dict[str, str] = field(default_factory=dict)  # id -> displayName, the default one included
    contacts: dict[str, StoredContact] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folders.setdefault(self.folder_id, "Contacts")


# -- validation --------------------------------------------------------------------------------------
def _string(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise cannot_convert(value, "Edm.String")
    return value


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise cannot_convert(value, "Collection(Edm.String)")
    return list(value)


def _address(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise cannot_convert(value, "microsoft.graph.physicalAddress")
    address: dict[str, str] = {}
    for key, part in value.items():
        if key.startswith("@odata."):
            continue
        if key not in ADDRESS_KEYS:
            raise bad(f"The property '{key}' does not exist on type 'microsoft.graph.physicalAddress'.")
        if part is not None:
            address[key] = _string(part) or ""
    return address


def _email_addresses(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise cannot_convert(value, "Collection(microsoft.graph.emailAddress)")
    found: list[dict[str, str]] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise cannot_convert(entry, "microsoft.graph.emailAddress")
        refuse_unknown(entry, ("name", "address"), "emailAddress")
        address, name = _string(entry.get("address")), _string(entry.get("name"))
        found.append({"name": name if name is not None else (address or ""), "address": address or ""})
    return found


def _birthday(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise cannot_convert(value, "Edm.DateTimeOffset")
    text = value.strip()
    try:
        if len(text) == 10:  # a bare date: Edm.DateTimeOffset wants a time, but be lenient like OData
            moment = datetime.fromisoformat(text)
        elif text.endswith("Z") or "+" in text[10:] or "-" in text[10:]:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            moment = timezones.parse_local(text)
    except ValueError as error:
        raise cannot_convert(value, "Edm.DateTimeOffset") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def normalized(body: Any) -> dict[str, Any]:
    """The writable properties of a contact body, normalized; raises like Graph on bad input."""
    if not isinstance(body, dict):
        raise bad("The request body is not a valid contact.")
    fields: dict[str, Any] = {}
    for key, value in writable_items(body, "contact", WRITABLE, READ_ONLY):
        if key in STRINGS:
            fields[key] = _string(value)
        elif key in STRING_LISTS:
            fields[key] = _string_list(value)
        elif key in ADDRESSES:
            fields[key] = _address(value)
        elif key == "emailAddresses":
            fields[key] = _email_addresses(value)
        elif key == extended.KEY:
            fields[key] = extended.parse(value)
        else:
            fields[key] = _birthday(value)
        limit = MAX_ENTRIES.get(key)
        if limit is not None and len(fields[key]) > limit:
            name = key[0].upper() + key[1:]
            raise GraphError(
                400,
                "ErrorInvalidArgument",
                f"The multi value property {name} has {len(fields[key])} entries, that exceeds the max "
                f"allowed value of {limit}",
            )
    return fields


# -- store -------------------------------------------------------------------------------------------
class ContactStore:
    def __init__(self) -> None:
        self.book = PerMailbox(ContactBook)

    def folder(self, mailbox: Mailbox, folder_id: str | None) -> str:
        """A folder id that exists (the default folder when None); 404 otherwise."""
        book = self.book(mailbox)
        if folder_id is None:
            return book.folder_id
        if folder_id not in book.folders:
            raise not_found()
        return folder_id

    def create_folder(self, mailbox: Mailbox, body: Any) -> str:
        name = required_display_name(body)
        refuse_unknown(body, ("displayName", "parentFolderId"), "contactFolder")
        book = self.book(mailbox)
        if name.casefold() in (n.casefold() for n in book.folders.values()):
            raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        folder_id = new_id()
        book.folders[folder_id] = name
        return folder_id

    def get(self, mailbox: Mailbox, contact_id: str, folder_id: str | None = None) -> StoredContact:
        """A live contact, from any folder unless ``folder_id`` names the one it must be in."""
        return live_item(self.book(mailbox).contacts, contact_id, folder_id)

    def live(self, mailbox: Mailbox, folder_id: str | None = None) -> list[StoredContact]:
        folder_id = self.folder(mailbox, folder_id)
        return sorted(
            (c for c in self.book(mailbox).contacts.values() if not c.deleted and c.folder_id == folder_id),
            key=lambda c: (c.created, c.id),
        )

    def create(self, mailbox: Mailbox, body: Any, folder_id: str | None = None) -> StoredContact:
        folder_id = self.folder(mailbox, folder_id)
        fields = normalized(body)
        book = self.book(mailbox)
        now = datetime.now(UTC)
        contact = StoredContact(
            id=new_id(),
            folder_id=folder_id,
            created=now,
            modified=now,
            change_key=new_change_key(),
            seq=mailbox.next_seq(),
            fields=fields,
        )
        book.contacts[contact.id] = contact
        return contact

    def update(
        self, mailbox: Mailbox, contact_id: str, body: Any, folder_id: str | None = None
    ) -> StoredContact:
        contact = self.get(mailbox, contact_id, folder_id)
        changes = normalized(body)
        merged = {**contact.fields, **changes}
        if extended.KEY in changes:
            merged[extended.KEY] = extended.merged(contact.fields.get(extended.KEY), changes[extended.KEY])
        contact.fields = merged
        contact.modified = datetime.now(UTC)
        contact.change_key = new_change_key()
        contact.seq = mailbox.next_seq()
        return contact

    def delete(self, mailbox: Mailbox, contact_id: str, folder_id: str | None = None) -> None:
        contact = self.get(mailbox, contact_id, folder_id)
        contact.deleted = True
        contact.seq = mailbox.next_seq()


# -- shape -------------------------------------------------------------------------------------------
def display_name_of(fields: dict[str, Any]) -> str:
    if fields.get("displayName"):
        return str(fields["displayName"])
    parts = (fields.get(k) for k in ("givenName", "middleName", "surname", "generation"))
    return " ".join(p for p in parts if p)


def render_contact(contact: StoredContact) -> dict[str, Any]:
    f = contact.fields
    shape: dict[str, Any] = {
        "@odata.etag": f'W/"{contact.change_key}"',
        "id": contact.id,
        "createdDateTime": timezones.utc_stamp(contact.created)[:-9] + "Z",
        "lastModifiedDateTime": timezones.utc_stamp(contact.modified)[:-9] + "Z",
        "changeKey": contact.change_key,
        "categories": f.get("categories", []),
        "parentFolderId": contact.folder_id,
        "birthday": f["birthday"].strftime("%Y-%m-%dT%H:%M:%SZ") if f.get("birthday") else None,
    }
    for key in STRINGS:
        default = "" if key in EMPTY_STRING_DEFAULTS else None
        shape[key] = f.get(key, default)
    shape["displayName"] = display_name_of(f)
    for key in ("imAddresses", "businessPhones", "homePhones", "children"):
        shape[key] = f.get(key, [])
    shape["emailAddresses"] = f.get("emailAddresses", [])
    for key in ADDRESSES:
        shape[key] = f.get(key, {})
    return shape


def render_folder(book: ContactBook, folder_id: str) -> dict[str, Any]:
    return {"id": folder_id, "displayName": book.folders[folder_id], "parentFolderId": book.root_id}
