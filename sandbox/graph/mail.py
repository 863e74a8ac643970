"""Outlook mail: folders (well-known and user-made), messages, attachments and the master category list.

One ``MailAccount`` per mailbox. Messages carry the mailbox change counter (``seq``) so folder deltas
work like the contact and To Do ones. Moving a message gives it a new id in the target folder, as
Exchange does without immutable ids: the source folder's delta reports the old id as removed and the
target's reports the new one. Deleting removes it from every folder (Recoverable Items are not modelled).
"""

from __future__ import annotations

import base64
import re
import secrets
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.items import (
    PerMailbox,
    StoredItem,
    bad,
    live_item,
    not_found,
    refuse_unknown,
    required_display_name,
)

# Graph's well-known folder names -> display names, in the order Outlook lists them.
WELL_KNOWN = {
    "inbox": "Inbox",
    "drafts": "Drafts",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "archive": "Archive",
}
ROOT = "msgfolderroot"
DEFAULT_CATEGORIES = (
    ("Red category", "preset0"),
    ("Orange category", "preset1"),
    ("Yellow category", "preset3"),
    ("Green category", "preset4"),
    ("Blue category", "preset7"),
    ("Purple category", "preset8"),
)
COLORS = {"none", *(f"preset{i}" for i in range(25))}
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
# Always writable; the rest of the message only while it is a draft, as Exchange allows.
WRITABLE_ALWAYS = {"categories", "isRead", "importance", "flag", "inferenceClassification"}
WRITABLE_DRAFT = {"subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo"}
IMPORTANCE = ("low", "normal", "high")


def new_id() -> str:
    return "AAMkAGI" + base64.urlsafe_b64encode(b"\x00\x46" + secrets.token_bytes(97)).decode("ascii")


def new_change_key() -> str:
    return "CQAAABYAAA" + base64.b64encode(secrets.token_bytes(18)).decode("ascii")


# -- model -------------------------------------------------------------------------------------------
@dataclass
class MailFolder:
    id: str
    display_name: str
    parent_id: str
    well_known: str = ""
    is_hidden: bool = False


@dataclass
class StoredAttachment:
    id: str
    name: str
    content_type: str
    content: bytes
    is_inline: bool
    content_id: str | None
    modified: datetime

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class StoredMessage(StoredItem):
    attachments: dict[str, StoredAttachment] = field(default_factory=dict)
    deleted: bool = False

    @property
    def received(self) -> datetime:
        return parse_instant(self.fields["receivedDateTime"])


@dataclass
class MailAccount:
    root_id: str = field(default_factory=new_id)
    folders: dict[str, MailFolder] = field(default_factory=dict)
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (displayName, color)

    def __post_init__(self) -> None:
        for name, display in WELL_KNOWN.items():
            folder = MailFolder(new_id(), display, self.root_id, name)
            self.folders[folder.id] = folder
        for display, color in DEFAULT_CATEGORIES:
            self.categories[str(uuid.uuid4())] = (display, color)

    def well_known(self, name: str) -> MailFolder:
        return next(f for f in self.folders.values() if f.well_known == name)


# -- values ------------------------------------------------------------------------------------------
def stamp(moment: datetime) -> str:
    """Message date-times as Graph shows them: UTC, whole seconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise bad(f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'.")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise bad(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'."
        ) from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def recipient(value: Any) -> dict[str, dict[str, str]]:
    """``{"emailAddress": {"name", "address"}}`` from that shape or a bare address string."""
    if isinstance(value, str):
        value = {"emailAddress": {"address": value}}
    inner = value.get("emailAddress") if isinstance(value, dict) else None
    address = inner.get("address") if isinstance(inner, dict) else None
    if not isinstance(address, str) or not ADDRESS.match(address.strip()):
        raise bad(f"The recipient '{value}' is not a valid email address.")
    name = inner.get("name") if isinstance(inner.get("name"), str) and inner.get("name") else address
    return {"emailAddress": {"name": name.strip(), "address": address.strip()}}


def recipients(value: Any) -> list[dict[str, dict[str, str]]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad("A collection of recipients was expected.")
    return [recipient(v) for v in value]


def string_list(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"The property '{name}' expects a collection of strings.")
    return list(value)


def item_body(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"contentType": "text", "content": value}
    if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
        raise bad("The property 'body' expects an itemBody.")
    kind = str(value.get("contentType", "text")).lower()
    if kind not in ("text", "html"):
        raise bad(f"Cannot convert the literal '{value.get('contentType')}' to 'microsoft.graph.bodyType'.")
    return {"contentType": kind, "content": value.get("content", "")}


def conversation_index(parent: str | None, moment: datetime) -> str:
    """Outlook's PR_CONVERSATION_INDEX: a 22-byte header, then 5 bytes per reply (base64)."""
    if parent:
        raw = base64.b64decode(parent)
        return base64.b64encode(raw + secrets.token_bytes(5)).decode("ascii")
    filetime = int((moment.timestamp() + 11644473600) * 10_000_000)
    header = b"\x01" + struct.pack(">Q", filetime)[:5] + uuid.uuid4().bytes
    return base64.b64encode(header).decode("ascii")


