"""Mailboxes, folders and items as Exchange keeps them, with the change log SyncFolderItems reads.

Items keep their properties as the XML elements a client sent (one per property, by local name), so
whatever exchangelib writes comes back as written; the server adds what Exchange computes itself
(ids, change keys, times, organizer, response type, UID).
"""

from __future__ import annotations

import base64
import copy
import secrets
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.ews.soap import ItemError, leaf, local, t

# Distinguished folder id -> (element tag, FolderClass, DisplayName, item element it holds)
DISTINGUISHED = {
    "root": ("Folder", "", "Root", ""),
    "msgfolderroot": ("Folder", "IPF.Note", "Top of Information Store", "Message"),
    "inbox": ("Folder", "IPF.Note", "Inbox", "Message"),
    "sentitems": ("Folder", "IPF.Note", "Sent Items", "Message"),
    "deleteditems": ("Folder", "IPF.Note", "Deleted Items", "Message"),
    "drafts": ("Folder", "IPF.Note", "Drafts", "Message"),
    "calendar": ("CalendarFolder", "IPF.Appointment", "Calendar", "CalendarItem"),
    "tasks": ("TasksFolder", "IPF.Task", "Tasks", "Task"),
    "contacts": ("ContactsFolder", "IPF.Contact", "Contacts", "Contact"),
}
ITEM_CLASS = {
    "Message": "IPM.Note",
    "CalendarItem": "IPM.Appointment",
    "Task": "IPM.Task",
    "Contact": "IPM.Contact",
    "DistributionList": "IPM.DistList",
}
KINDS_BY_FOLDER_CLASS = {
    "IPF.Note": {"Message"},
    "IPF.Appointment": {"CalendarItem"},
    "IPF.Task": {"Task"},
    "IPF.Contact": {"Contact", "DistributionList"},
}
INDEXED_CONTAINERS = {
    "contacts:EmailAddress": "EmailAddresses",
    "contacts:PhoneNumber": "PhoneNumbers",
    "contacts:ImAddress": "ImAddresses",
    "contacts:PhysicalAddress": "PhysicalAddresses",
}


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return base64.urlsafe_b64encode(b"AAMk" + uuid.uuid4().bytes + secrets.token_bytes(8)).decode("ascii")


def new_change_key() -> str:
    return base64.b64encode(b"DwAAABYA" + secrets.token_bytes(12)).decode("ascii")


def utc_text(value: str, what: str) -> str:
    """An xs:dateTime as Exchange stores it: UTC with a Z."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ItemError(
            "ErrorInvalidValueForProperty", f"{what}: '{value}' is not a valid date-time."
        ) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Folder:
    id: str
    change_key: str
    tag: str
    folder_class: str
    display_name: str
    parent_id: str = ""
    distinguished: str = ""


@dataclass
class Item:
    id: str
    kind: str  # element name: CalendarItem, Task, Contact, Message
    folder_id: str
    props: dict[str, ET.Element]
    change_key: str = field(default_factory=new_change_key)
    seq: int = 0
    # a recurring master's edited occurrences (their whole properties) and deleted ones, by index
    exceptions: dict[int, dict[str, ET.Element]] = field(default_factory=dict)
    deleted_occurrences: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class SyncPoint:
    folder_id: str
    seq: int
    known: frozenset[str]


@dataclass(frozen=True)
class StoreEvent:
    """One change of a mailbox's store, as streaming subscriptions see it (an EWS event element)."""

    kind: str  # CreatedEvent, ModifiedEvent, DeletedEvent, MovedEvent, NewMailEvent
    seq: int  # the mailbox's change counter when it happened: its watermark
    item_id: str
    folder_id: str
    old_item_id: str = ""  # MovedEvent: where the item was before
    old_folder_id: str = ""
    change_key: str = ""  # the item's, after the change ("" once it is deleted)
    timestamp: str = field(default_factory=lambda: now_stamp())


