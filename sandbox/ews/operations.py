"""The EWS operations, each reading a request body and writing a response (per-item errors inline)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import TypeVar

from sandbox.ews import recurrence
from sandbox.ews.soap import ItemError, SoapFaultError, error, leaf, local, m, response_root, success, t
from sandbox.ews.store import (
    Folder,
    Item,
    Mailbox,
    SyncPoint,
    SyncStates,
    delete_property,
    extended_key,
    finish,
    prop_key,
    set_property,
    utc_text,
)

Operation = Callable[[Mailbox, ET.Element], ET.Element]
MAX_SYNC_CHANGES = 512


class Operations:
    def __init__(self, states: SyncStates) -> None:
        self.states = states
        self.table: dict[str, Operation] = {
            "GetFolder": self.get_folder,
            "FindFolder": self.find_folder,
            "CreateFolder": self.create_folder,
            "MoveItem": self.move_item,
            "FindItem": self.find_item,
            "GetAttachment": self.get_attachment,
            "GetUserConfiguration": self.get_user_configuration,
            "CreateUserConfiguration": self.create_user_configuration,
            "UpdateUserConfiguration": self.update_user_configuration,
            "SyncFolderItems": self.sync_folder_items,
            "GetItem": self.get_item,
            "CreateItem": self.create_item,
            "UpdateItem": self.update_item,
            "DeleteItem": self.delete_item,
        }

    def run(self, name: str, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        if name not in self.table:
            raise SoapFaultError(
                "ErrorInvalidRequest", f"The operation {name} is not supported by this server."
            )
        return self.table[name](mailbox, body)

    # -- folders -----------------------------------------------------------------------------------
    def get_folder(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("GetFolder")
        folders = _children(body, m("FolderIds"))
        for folder in _each(messages, "GetFolder", folders, lambda ref: resolve_folder(mailbox, ref)):
            container = ET.SubElement(success(messages, "GetFolder"), m("Folders"))
            container.append(render_folder(mailbox, folder))
        return root

    def find_folder(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        """Child folders (Shallow) or all below (Deep), optionally where DisplayName equals a value."""
        root, messages = response_root("FindFolder")
        deep = body.get("Traversal", "Shallow") == "Deep"
        wanted = _display_name_filter(body.find(m("Restriction")))
        view = body.find(m("IndexedPageFolderView"))
        parents = _children(body, m("ParentFolderIds"))
        for parent in _each(messages, "FindFolder", parents, lambda ref: resolve_folder(mailbox, ref)):
            found = [
                f
                for f in _below(mailbox, parent.id, deep)
                if wanted is None or f.display_name.casefold() == wanted.casefold()
            ]
            _root_folder(
                success(messages, "FindFolder"), found, view, "Folders", partial(render_folder, mailbox)
            )
        return root

    def create_folder(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("CreateFolder")
        refs = _children(body, m("ParentFolderId"))

        def make(source: ET.Element) -> Folder:
            return mailbox.add_folder(
                _one_folder(mailbox, refs, "ParentFolderId"),
                local(source.tag),
                source.findtext(t("DisplayName")) or "",
                source.findtext(t("FolderClass")) or "",
            )

        for folder in _each(messages, "CreateFolder", _children(body, m("Folders")), make):
            made = ET.SubElement(
                ET.SubElement(success(messages, "CreateFolder"), m("Folders")), t(folder.tag)
            )
            ET.SubElement(made, t("FolderId"), {"Id": folder.id, "ChangeKey": folder.change_key})
        return root

    # -- items -------------------------------------------------------------------------------------
    def move_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        """Moved items get a new id in their new folder, as Exchange gives them."""
        root, messages = response_root("MoveItem")
        targets = _children(body, m("ToFolderId"))

        def move(ref: ET.Element) -> Item:
            return mailbox.move(mailbox.item(ref.get("Id", "")), _one_folder(mailbox, targets, "ToFolderId"))

        for moved in _each(messages, "MoveItem", _children(body, m("ItemIds")), move):
            reply = ET.SubElement(ET.SubElement(success(messages, "MoveItem"), m("Items")), t(moved.kind))
            ET.SubElement(reply, t("ItemId"), {"Id": moved.id, "ChangeKey": moved.change_key})
        return root

    def sync_folder_items(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("SyncFolderItems")
        refs = _children(body, m("SyncFolderId"))
        try:
            folder = _one_folder(mailbox, refs, "SyncFolderId")
            token = (body.findtext(m("SyncState")) or "").strip()
            point = self.states.resolve(token, folder.id) if token else SyncPoint(folder.id, 0, frozenset())
            limit = int(body.findtext(m("MaxChangesReturned")) or "100")
            if not 1 <= limit <= MAX_SYNC_CHANGES:
                raise ItemError("ErrorInvalidRequest", f"MaxChangesReturned must be 1 to {MAX_SYNC_CHANGES}.")
        except ItemError as problem:
            message = error(messages, "SyncFolderItems", problem)
            message.append(leaf(m("SyncState"), ""))
            message.append(leaf(m("IncludesLastItemInRange"), "true"))
            return root
        ignore = {ref.get("Id", "") for ref in _children(body, m("Ignore"))}
        pending = _changes_since(mailbox, folder, point, ignore)
        taken, rest = pending[:limit], pending[limit:]
        known = set(point.known)
        message = success(messages, "SyncFolderItems")
        changes = ET.Element(m("Changes"))
        for _seq, kind, item_id in taken:
            if kind == "Delete":
                known.discard(item_id)
                node = ET.SubElement(changes, t("Delete"))
                ET.SubElement(node, t("ItemId"), {"Id": item_id})
                continue
            item = mailbox.items[item_id]
            ET.SubElement(changes, t(kind)).append(render_item(item, mailbox))
            known.add(item_id)
        last_seq = taken[-1][0] if taken else point.seq
        last_seq = last_seq if rest else max(last_seq, mailbox.seq)
        token = self.states.issue(SyncPoint(folder.id, last_seq, frozenset(known)))
        message.append(leaf(m("SyncState"), token))
        message.append(leaf(m("IncludesLastItemInRange"), "false" if rest else "true"))
        message.append(changes)
        return root

    def get_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("GetItem")
        items = _children(body, m("ItemIds"))
        for item in _each(messages, "GetItem", items, lambda ref: lookup(mailbox, ref.get("Id", ""))):
            ET.SubElement(success(messages, "GetItem"), m("Items")).append(render_item(item, mailbox))
        return root

    def find_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        """The items of each folder (Shallow), optionally where one property equals a value."""
        root, messages = response_root("FindItem")
        if body.get("Traversal", "Shallow") != "Shallow":
            raise SoapFaultError("ErrorInvalidRequest", "Only Shallow item traversal is supported here.")
        test = _equality(body.find(m("Restriction")))
        calendar_view = body.find(m("CalendarView"))
        view = body.find(m("IndexedPageItemView"))
        folders = _children(body, m("ParentFolderIds"))
        for folder in _each(messages, "FindItem", folders, lambda ref: resolve_folder(mailbox, ref)):
            found = [
                i for i in mailbox.items.values() if i.folder_id == folder.id and (test is None or test(i))
            ]
            if calendar_view is not None:
                found = _calendar_view(found, calendar_view)
            _root_folder(
                success(messages, "FindItem"), found, view, "Items", lambda i: render_item(i, mailbox)
            )
        return root

    def get_attachment(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("GetAttachment")
        for ref in _children(body, m("AttachmentIds")):
            found = mailbox.attachment(ref.get("Id", ""))
            if found is None:
                error(
                    messages,
                    "GetAttachment",
                    ItemError("ErrorInvalidAttachmentId", "The attachment was not found."),
                )
                continue
            ET.SubElement(success(messages, "GetAttachment"), m("Attachments")).append(copy.deepcopy(found))
        return root

    # -- user configurations (the master category list lives in one) -------------------------------
    def get_user_configuration(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("GetUserConfiguration")
        try:
            key, name_elem = _configuration_key(mailbox, body.find(t("UserConfigurationName")))
            stored = mailbox.configurations.get(key)
            if stored is None:
                raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
        except ItemError as problem:
            error(messages, "GetUserConfiguration", problem)
            return root
        node = ET.SubElement(success(messages, "GetUserConfiguration"), m("UserConfiguration"))
        node.append(copy.deepcopy(name_elem))
        for part, value in stored.items():
            ET.SubElement(node, t(part)).text = value
        return root

    def create_user_configuration(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        return self._put_configuration(mailbox, body, "CreateUserConfiguration", create=True)

    def update_user_configuration(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        return self._put_configuration(mailbox, body, "UpdateUserConfiguration", create=False)

    def _put_configuration(
        self, mailbox: Mailbox, body: ET.Element, operation: str, *, create: bool
    ) -> ET.Element:
        root, messages = response_root(operation)
        source = body.find(m("UserConfiguration"))
        try:
            if source is None:
                raise ItemError("ErrorInvalidRequest", "A UserConfiguration is required.")
            key, _ = _configuration_key(mailbox, source.find(t("UserConfigurationName")))
            if create and key in mailbox.configurations:
                raise ItemError("ErrorItemSave", "A user configuration with this name already exists.")
            if not create and key not in mailbox.configurations:
                raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
        except ItemError as problem:
            error(messages, operation, problem)
            return root
        parts = {local(c.tag): c.text or "" for c in source if local(c.tag) in ("XmlData", "BinaryData")}
        mailbox.configurations[key] = {**mailbox.configurations.get(key, {}), **parts}
        success(messages, operation)
        return root

    def create_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("CreateItem")
        invitations = body.get("SendMeetingInvitations", "")
        refs = _children(body, m("SavedItemFolderId"))
        for source in _children(body, m("Items")):
            try:
                folder = (
                    resolve_folder(mailbox, refs[0])
                    if refs
                    else mailbox.distinguished(_default_folder(local(source.tag)))
                )
                if local(source.tag) == "CalendarItem" and not invitations:
                    raise ItemError(
                        "ErrorSendMeetingInvitationsRequired", "SendMeetingInvitations is required."
                    )
                props = {prop_key(child): copy.deepcopy(child) for child in source}
                item = mailbox.add(folder, local(source.tag), props)
            except ItemError as problem:
                error(messages, "CreateItem", problem)
                continue
            if item.kind == "CalendarItem" and invitations in ("SendOnlyToAll", "SendToAllAndSaveCopy"):
                _send_invitations(mailbox, item, "request")
            reply = ET.Element(t(item.kind))
            ET.SubElement(reply, t("ItemId"), {"Id": item.id, "ChangeKey": item.change_key})
            ET.SubElement(success(messages, "CreateItem"), m("Items")).append(reply)
        return root

    def update_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("UpdateItem")
        resolution = body.get("ConflictResolution", "AutoResolve")
        invitations = body.get("SendMeetingInvitationsOrCancellations", "")
        changes = _children(body, m("ItemChanges"))
        for item in _each(
            messages, "UpdateItem", changes, lambda change: self._apply_change(mailbox, change, resolution)
        ):
            if item.kind == "CalendarItem" and invitations in (
                "SendOnlyToAll",
                "SendToAllAndSaveCopy",
                "SendOnlyToChanged",
                "SendToChangedAndSaveCopy",
            ):
                _send_invitations(mailbox, item, "update")
            message = success(messages, "UpdateItem")
            reply = ET.SubElement(ET.SubElement(message, m("Items")), t(item.kind))
            ET.SubElement(reply, t("ItemId"), {"Id": item.id, "ChangeKey": item.change_key})
            ET.SubElement(ET.SubElement(message, m("ConflictResults")), t("Count")).text = "0"
        return root

    def _apply_change(self, mailbox: Mailbox, change: ET.Element, resolution: str) -> Item:
        ref = change.find(t("ItemId"))
        if ref is None:
            raise ItemError("ErrorInvalidIdMalformed", "An ItemChange needs an ItemId.")
        item = lookup(mailbox, ref.get("Id", ""))
        change_key = ref.get("ChangeKey")
        if change_key and change_key != item.change_key and resolution == "NeverOverwrite":
            raise ItemError(
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the "
                "change key passed in the request does not match the current change key for the item.",
            )
        work = Item(item.id, item.kind, item.folder_id, copy.deepcopy(item.props), item.change_key, item.seq)
        for update in _children(change, t("Updates")):
            uri = next((c for c in update if local(c.tag).endswith("FieldURI")), None)
            if uri is None:
                raise ItemError("ErrorInvalidPropertySet", "An update names no property.")
            if local(update.tag) == "SetItemField":
                value_holder = next((c for c in update if c is not uri), None)
                if value_holder is None or len(value_holder) != 1:
                    raise ItemError("ErrorIncorrectUpdatePropertyCount", "Set one property per update.")
                if local(value_holder.tag) != item.kind:
                    raise ItemError(
                        "ErrorObjectTypeChanged",
                        f"The item is a {item.kind}, not a {local(value_holder.tag)}.",
                    )
                set_property(work, uri, value_holder[0])
            elif local(update.tag) == "DeleteItemField":
                delete_property(work, uri)
            else:
                raise ItemError("ErrorInvalidRequest", f"{local(update.tag)} is not supported here.")
        finish(work, mailbox, created=False)
        series = recurrence.parse_occurrence_id(item.id)
        if series is not None:  # an edited occurrence becomes an exception kept on its master
            master = mailbox.item(series[0])
            master.exceptions[series[1]] = work.props
            mailbox.touch(master)
            return recurrence.virtual(master, series[1])
        item.props = work.props
        mailbox.touch(item)
        return item

    def delete_item(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        root, messages = response_root("DeleteItem")
        cancellations = body.get("SendMeetingCancellations", "")
        for ref in _children(body, m("ItemIds")):
            try:
                item = lookup(mailbox, ref.get("Id", ""))
                if item.kind == "CalendarItem" and not cancellations:
                    raise ItemError(
                        "ErrorSendMeetingCancellationsRequired", "SendMeetingCancellations is required."
                    )
            except ItemError as problem:
                error(messages, "DeleteItem", problem)
                continue
            if item.kind == "CalendarItem" and cancellations in ("SendOnlyToAll", "SendToAllAndSaveCopy"):
                _send_invitations(mailbox, item, "cancellation")
            series = recurrence.parse_occurrence_id(item.id)
            if series is not None:  # one occurrence leaves the series
                master = mailbox.item(series[0])
                master.deleted_occurrences.add(series[1])
                master.exceptions.pop(series[1], None)
                mailbox.touch(master)
            else:
                mailbox.remove(item)
            success(messages, "DeleteItem")
        return root


T = TypeVar("T")


def _each(
    messages: ET.Element, operation: str, sources: list[ET.Element], take: Callable[[ET.Element], T]
) -> Iterator[T]:
    """What ``take`` makes of each source, in order; a source it refuses (ItemError) is answered
    with an error response message in its place."""
    for source in sources:
        try:
            taken = take(source)
        except ItemError as problem:
            error(messages, operation, problem)
            continue
        yield taken


def _root_folder(
    message: ET.Element,
    found: list[T],
    view: ET.Element | None,
    holder: str,
    render: Callable[[T], ET.Element],
) -> None:
    """One IndexedPage*View page of ``found`` (all of it without a view), rendered under a RootFolder
    with Exchange's paging attributes."""
    offset = int(view.get("Offset", "0")) if view is not None else 0
    limit = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
    page = found[offset : offset + limit]
    attrs = {
        "TotalItemsInView": str(len(found)),
        "IncludesLastItemInRange": "true" if offset + len(page) >= len(found) else "false",
        "IndexedPagingOffset": str(offset + len(page)),
    }
    container = ET.SubElement(ET.SubElement(message, m("RootFolder"), attrs), t(holder))
    for entry in page:
        container.append(render(entry))


