"""Exchange mail over EWS: folder sync states as neutral email records, categories and moves in batches.

Calls go through the mailbox's ``EwsClient`` (its ``call``, ``sync_all`` and call counting). Each folder
is read with SyncFolderItems: a folder with no changes costs one call. The first read of Inbox and Sent
Items (and any read after Exchange refused the sync state) keeps only emails received within the
backfill window; the "Salesforce emails" folder is read whole.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from defusedxml.ElementTree import (
    fromstring as safe_fromstring,
)  # pinned in requirements.txt (exchangelib's own)
from exchangelib import Message, Q
from exchangelib.attachments import FileAttachment
from exchangelib.errors import ErrorItemNotFound
from exchangelib.folders import Calendar, DeletedItems, Drafts, Folder, Inbox, MsgFolderRoot, Root, SentItems
from exchangelib.items import ID_ONLY, SAVE_ONLY, SEND_TO_NONE
from exchangelib.properties import (
    ConversationId,
    FolderId,
    HTMLBody,
    UserConfiguration,
    UserConfigurationName,
)
from exchangelib.restriction import Restriction

from connectors.base import ConnectorError, CursorInvalidError, EmailReader, WriteResult
from connectors.ews import services
from connectors.ews.client import EwsClient
from connectors.ews.common import stamp
from connectors.ews.services import Unreadable
from connectors.neutral import mail as mail_rules
from connectors.neutral.cursors import folder_state
from connectors.neutral.text import html_to_text
from connectors.neutral.times import utc_instant
from syncengine.core.email_records import (
    EmailAddress,
    EmailAttachment,
    EmailChangeSet,
    EmailRecord,
    FolderRole,
)
from syncengine.core.scope import SALESFORCE_CATEGORY

log = logging.getLogger(__name__)

CATEGORY_LIST = "CategoryList"  # the calendar folder's user configuration holding the master categories
CATEGORY_NS = "CategoryList.xsd"
CONVERSATION_FOLDERS = ("inbox", "sentitems", "drafts", "deleteditems")
WELL_KNOWN: dict[str, type[Folder]] = {
    "inbox": Inbox,
    "sent": SentItems,
    "sentitems": SentItems,
    "deleteditems": DeletedItems,
    "drafts": Drafts,
}
FIELDS = (
    "subject",
    "body",
    "author",
    "sender",
    "to_recipients",
    "cc_recipients",
    "bcc_recipients",
    "datetime_sent",
    "datetime_received",
    "categories",
    "has_attachments",
    "is_draft",
    "message_id",
    "conversation_id",
    "conversation_index",
    "parent_folder_id",
)


# -- conversion (pure) ---------------------------------------------------------------------------------
def _address(mailbox: Any) -> EmailAddress | None:
    if mailbox is None or not getattr(mailbox, "email_address", None):
        return None
    address = str(mailbox.email_address).strip().lower()
    name = str(mailbox.name or "").strip()
    return EmailAddress(address, "" if name.lower() == address else name)


def _addresses(mailboxes: Any) -> tuple[EmailAddress, ...]:
    found = (_address(m) for m in mailboxes or ())
    return tuple(a for a in found if a is not None)


def to_record(item: Message, role: FolderRole) -> EmailRecord:
    """An exchangelib Message as a neutral email of the folder it was read from."""
    body = item.body
    is_html = isinstance(body, HTMLBody)
    content = str(body or "")
    index = item.conversation_index
    return EmailRecord(
        id=str(item.id),
        internet_message_id=str(item.message_id or ""),
        conversation_id=str(item.conversation_id.id) if item.conversation_id is not None else "",
        folder=role,
        folder_id=str(item.parent_folder_id.id) if item.parent_folder_id is not None else "",
        subject=str(item.subject or ""),
        text_body=html_to_text(content) if is_html else content.strip(),
        html_body=content if is_html else "",
        from_=_address(item.author) or _address(item.sender),
        to=_addresses(item.to_recipients),
        cc=_addresses(item.cc_recipients),
        bcc=_addresses(item.bcc_recipients),
        sent_at=stamp(item.datetime_sent) or "",
        received_at=stamp(item.datetime_received) or "",
        categories=tuple(str(c) for c in item.categories or ()),
        has_attachments=bool(item.has_attachments),
        is_draft=bool(item.is_draft),
        version=str(item.changekey or ""),
        conversation_index=base64.b64encode(index).decode("ascii") if isinstance(index, bytes) else "",
    )


class EwsMail(EmailReader):
    """Mail reads and writes for one Exchange mailbox (``connectors.base.EmailReader``)."""

    def __init__(self, client: EwsClient) -> None:
        self.client = client
        self._mail_roles: dict[str, FolderRole] | None = None  # folder id -> role, learnt once

    def _root(self) -> Root:
        return Root(account=self.client.account)

    def find_or_create_mail_folder(self, name: str = mail_rules.SALESFORCE_FOLDER) -> str:
        """The id of the top-level folder ``name`` (case-insensitive), made when missing: 1-2 calls."""
        return self.client.find_or_create_folder(MsgFolderRoot(root=self._root()), name, "IPF.Note")

    def mail_folder_ids(
        self, *, salesforce_folder: str = mail_rules.SALESFORCE_FOLDER
    ) -> dict[FolderRole, str]:
        """Role -> folder id for Inbox, Sent Items and the Salesforce folder (made when missing)."""
        root = self._root()
        found = self.client.call(
            "mail folders",
            lambda: services.run(
                services.GetFolders(account=self.client.account),
                folders=[Inbox(root=root), SentItems(root=root)],
                additional_fields=set(),
                shape=ID_ONLY,
            ),
        )
        for folder in found:
            if isinstance(folder, Exception):
                raise ConnectorError(
                    f"Exchange did not show a mail folder: {folder}", permanent=True, code="FOLDER"
                )
        ids: dict[FolderRole, str] = {
            "inbox": str(found[0].id),
            "sent": str(found[1].id),
            "salesforce": self.find_or_create_mail_folder(salesforce_folder),
        }
        self._mail_roles = {folder_id: role for role, folder_id in ids.items()}
        return ids

    def read_email_changes(
        self,
        *,
        folder: FolderRole,
        cursor: str,
        backfill_days: int = mail_rules.DEFAULT_BACKFILL_DAYS,
        salesforce_folder: str = mail_rules.SALESFORCE_FOLDER,
        now: datetime | None = None,
    ) -> EmailChangeSet:
        """Emails of one folder ('inbox', 'sent' or 'salesforce') changed since ``cursor``.

        An empty, unreadable or refused cursor starts a full read: Inbox and Sent Items within the last
        ``backfill_days`` days of receipt, the Salesforce folder whole. Removed entries (deleted, or
        moved to another folder) come back with ``removed=True``."""
        mail_rules.check_email_read("Exchange mail", folder, backfill_days)
        state = folder_state(cursor, folder, position="sync_state", what="EWS")
        if state:
            try:
                return self._read_mail(folder, str(state.get("folder") or ""), str(state["sync_state"]), None)
            except CursorInvalidError:
                log.info("EWS mail sync state for %s no longer valid; reading in full", folder)
            except ConnectorError as error:
                if folder != "salesforce" or error.code != "ErrorFolderNotFound":
                    raise
                log.info("the Salesforce mail folder is gone; finding or making it again")
        folder_id = self.find_or_create_mail_folder(salesforce_folder) if folder == "salesforce" else ""
        floor = None if folder == "salesforce" else (now or datetime.now(UTC)) - timedelta(days=backfill_days)
        return self._read_mail(folder, folder_id, None, floor)

    def _read_mail(
        self, role: FolderRole, folder_id: str, sync_state: str | None, floor: datetime | None
    ) -> EmailChangeSet:
        root = self._root()
        target = Folder(root=root, id=folder_id) if folder_id else WELL_KNOWN[role](root=root)
        changes, new_state = self.client.sync_all(target, FIELDS, sync_state, f"{role} mail")
        found: dict[str, EmailRecord] = {}  # a read may report an item twice: the last one counts
        for change_type, item in changes:
            if change_type == "delete":
                if sync_state is not None:
                    found.pop(str(item.id), None)
                    found[str(item.id)] = EmailRecord(id=str(item.id), folder=role, removed=True)
                continue
            if isinstance(item, Unreadable):  # one email we cannot parse does not hold the folder back
                log.warning("EWS %s: email %s skipped: %s", role, item.id, item.error)
                continue
            if change_type not in ("create", "update") or not isinstance(item, Message):
                continue  # read flags; meeting requests are calendar business
            try:
                record = to_record(item, role)
            except Exception as error:  # the same for one we cannot convert
                log.warning("EWS %s: email %s skipped: %r", role, item.id, error)
                continue
            if floor is not None and record.received_at and record.received_at < utc_instant(floor):
                continue
            folder_id = folder_id or record.folder_id
            found.pop(record.id, None)
            found[record.id] = record
        cursor = json.dumps({"role": role, "sync_state": new_state, "folder": folder_id})
        return EmailChangeSet(items=tuple(found.values()), next_cursor=cursor, full=sync_state is None)

    def _folder_roles(self) -> dict[str, FolderRole]:
        """Folder id -> role, learnt once per connector (two calls; the Salesforce folder made if missing)."""
        if self._mail_roles is None:
            self.mail_folder_ids()
        return self._mail_roles or {}

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]:
        """Every email of a thread in this mailbox's mail folders (Inbox, Sent Items, Drafts, Deleted
        Items and the Salesforce folder), oldest first: one FindItem call for them all."""
        mail_rules.check_conversation_id(conversation_id)
        roles = self._folder_roles()
        root = self._root()
        folders = [WELL_KNOWN[name](root=root) for name in CONVERSATION_FOLDERS]
        folders += [Folder(root=root, id=i) for i, role in roles.items() if role == "salesforce"]
        for folder in folders:
            folder.to_id()  # settles each folder's id: exchangelib keys its paging by the folder's hash
        fields = {f for f in folders[0].normalize_fields(fields=list(FIELDS)) if not f.field.is_attribute}
        restriction = Restriction(
            Q(conversation_id=ConversationId(id=conversation_id)),
            folders=folders,
            applies_to=Restriction.ITEMS,
        )
        found = self.client.call(
            "conversation",
            lambda: services.find_items(
                self.client.account, folders=folders, fields=fields, restriction=restriction
            ),
        )
        records = [
            replace(record, folder=roles.get(record.folder_id, "other"))
            for record in (to_record(item, "other") for item in found if isinstance(item, Message))
        ]
        return mail_rules.oldest_first(records)

    def read_attachments(
        self,
        message_ids: Sequence[str],
        *,
        max_bytes: int = mail_rules.DEFAULT_ATTACHMENT_LIMIT,
        include_inline: bool = False,
    ) -> dict[str, list[EmailAttachment]]:
        """The attachments of these emails, content fetched for files of at most ``max_bytes``.

        Two rounds: the attachment lists (one GetItem call per batch of emails), then the contents of
        the files that qualify (one GetAttachment call per batch of files). An email gone meanwhile maps
        to []."""
        mail_rules.check_attachment_limit(max_bytes)
        ids = list(dict.fromkeys(message_ids))
        out: dict[str, list[EmailAttachment]] = {i: [] for i in ids}
        folder = Inbox(root=self._root())
        fields = {f for f in folder.normalize_fields(fields=["attachments"]) if not f.field.is_attribute}
        wanted: list[tuple[str, Any]] = []
        for chunk in self.client.batches(ids):
            answers = self.client.call(
                "attachment lists",
                lambda chunk=chunk: services.run(
                    services.GetItems(account=self.client.account, chunk_size=len(chunk)),
                    items=[(i, None) for i in chunk],
                    additional_fields=fields,
                    shape=ID_ONLY,
                ),
            )
            for message_id, answer in zip(chunk, answers, strict=True):
                if isinstance(answer, ErrorItemNotFound):
                    continue
                if isinstance(answer, Exception):
                    raise ConnectorError(
                        f"Exchange did not list attachments: {answer}",
                        permanent=True,
                        code=type(answer).__name__,
                    )
                for meta in answer.attachments or []:
                    reason = mail_rules.skip_reason(
                        is_file=isinstance(meta, FileAttachment),
                        is_inline=bool(getattr(meta, "is_inline", False)),
                        size=int(getattr(meta, "size", 0) or 0),
                        max_bytes=max_bytes,
                        include_inline=include_inline,
                    )
                    if reason:
                        out[message_id].append(_attachment(message_id, meta, None, reason))
                    else:
                        wanted.append((message_id, meta))
        for files in self.client.batches(wanted):
            contents = self.client.call(
                "attachment contents",
                lambda files=files: services.run(
                    services.GetAttachments(account=self.client.account, chunk_size=len(files)),
                    items=[meta.attachment_id for _, meta in files],
                    include_mime_content=False,
                    body_type=None,
                    filter_html_content=None,
                    additional_fields=None,
                ),
            )
            for (message_id, meta), answer in zip(files, contents, strict=True):
                if isinstance(answer, FileAttachment):
                    out[message_id].append(_attachment(message_id, meta, answer.content, ""))
                else:
                    out[message_id].append(_attachment(message_id, meta, None, mail_rules.GONE))
        return out

    def ensure_mail_category(
        self, name: str = SALESFORCE_CATEGORY, color: str = mail_rules.SALESFORCE_CATEGORY_COLOR
    ) -> None:
        """Put ``name`` in the mailbox's master category list (with its colour) unless it is there: one
        call to read the list, one more to write it."""
        config_name = UserConfigurationName(name=CATEGORY_LIST, folder=Calendar(root=self._root()))
        found = self.client.call(
            "master categories",
            lambda: services.run(
                services.GetUserConfigurations(account=self.client.account),
                user_configuration_name=config_name,
                properties="XmlData",
            ),
        )
        current = found[0] if found and not isinstance(found[0], Exception) else None
        if found and isinstance(found[0], Exception) and not isinstance(found[0], ErrorItemNotFound):
            raise ConnectorError(
                f"Exchange did not show the category list: {found[0]}", permanent=False, code="CATEGORIES"
            )
        document = safe_fromstring(current.xml_data) if current is not None and current.xml_data else None
        if document is None:
            document = ET.Element(f"{{{CATEGORY_NS}}}categories", {"default": "", "lastSavedSession": "0"})
        for category in document:
            if category.tag.endswith("category") and category.get("name", "").casefold() == name.casefold():
                return
        preset = color.removeprefix("preset")
        ET.SubElement(
            document,
            f"{{{CATEGORY_NS}}}category",
            {
                "name": name,
                "color": preset if preset.isdigit() else "7",
                "keyboardShortcut": "0",
                "usageCount": "0",
                "guid": "{" + str(uuid.uuid4()) + "}",
                "renameOnFirstUse": "0",
            },
        )
        payload = UserConfiguration(
            user_configuration_name=config_name,
            xml_data=ET.tostring(document, encoding="utf-8", xml_declaration=True),
        )
        service = (
            services.UpdateUserConfigurations if current is not None else services.CreateUserConfigurations
        )
        self.client.call(
            "save master categories",
            lambda: list(service(account=self.client.account).call(user_configuration=payload)),
        )

    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]:
        """Replace each email's categories: ``[(message id, categories)]``. One UpdateItem call per batch;
        a result per email, in order (``version``: the new change key)."""
        results: list[WriteResult] = []
        for chunk in self.client.batches(list(changes)):
            updates = [
                (
                    Message(account=self.client.account, id=i, changekey=None, categories=list(c) or None),
                    ["categories"],
                )
                for i, c in chunk
            ]
            answers = self.client.call(
                "email categories",
                lambda updates=updates: services.run(
                    services.UpdateItems(account=self.client.account, chunk_size=len(updates)),
                    items=updates,
                    conflict_resolution="AlwaysOverwrite",
                    message_disposition=SAVE_ONLY,
                    send_meeting_invitations_or_cancellations=SEND_TO_NONE,
                    suppress_read_receipts=True,
                ),
            )
            results += [_mail_result(a, i) for (i, _), a in zip(chunk, answers, strict=True)]
        return results

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]:
        """Move emails: ``[(message id, destination folder id or well-known name)]``; each result's ``id``
        is the email's new id (Exchange gives a moved item a new one). One MoveItem call per destination
        and batch."""
        results: dict[int, WriteResult] = {}
        by_target: dict[str, list[int]] = {}
        for index, (_, target) in enumerate(moves):
            by_target.setdefault(target, []).append(index)
        root = self._root()
        for target, indexes in by_target.items():
            folder = WELL_KNOWN[target](root=root) if target in WELL_KNOWN else FolderId(id=target)
            for chunk in self.client.batches(indexes):
                answers = self.client.call(
                    "move emails",
                    lambda chunk=chunk, folder=folder: services.run(
                        services.MoveItems(account=self.client.account, chunk_size=len(chunk)),
                        items=[(moves[i][0], None) for i in chunk],
                        to_folder=folder,
                    ),
                )
                for index, answer in zip(chunk, answers, strict=True):
                    results[index] = _mail_result(answer, moves[index][0])
        return [results[i] for i in range(len(moves))]


def _attachment(message_id: str, meta: Any, content: bytes | None, skipped: str) -> EmailAttachment:
    return EmailAttachment(
        id=str(meta.attachment_id.id),
        message_id=message_id,
        name=str(meta.name or ""),
        content_type=str(meta.content_type or "application/octet-stream"),
        size=int(meta.size or 0),
        is_inline=bool(meta.is_inline),
        content=content,
        skipped=skipped,
    )


def _mail_result(answer: Any, fallback_id: str) -> WriteResult:
    if isinstance(answer, Exception):
        return WriteResult(ok=False, id=fallback_id, code=type(answer).__name__, message=str(answer))
    if isinstance(answer, tuple):
        return WriteResult(ok=True, id=str(answer[0] or fallback_id), version=str(answer[1] or ""))
    return WriteResult(ok=True, id=fallback_id)