@dataclass
class Mailbox:
    smtp: str
    display_name: str
    username: str
    password: str
    folders: dict[str, Folder] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    tombstones: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, folder id, item id)
    seq: int = 0
    sent_invitations: list[dict[str, object]] = field(default_factory=list)
    # (folder id, name) -> {"XmlData"/"BinaryData": base64 text}: Outlook's settings, e.g. "CategoryList"
    configurations: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # Told of every change to the store (the app's streaming subscriptions); called under the app's lock.
    on_event: Callable[[StoreEvent], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # root (the hidden top) > msgfolderroot ("Top of Information Store") > the folders users see
        root_id, top_id = new_id(), new_id()
        for name, (tag, folder_class, display, _) in DISTINGUISHED.items():
            folder_id = {"root": root_id, "msgfolderroot": top_id}.get(name) or new_id()
            parent = {"root": "", "msgfolderroot": root_id}.get(name, top_id)
            self.folders[folder_id] = Folder(
                folder_id, new_change_key(), tag, folder_class, display, parent, name
            )

    def distinguished(self, name: str) -> Folder:
        for folder in self.folders.values():
            if folder.distinguished == name:
                return folder
        raise ItemError("ErrorFolderNotFound", f"The distinguished folder '{name}' does not exist.")

    def folder(self, folder_id: str) -> Folder:
        if folder_id not in self.folders:
            raise ItemError("ErrorFolderNotFound", "The specified folder could not be found in the store.")
        return self.folders[folder_id]

    def item(self, item_id: str) -> Item:
        if item_id not in self.items:
            raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
        return self.items[item_id]

    def touch(self, item: Item) -> None:
        """An item was changed: a new change key and a ModifiedEvent."""
        self._stamp(item)
        self._emit("ModifiedEvent", item.id, item.folder_id, change_key=item.change_key)

    def _stamp(self, item: Item) -> None:
        self.seq += 1
        item.seq = self.seq
        item.change_key = new_change_key()
        item.props["LastModifiedTime"] = leaf(t("LastModifiedTime"), now_stamp())

    def _emit(
        self,
        kind: str,
        item_id: str,
        folder_id: str,
        old_item_id: str = "",
        old_folder_id: str = "",
        change_key: str = "",
    ) -> None:
        if self.on_event is not None:
            self.on_event(
                StoreEvent(kind, self.seq, item_id, folder_id, old_item_id, old_folder_id, change_key)
            )

    def add(self, folder: Folder, kind: str, props: dict[str, ET.Element]) -> Item:
        allowed = KINDS_BY_FOLDER_CLASS.get(folder.folder_class, set())
        if kind not in allowed:
            raise ItemError(
                "ErrorCannotCreateItemInFolder", f"A {kind} cannot be created in '{folder.display_name}'."
            )
        item = Item(new_id(), kind, folder.id, {})
        stamp = now_stamp()
        item.props["ItemClass"] = leaf(t("ItemClass"), ITEM_CLASS.get(kind, "IPM.Note"))
        item.props["DateTimeCreated"] = leaf(t("DateTimeCreated"), stamp)
        item.props.update(props)
        finish(item, self, created=True)
        self.items[item.id] = item
        self._stamp(item)
        self._emit("CreatedEvent", item.id, folder.id, change_key=item.change_key)
        if kind == "Message" and folder.distinguished == "inbox":
            self._emit("NewMailEvent", item.id, folder.id, change_key=item.change_key)
        return item

    def add_folder(self, parent: Folder, tag: str, name: str, folder_class: str) -> Folder:
        if not name:
            raise ItemError("ErrorInvalidFolderName", "A folder needs a DisplayName.")
        if any(
            f.parent_id == parent.id and f.display_name.casefold() == name.casefold()
            for f in self.folders.values()
        ):
            raise ItemError("ErrorFolderExists", "A folder with the specified name already exists.")
        default_class = {
            "CalendarFolder": "IPF.Appointment",
            "ContactsFolder": "IPF.Contact",
            "TasksFolder": "IPF.Task",
        }
        folder = Folder(
            new_id(),
            new_change_key(),
            tag,
            folder_class or default_class.get(tag, "IPF.Note"),
            name,
            parent.id,
        )
        self.folders[folder.id] = folder
        return folder

    def move(self, item: Item, target: Folder) -> Item:
        if item.kind not in KINDS_BY_FOLDER_CLASS.get(target.folder_class, set()):
            raise ItemError(
                "ErrorMoveCopyFailed", f"A {item.kind} cannot be moved to '{target.display_name}'."
            )
        self._drop(item)
        moved = Item(new_id(), item.kind, target.id, item.props)
        self.items[moved.id] = moved
        self._stamp(moved)
        self._emit("MovedEvent", moved.id, target.id, item.id, item.folder_id, moved.change_key)
        return moved

    def attachment(self, attachment_id: str) -> ET.Element | None:
        for item in self.items.values():
            for attachment in item.props.get("Attachments", ET.Element("x")):
                ref = attachment.find(t("AttachmentId"))
                if ref is not None and ref.get("Id") == attachment_id:
                    return attachment
        return None

    def remove(self, item: Item) -> None:
        self._drop(item)
        self._emit("DeletedEvent", item.id, item.folder_id)

    def _drop(self, item: Item) -> None:
        del self.items[item.id]
        self.seq += 1
        self.tombstones.append((self.seq, item.folder_id, item.id))


def finish(item: Item, mailbox: Mailbox, *, created: bool) -> None:
    """What Exchange derives and checks after a write (times in UTC, meeting state, UID)."""
    props = item.props
    for name, prop in props.items():
        # xs:boolean allows 1/0; Exchange answers with the canonical true/false
        if _is_boolean(name) and prop.text in ("1", "0"):
            prop.text = "true" if prop.text == "1" else "false"
    for name in (
        "Start",
        "End",
        "ReminderDueBy",
        "DueDate",
        "StartDate",
        "Birthday",
        "DateTimeSent",
        "DateTimeReceived",
    ):
        if name in props and props[name].text:
            props[name].text = utc_text(props[name].text or "", name)
    if item.kind == "Message" and created:
        _message_defaults(props)
    if item.kind != "CalendarItem":
        return
    if "Start" not in props or "End" not in props:
        raise ItemError("ErrorInvalidRequest", "A calendar item needs a Start and an End.")
    if (props["End"].text or "") < (props["Start"].text or ""):
        raise ItemError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "The end date occurs before the start date."
        )
    attendees = any(
        len(props.get(n, ET.Element("x"))) for n in ("RequiredAttendees", "OptionalAttendees", "Resources")
    )
    if created:
        props.setdefault("UID", leaf(t("UID"), uuid.uuid4().hex.upper()))
        if "Organizer" not in props:
            props["Organizer"] = mailbox_element("Organizer", mailbox.display_name, mailbox.smtp)
        organizer = (props["Organizer"].findtext(f"{t('Mailbox')}/{t('EmailAddress')}") or "").lower()
        own = organizer == mailbox.smtp.lower()
        props.setdefault(
            "MyResponseType", leaf(t("MyResponseType"), "Organizer" if own else "NoResponseReceived")
        )
        props.setdefault("IsCancelled", leaf(t("IsCancelled"), "false"))
        props.setdefault("IsAllDayEvent", leaf(t("IsAllDayEvent"), "false"))
        props.setdefault("LegacyFreeBusyStatus", leaf(t("LegacyFreeBusyStatus"), "Busy"))
        props.setdefault("Sensitivity", leaf(t("Sensitivity"), "Normal"))
        for name in ("StartTimeZone", "EndTimeZone"):
            props.setdefault(name, ET.Element(t(name), {"Id": "UTC", "Name": "UTC"}))
    props["IsMeeting"] = leaf(t("IsMeeting"), "true" if attendees else "false")
    recurring = "Recurrence" in props
    props["IsRecurring"] = leaf(t("IsRecurring"), "true" if recurring else "false")
    props["CalendarItemType"] = leaf(t("CalendarItemType"), "RecurringMaster" if recurring else "Single")