def _children(parent: ET.Element, tag: str) -> list[ET.Element]:
    node = parent.find(tag)
    return list(node) if node is not None else []


def _default_folder(kind: str) -> str:
    return {"CalendarItem": "calendar", "Task": "tasks", "Contact": "contacts"}.get(kind, "drafts")


def _one_folder(mailbox: Mailbox, refs: list[ET.Element], name: str) -> Folder:
    """The folder of an element that must name exactly one (``name``: its tag, for the error)."""
    if len(refs) != 1:
        raise ItemError("ErrorInvalidRequest", f"{name} must name one folder.")
    return resolve_folder(mailbox, refs[0])


def resolve_folder(mailbox: Mailbox, ref: ET.Element) -> Folder:
    if local(ref.tag) == "DistinguishedFolderId":
        owner = ref.findtext(f"{t('Mailbox')}/{t('EmailAddress')}")
        if owner and owner.lower() != mailbox.smtp.lower():
            raise ItemError("ErrorAccessDenied", f"Access is denied to the mailbox {owner}.")
        return mailbox.distinguished(ref.get("Id", ""))
    if local(ref.tag) == "FolderId":
        return mailbox.folder(ref.get("Id", ""))
    raise ItemError("ErrorInvalidIdMalformed", f"{local(ref.tag)} is not a folder id.")