def conversation_id() -> str:
    return "AAQkAGI" + base64.urlsafe_b64encode(b"\x00\x10" + secrets.token_bytes(28)).decode("ascii")


def internet_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex[:24].upper()}@{domain}>"


# -- store -------------------------------------------------------------------------------------------
class MailStore:
    def __init__(self) -> None:
        self.account = PerMailbox(MailAccount)

    # -- folders ---------------------------------------------------------------------------------
    def folder(self, mailbox: Mailbox, key: str) -> MailFolder:
        """By id or well-known name (case-insensitive), as Graph's ``/mailFolders/{id}`` accepts."""
        account = self.account(mailbox)
        if key in account.folders:
            return account.folders[key]
        lowered = key.lower()
        if lowered == ROOT or key == account.root_id:
            return MailFolder(account.root_id, "Top of Information Store", "", ROOT, is_hidden=True)
        for folder in account.folders.values():
            if folder.well_known == lowered:
                return folder
        raise not_found()

    def children(self, mailbox: Mailbox, parent_id: str) -> list[MailFolder]:
        return [f for f in self.account(mailbox).folders.values() if f.parent_id == parent_id]

    def create_folder(self, mailbox: Mailbox, parent_key: str, body: Any) -> MailFolder:
        parent = self.folder(mailbox, parent_key)
        name = required_display_name(body).strip()
        refuse_unknown(body, ("displayName", "isHidden"), "mailFolder")
        if any(f.display_name.casefold() == name.casefold() for f in self.children(mailbox, parent.id)):
            raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        folder = MailFolder(new_id(), name, parent.id, is_hidden=bool(body.get("isHidden", False)))
        self.account(mailbox).folders[folder.id] = folder
        return folder

    # -- messages --------------------------------------------------------------------------------
    def get(self, mailbox: Mailbox, message_id: str, folder_id: str | None = None) -> StoredMessage:
        return live_item(self.account(mailbox).messages, message_id, folder_id)

    def live(self, mailbox: Mailbox, folder_id: str | None = None) -> list[StoredMessage]:
        """Messages of a folder (of every folder when None), newest received first, as Outlook lists."""
        found = [
            m
            for m in self.account(mailbox).messages.values()
            if not m.deleted and (folder_id is None or m.folder_id == folder_id)
        ]
        return sorted(found, key=lambda m: (m.fields["receivedDateTime"], m.created, m.id), reverse=True)

    def put(self, mailbox: Mailbox, folder_id: str, fields: dict[str, Any]) -> StoredMessage:
        """Store a complete message (delivery, sending): ``fields`` hold every property it has."""
        now = datetime.now(UTC)
        message = StoredMessage(new_id(), folder_id, now, now, new_change_key(), mailbox.next_seq(), fields)
        self.account(mailbox).messages[message.id] = message
        return message

    def update(
        self, mailbox: Mailbox, message_id: str, body: Any, folder_id: str | None = None
    ) -> StoredMessage:
        message = self.get(mailbox, message_id, folder_id)
        if not isinstance(body, dict):
            raise bad("The request body is not a valid message.")
        changes: dict[str, Any] = {}
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            if key not in WRITABLE_ALWAYS | WRITABLE_DRAFT:
                raise bad(
                    f"The property '{key}' does not exist on type 'microsoft.graph.message' or is not "
                    "writable."
                )
            if key in WRITABLE_DRAFT and not message.fields["isDraft"]:
                raise GraphError(
                    400,
                    "ErrorInvalidPropertyUpdateSentMessage",
                    "Update operation is not supported for this property on a sent message.",
                )
            changes[key] = _writable(key, value)
        message.fields.update(changes)
        self.touch(mailbox, message)
        return message

    def touch(self, mailbox: Mailbox, message: StoredMessage) -> None:
        message.modified = datetime.now(UTC)
        message.change_key = new_change_key()
        message.seq = mailbox.next_seq()

    def move(self, mailbox: Mailbox, message_id: str, destination: str) -> StoredMessage:
        """A copy under a new id in the destination; the old id is gone (Exchange's default ids)."""
        message = self.get(mailbox, message_id)
        target = self.folder(mailbox, destination)
        if target.id == self.account(mailbox).root_id:
            raise GraphError(400, "ErrorInvalidIdMalformed", "Messages cannot be moved to the root folder.")
        message.deleted = True
        message.seq = mailbox.next_seq()
        moved = StoredMessage(
            new_id(),
            target.id,
            message.created,
            datetime.now(UTC),
            new_change_key(),
            mailbox.next_seq(),
            dict(message.fields),
            dict(message.attachments),
        )
        self.account(mailbox).messages[moved.id] = moved
        return moved

    def delete(self, mailbox: Mailbox, message_id: str) -> None:
        message = self.get(mailbox, message_id)
        message.deleted = True
        message.seq = mailbox.next_seq()

    def add_attachment(self, mailbox: Mailbox, message_id: str, body: Any) -> StoredAttachment:
        message = self.get(mailbox, message_id)
        attachment = file_attachment(body)
        message.attachments[attachment.id] = attachment
        message.fields["hasAttachments"] = any(not a.is_inline for a in message.attachments.values())
        self.touch(mailbox, message)
        return attachment

    def attachment(self, mailbox: Mailbox, message_id: str, attachment_id: str) -> StoredAttachment:
        found = self.get(mailbox, message_id).attachments.get(attachment_id)
        if found is None:
            raise not_found()
        return found

    # -- categories ------------------------------------------------------------------------------
    def create_category(self, mailbox: Mailbox, body: Any) -> str:
        name = required_display_name(body)
        color = str(body.get("color", "none"))
        if color.lower() not in COLORS:
            raise bad(
                f"Cannot convert the literal '{color}' to the expected type 'microsoft.graph.categoryColor'."
            )
        account = self.account(mailbox)
        if any(known.casefold() == name.casefold() for known, _ in account.categories.values()):
            raise GraphError(
                409, "ErrorDuplicateCategory", "A category with the specified name already exists."
            )
        category_id = str(uuid.uuid4())
        account.categories[category_id] = (name, color.lower())
        return category_id