def _message_defaults(props: dict[str, ET.Element]) -> None:
    """What the transport adds to a message: ids, thread, times, flags."""
    stamp = now_stamp()
    props.setdefault(
        "InternetMessageId", leaf(t("InternetMessageId"), f"<{uuid.uuid4().hex}@sandbox.exchange>")
    )
    if "ConversationId" not in props:
        props["ConversationId"] = ET.Element(t("ConversationId"), {"Id": new_id()})
    index = base64.b64encode(b"\x01" + secrets.token_bytes(21)).decode("ascii")
    props.setdefault("ConversationIndex", leaf(t("ConversationIndex"), index))
    props.setdefault("DateTimeSent", leaf(t("DateTimeSent"), stamp))
    props.setdefault("DateTimeReceived", leaf(t("DateTimeReceived"), stamp))
    for name in ("IsRead", "IsDraft", "HasAttachments"):
        props.setdefault(name, leaf(t(name), "false"))


def _is_boolean(name: str) -> bool:
    return name.startswith(("Is", "Has")) or name in ("ReminderIsSet", "AllowNewTimeProposal")


def mailbox_element(tag: str, name: str, address: str) -> ET.Element:
    node = ET.Element(t(tag))
    box = ET.SubElement(node, t("Mailbox"))
    ET.SubElement(box, t("Name")).text = name
    ET.SubElement(box, t("EmailAddress")).text = address
    ET.SubElement(box, t("RoutingType")).text = "SMTP"
    ET.SubElement(box, t("MailboxType")).text = "Mailbox"
    return node