def _below(mailbox: Mailbox, parent_id: str, deep: bool) -> list[Folder]:
    found: list[Folder] = []
    for folder in mailbox.folders.values():
        if folder.parent_id == parent_id:
            found.append(folder)
            if deep:
                found += _below(mailbox, folder.id, deep)
    return found


def _display_name_filter(restriction: ET.Element | None) -> str | None:
    """The value of ``DisplayName == value``: the one folder restriction this server evaluates."""
    if restriction is None:
        return None
    equal = restriction.find(t("IsEqualTo"))
    uri = equal.find(t("FieldURI")) if equal is not None else None
    constant = equal.find(f"{t('FieldURIOrConstant')}/{t('Constant')}") if equal is not None else None
    if uri is None or constant is None or uri.get("FieldURI") != "folder:DisplayName":
        raise SoapFaultError("ErrorUnsupportedQueryFilter", "Only DisplayName equality is supported here.")
    return constant.get("Value", "")


def lookup(mailbox: Mailbox, item_id: str) -> Item:
    """A stored item, or an occurrence of a recurring one (by its occurrence id)."""
    series = recurrence.parse_occurrence_id(item_id)
    if series is None:
        return mailbox.item(item_id)
    master = mailbox.item(series[0])
    if master.kind != "CalendarItem" or "Recurrence" not in master.props:
        raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
    return recurrence.virtual(master, series[1])