def file_attachment(body: Any) -> StoredAttachment:
    """A ``#microsoft.graph.fileAttachment`` body: name and base64 ``contentBytes`` are required."""
    if not isinstance(body, dict):
        raise bad("The request body is not a valid attachment.")
    kind = body.get("@odata.type", "#microsoft.graph.fileAttachment")
    if kind != "#microsoft.graph.fileAttachment":
        raise bad(f"Only file attachments are supported by this sandbox, not '{kind}'.")
    name, raw = body.get("name"), body.get("contentBytes")
    if not isinstance(name, str) or not name or not isinstance(raw, str):
        raise GraphError(400, "ErrorInvalidRequest", "The attachment needs a name and contentBytes.")
    try:
        content = base64.b64decode(raw, validate=True)
    except ValueError as error:
        raise bad("The property 'contentBytes' is not valid base64.") from error
    return StoredAttachment(
        id="AAMkAGI" + base64.urlsafe_b64encode(secrets.token_bytes(60)).decode("ascii"),
        name=name,
        content_type=str(body.get("contentType") or "application/octet-stream"),
        content=content,
        is_inline=bool(body.get("isInline", False)),
        content_id=body.get("contentId") if isinstance(body.get("contentId"), str) else None,
        modified=datetime.now(UTC),
    )


def _writable(key: str, value: Any) -> Any:
    if key == "categories":
        return string_list(key, value)
    if key == "isRead":
        if not isinstance(value, bool):
            raise bad("The property 'isRead' expects a boolean.")
        return value
    if key == "importance":
        if not isinstance(value, str) or value.lower() not in IMPORTANCE:
            raise bad(
                f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.importance'."
            )
        return value.lower()
    if key == "flag":
        if not isinstance(value, dict):
            raise bad("The property 'flag' expects a followupFlag.")
        return {"flagStatus": str(value.get("flagStatus", "notFlagged"))}
    if key == "inferenceClassification":
        if value not in ("focused", "other"):
            raise bad(
                f"Cannot convert the literal '{value}' to 'microsoft.graph.inferenceClassificationType'."
            )
        return value
    if key == "subject":
        if not isinstance(value, str):
            raise bad("The property 'subject' expects a string.")
        return value
    if key == "body":
        return item_body(value)
    if key == "replyTo" or key.endswith("Recipients"):
        return recipients(value)
    raise bad(f"The property '{key}' is not writable.")


def message_fields(
    *,
    sender: dict[str, dict[str, str]],
    to: list[dict[str, dict[str, str]]],
    cc: list[dict[str, dict[str, str]]],
    bcc: list[dict[str, dict[str, str]]],
    subject: str,
    body: dict[str, str],
    sent: datetime,
    received: datetime,
    internet_id: str,
    conversation: str,
    index: str,
    is_draft: bool = False,
    is_read: bool = False,
    categories: list[str] | None = None,
    headers: list[dict[str, str]] | None = None,
    unique_body: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Every stored property of a message, in Graph's names."""
    return {
        "subject": subject,
        "body": body,
        "uniqueBody": unique_body or body,
        "from": sender,
        "sender": sender,
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
        "replyTo": [],
        "sentDateTime": stamp(sent),
        "receivedDateTime": stamp(received),
        "internetMessageId": internet_id,
        "conversationId": conversation,
        "conversationIndex": index,
        "isDraft": is_draft,
        "isRead": is_read,
        "categories": list(categories or []),
        "importance": "normal",
        "flag": {"flagStatus": "notFlagged"},
        "inferenceClassification": "focused",
        "hasAttachments": False,
        "internetMessageHeaders": headers or [],
    }