def extended_key(uri: ET.Element) -> str:
    """Where an extended (MAPI) property is kept: by its ExtendedFieldURI attributes."""
    parts = sorted((k, v.lower() if k == "PropertyTag" else v) for k, v in uri.attrib.items())
    return "ExtendedProperty:" + ",".join(f"{k}={v}" for k, v in parts)


def prop_key(elem: ET.Element) -> str:
    """The key a property element is stored under: its name, or its extended-property identity."""
    if local(elem.tag) == "ExtendedProperty":
        uri = elem.find(t("ExtendedFieldURI"))
        if uri is None:
            raise ItemError("ErrorInvalidExtendedProperty", "An ExtendedProperty needs an ExtendedFieldURI.")
        return extended_key(uri)
    return local(elem.tag)


def set_property(item: Item, uri_elem: ET.Element, value_elem: ET.Element) -> None:
    """SetItemField: replace a property, or merge one entry of an indexed property (emails, phones)."""
    if local(uri_elem.tag) == "IndexedFieldURI":
        container = local(value_elem.tag)
        stored = item.props.setdefault(container, ET.Element(value_elem.tag))
        for entry in value_elem:
            key = entry.get("Key", "")
            current = _entry(stored, key)
            if current is None:
                stored.append(copy.deepcopy(entry))
            elif len(entry):  # physical address: merge the parts given
                for part in entry:
                    old = current.find(part.tag)
                    if old is not None:
                        current.remove(old)
                    current.append(copy.deepcopy(part))
            else:
                current.text = entry.text
        return
    if local(uri_elem.tag) not in ("FieldURI", "ExtendedFieldURI"):
        raise ItemError("ErrorInvalidPropertySet", f"{local(uri_elem.tag)} updates are not supported here.")
    item.props[prop_key(value_elem)] = copy.deepcopy(value_elem)


def delete_property(item: Item, uri_elem: ET.Element) -> None:
    uri = uri_elem.get("FieldURI", "")
    if local(uri_elem.tag) == "IndexedFieldURI":
        _, _, part = uri.partition(":PhysicalAddress:")
        container = INDEXED_CONTAINERS.get("contacts:PhysicalAddress" if part else uri)
        stored = item.props.get(container or "")
        entry = _entry(stored, uri_elem.get("FieldIndex", "")) if stored is not None else None
        if stored is None or entry is None:
            return
        if part:
            for node in entry.findall(t(part)):
                entry.remove(node)
            if len(entry):
                return
        stored.remove(entry)
        if not len(stored):
            del item.props[container or ""]
        return
    if local(uri_elem.tag) == "ExtendedFieldURI":
        item.props.pop(extended_key(uri_elem), None)
        return
    if local(uri_elem.tag) != "FieldURI":
        raise ItemError(
            "ErrorInvalidPropertyDelete", f"{local(uri_elem.tag)} deletes are not supported here."
        )
    name = uri.split(":", 1)[-1]
    if item.kind == "CalendarItem" and name in ("Start", "End"):
        raise ItemError("ErrorInvalidPropertyDelete", f"The property {uri} cannot be deleted.")
    item.props.pop(name, None)


def _entry(container: ET.Element, key: str) -> ET.Element | None:
    for entry in container:
        if entry.get("Key") == key:
            return entry
    return None


class SyncStates:
    """Sync states handed out by SyncFolderItems; ``invalidate`` makes every old one unusable."""

    def __init__(self) -> None:
        self._points: dict[str, SyncPoint] = {}

    def issue(self, point: SyncPoint) -> str:
        token = base64.b64encode(b"H4sIAAAAAAAEAO29B2AcSZYlJi9tynt" + secrets.token_bytes(18)).decode("ascii")
        self._points[token] = point
        return token

    def resolve(self, token: str, folder_id: str) -> SyncPoint:
        point = self._points.get(token)
        if point is None or point.folder_id != folder_id:
            raise ItemError(
                "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."
            )
        return point

    def invalidate(self) -> None:
        self._points.clear()