def _calendar_view(items: list[Item], view: ET.Element) -> list[Item]:
    """Calendar items overlapping the view, each recurring one unfolded into its occurrences."""
    start = datetime.fromisoformat(utc_text(view.get("StartDate", ""), "StartDate").replace("Z", "+00:00"))
    end = datetime.fromisoformat(utc_text(view.get("EndDate", ""), "EndDate").replace("Z", "+00:00"))
    found: list[tuple[str, Item]] = []
    for item in items:
        if "Recurrence" in item.props:
            for occurrence in recurrence.expand(item, start, end):
                shown = recurrence.virtual(item, occurrence.index)
                found.append((shown.props["Start"].text or "", shown))
            continue
        first, last = item.props["Start"].text or "", item.props["End"].text or ""
        if first < end.strftime("%Y-%m-%dT%H:%M:%SZ") and last > start.strftime("%Y-%m-%dT%H:%M:%SZ"):
            found.append((first, item))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _configuration_key(mailbox: Mailbox, name: ET.Element | None) -> tuple[tuple[str, str], ET.Element]:
    if name is None or not name.get("Name"):
        raise ItemError("ErrorInvalidRequest", "A UserConfigurationName with a Name is required.")
    ref = next((c for c in name if local(c.tag) in ("FolderId", "DistinguishedFolderId")), None)
    if ref is None:
        raise ItemError("ErrorInvalidRequest", "A user configuration names its folder.")
    return (resolve_folder(mailbox, ref).id, name.get("Name", "")), name


def _equality(restriction: ET.Element | None) -> Callable[[Item], bool] | None:
    """The item restrictions this server evaluates: IsEqualTo / IsNotEqualTo a constant, on a property
    (FieldURI) or an extended property (ExtendedFieldURI), and And / Or / Not of those."""
    if restriction is None:
        return None
    terms = list(restriction)
    if len(terms) != 1:
        raise SoapFaultError("ErrorInvalidRestriction", "A Restriction holds exactly one search expression.")
    return _expression(terms[0])


def _expression(node: ET.Element) -> Callable[[Item], bool]:
    name = local(node.tag)
    if name in ("And", "Or"):
        parts = [_expression(child) for child in node]
        if name == "And":
            return lambda item: all(part(item) for part in parts)
        return lambda item: any(part(item) for part in parts)
    if name == "Not" and len(node) == 1:
        inner = _expression(node[0])
        return lambda item: not inner(item)
    if name == "IsNotEqualTo":
        equal = ET.Element(t("IsEqualTo"))
        equal.extend(list(node))
        different = _expression(equal)
        return lambda item: not different(item)
    if name != "IsEqualTo":
        raise SoapFaultError("ErrorUnsupportedQueryFilter", f"{name} restrictions are not supported here.")
    uri, extended = node.find(t("FieldURI")), node.find(t("ExtendedFieldURI"))
    constant = node.find(f"{t('FieldURIOrConstant')}/{t('Constant')}")
    if (uri is None and extended is None) or constant is None:
        raise SoapFaultError(
            "ErrorUnsupportedQueryFilter",
            "Only IsEqualTo with a constant (and And, Or, Not) is supported here.",
        )
    wanted = constant.get("Value", "")
    if extended is not None:
        key = extended_key(extended)

        def stamped(item: Item) -> bool:
            prop = item.props.get(key)
            return prop is not None and (prop.findtext(t("Value")) or "") == wanted

        return stamped
    assert uri is not None
    field = uri.get("FieldURI", "").split(":", 1)[-1]

    def test(item: Item) -> bool:
        prop = item.props.get(field)
        value = (prop.text or prop.get("Id", "")) if prop is not None else ""
        return value.casefold() == wanted.casefold()

    return test


def _changes_since(
    mailbox: Mailbox, folder: Folder, point: SyncPoint, ignore: set[str]
) -> list[tuple[int, str, str]]:
    """(seq, Create|Update|Delete, item id) after the sync point, oldest first."""
    changes = [
        (item.seq, "Update" if item.id in point.known else "Create", item.id)
        for item in mailbox.items.values()
        if item.folder_id == folder.id and item.seq > point.seq and item.id not in ignore
    ]
    changes += [
        (seq, "Delete", item_id)
        for seq, folder_id, item_id in mailbox.tombstones
        if folder_id == folder.id and seq > point.seq and item_id in point.known
    ]
    return sorted(changes)


def _send_invitations(mailbox: Mailbox, item: Item, kind: str) -> None:
    recipients = [
        address.text or ""
        for name in ("RequiredAttendees", "OptionalAttendees", "Resources")
        for address in item.props.get(name, ET.Element("x")).iter(t("EmailAddress"))
    ]
    if recipients:
        mailbox.sent_invitations.append({"kind": kind, "item_id": item.id, "to": recipients})


def render_folder(mailbox: Mailbox, folder: Folder) -> ET.Element:
    node = ET.Element(t(folder.tag))
    ET.SubElement(node, t("FolderId"), {"Id": folder.id, "ChangeKey": folder.change_key})
    if folder.parent_id:
        parent = mailbox.folders[folder.parent_id]
        ET.SubElement(node, t("ParentFolderId"), {"Id": parent.id, "ChangeKey": parent.change_key})
    ET.SubElement(node, t("FolderClass")).text = folder.folder_class
    ET.SubElement(node, t("DisplayName")).text = folder.display_name
    count = sum(1 for item in mailbox.items.values() if item.folder_id == folder.id)
    ET.SubElement(node, t("TotalCount")).text = str(count)
    children = sum(1 for f in mailbox.folders.values() if f.parent_id == folder.id)
    ET.SubElement(node, t("ChildFolderCount")).text = str(children)
    if folder.tag in ("Folder",):
        ET.SubElement(node, t("UnreadCount")).text = "0"
    return node


def render_item(item: Item, mailbox: Mailbox) -> ET.Element:
    node = ET.Element(t(item.kind))
    ET.SubElement(node, t("ItemId"), {"Id": item.id, "ChangeKey": item.change_key})
    folder = mailbox.folders[item.folder_id]
    ET.SubElement(node, t("ParentFolderId"), {"Id": folder.id, "ChangeKey": folder.change_key})
    for prop in item.props.values():
        shown = copy.deepcopy(prop)
        if local(shown.tag) == "Attachments":  # contents come with GetAttachment only
            for attachment in shown:
                for content in attachment.findall(t("Content")):
                    attachment.remove(content)
        node.append(shown)
    return node
