"""Microsoft 365 mail over Graph: folder deltas, threads, attachments and categories as neutral records.

Calls go through the mailbox's ``GraphClient`` (its ``call``, ``batch`` and call counting). Reads are
per folder with message delta: a folder with no changes costs one call. The first read of Inbox and
Sent Items, and any read after Graph refused a cursor (410), is a full read bounded by a backfill window on
``receivedDateTime``; the "Salesforce emails" folder is read whole (it only holds emails to save).
Attachments and category writes go in ``$batch`` requests of 20, never one call per email.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.base import ConnectorError, CursorInvalidError, EmailReader, WriteResult
from connectors.graph.client import GraphClient, json_request, write_result
from connectors.graph.errors import graph_error
from connectors.neutral import mail as mail_rules
from connectors.neutral.cursors import folder_state
from connectors.neutral.text import html_to_text
from connectors.stamp import odata_literal
from syncengine.core.email_records import (
    EmailAddress,
    EmailAttachment,
    EmailChangeSet,
    EmailRecord,
    FolderRole,
)
from syncengine.core.scope import SALESFORCE_CATEGORY

log = logging.getLogger(__name__)

WELL_KNOWN: dict[str, str] = {"inbox": "inbox", "sent": "sentitems"}
SELECT = (
    "id,changeKey,internetMessageId,conversationId,conversationIndex,subject,body,from,sender,"
    "toRecipients,ccRecipients,bccRecipients,sentDateTime,receivedDateTime,isDraft,categories,"
    "hasAttachments,parentFolderId"
)
ATTACHMENT_SELECT = "id,name,contentType,size,isInline"
FILE_ATTACHMENT = "#microsoft.graph.fileAttachment"


# -- conversion (pure) ---------------------------------------------------------------------------------
def _stamp(value: Any) -> str:
    """Graph date-time -> ISO-8601 UTC with ``Z``; "" when absent."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        log.warning("unreadable Graph date-time %r", value)
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(value: Any) -> EmailAddress | None:
    inner = value.get("emailAddress") if isinstance(value, Mapping) else None
    if not isinstance(inner, Mapping) or not inner.get("address"):
        return None
    address = str(inner["address"]).strip().lower()
    name = str(inner.get("name") or "").strip()
    return EmailAddress(address, "" if name.lower() == address else name)


def _addresses(values: Any) -> tuple[EmailAddress, ...]:
    found = (_address(v) for v in (values or []))
    return tuple(a for a in found if a is not None)


def to_record(item: Mapping[str, Any], role: FolderRole) -> EmailRecord:
    """A Graph message (or an ``@removed`` entry) as a neutral email of the folder it was read from."""
    if "@removed" in item:
        return EmailRecord(id=str(item["id"]), folder=role, removed=True)
    body = item.get("body") or {}
    content = str(body.get("content") or "")
    is_html = str(body.get("contentType") or "").lower() == "html"
    return EmailRecord(
        id=str(item["id"]),
        internet_message_id=str(item.get("internetMessageId") or ""),
        conversation_id=str(item.get("conversationId") or ""),
        folder=role,
        folder_id=str(item.get("parentFolderId") or ""),
        subject=str(item.get("subject") or ""),
        text_body=html_to_text(content) if is_html else content.strip(),
        html_body=content if is_html else "",
        from_=_address(item.get("from")) or _address(item.get("sender")),
        to=_addresses(item.get("toRecipients")),
        cc=_addresses(item.get("ccRecipients")),
        bcc=_addresses(item.get("bccRecipients")),
        sent_at=_stamp(item.get("sentDateTime")),
        received_at=_stamp(item.get("receivedDateTime")),
        categories=tuple(str(c) for c in item.get("categories") or ()),
        has_attachments=bool(item.get("hasAttachments")),
        is_draft=bool(item.get("isDraft")),
        version=str(item.get("changeKey") or ""),
        conversation_index=str(item.get("conversationIndex") or ""),
    )


def _message_path(mailbox: str, message_id: str) -> str:
    return f"{mailbox}/messages/{quote(message_id, safe='')}"


# -- the reader ----------------------------------------------------------------------------------------
class GraphMail(EmailReader):
    """Mail reads and writes for one Graph mailbox (``connectors.base.EmailReader``)."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self._mail_folder_roles: dict[str, FolderRole] = {}  # folder id -> role, learnt from reads
        self._mail_folders_resolved = False  # every role's folder id asked for once

    # -- folders -----------------------------------------------------------------------------------
    def find_or_create_mail_folder(self, name: str = mail_rules.SALESFORCE_FOLDER) -> str:
        """The id of the top-level folder ``name`` (case-insensitive), made when missing: 1-2 calls."""
        return self._find_mail_folder(name) or self._create_mail_folder(name)

    def _create_mail_folder(self, name: str) -> str:
        try:
            made = self.client.call(
                "create mail folder",
                "POST",
                self.client.url(f"{self.client.mailbox}/mailFolders"),
                json={"displayName": name},
            ).json()
        except ConnectorError as error:
            found = self._find_mail_folder(name) if error.status == 409 else ""
            if not found:  # 409: made meanwhile (another session), so it must be there now
                raise
            return found
        return str(made["id"])

    def _find_mail_folder(self, name: str) -> str:
        params = {"$filter": f"displayName eq {odata_literal(name)}", "$select": "id,displayName"}
        listing = self.client.call(
            "find mail folder", "GET", self.client.url(f"{self.client.mailbox}/mailFolders"), params=params
        ).json()
        for folder in listing.get("value", []):
            if str(folder.get("displayName", "")).casefold() == name.casefold():
                return str(folder["id"])
        return ""

    def mail_folder_ids(
        self, *, salesforce_folder: str = mail_rules.SALESFORCE_FOLDER
    ) -> dict[FolderRole, str]:
        """Role -> folder id for Inbox, Sent Items and the Salesforce folder (made when missing).

        One ``$batch`` call (one more when the Salesforce folder must be made)."""
        filter_ = quote(f"displayName eq {odata_literal(salesforce_folder)}")
        answers = self.client.batch(
            [
                {"method": "GET", "url": f"{self.client.mailbox}/mailFolders/inbox?$select=id"},
                {"method": "GET", "url": f"{self.client.mailbox}/mailFolders/sentitems?$select=id"},
                {
                    "method": "GET",
                    "url": f"{self.client.mailbox}/mailFolders?$filter={filter_}&$select=id,displayName",
                },
            ]
        )
        for status, body in answers:
            if status != 200:
                raise graph_error(status, body)
        (_, inbox), (_, sent), (_, listing) = answers
        salesforce = next(
            (
                str(f["id"])
                for f in listing.get("value", [])
                if str(f.get("displayName", "")).casefold() == salesforce_folder.casefold()
            ),
            "",
        ) or self._create_mail_folder(salesforce_folder)
        ids: dict[FolderRole, str] = {
            "inbox": str(inbox["id"]),
            "sent": str(sent["id"]),
            "salesforce": salesforce,
        }
        self._mail_folder_roles.update({folder_id: role for role, folder_id in ids.items()})
        self._mail_folders_resolved = True
        return ids

    # -- reads -------------------------------------------------------------------------------------
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

        An empty, unreadable or refused (410) cursor starts a full read: Inbox and Sent Items within the
        last ``backfill_days`` days of ``receivedDateTime``, the Salesforce folder whole. Removed entries
        (deleted, or moved to another folder) come back with ``removed=True``."""
        mail_rules.check_email_read("Microsoft 365 mail", folder, backfill_days)
        state = folder_state(cursor, folder, position="delta", what="Graph")
        if state:
            if state.get("folder"):
                self._mail_folder_roles[str(state["folder"])] = folder
            try:
                return self._read_mail_delta(
                    folder, str(state["delta"]), str(state.get("folder") or ""), full=False
                )
            except CursorInvalidError:
                log.info("Graph mail delta token for %s no longer valid; reading in full", folder)
            except ConnectorError as error:
                if folder != "salesforce" or error.status != 404:
                    raise
                log.info("the Salesforce mail folder is gone; finding or making it again")
        if folder == "salesforce":
            folder_id = self.find_or_create_mail_folder(salesforce_folder)
            self._mail_folder_roles[folder_id] = folder
            url, params = (
                self.client.url(
                    f"{self.client.mailbox}/mailFolders/{quote(folder_id, safe='')}/messages/delta"
                ),
                {},
            )
        else:
            folder_id = ""
            floor = (now or datetime.now(UTC)) - timedelta(days=backfill_days)
            url = self.client.url(f"{self.client.mailbox}/mailFolders/{WELL_KNOWN[folder]}/messages/delta")
            params = {
                "$filter": f"receivedDateTime ge {floor.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
            }
        params["$select"] = SELECT
        return self._read_mail_delta(folder, url, folder_id, full=True, params=params)

    def _read_mail_delta(
        self,
        role: FolderRole,
        url: str,
        folder_id: str,
        *,
        full: bool,
        params: Mapping[str, str] | None = None,
    ) -> EmailChangeSet:
        headers = {"Prefer": f"odata.maxpagesize={self.client.config.page_size}"}
        found: dict[str, EmailRecord] = {}  # a round may report an item twice: the last one counts
        extra: dict[str, Any] = {"params": dict(params)} if params else {}
        while True:
            page = self.client.call(f"{role} mail delta", "GET", url, headers=headers, **extra).json()
            extra = {}
            for item in page.get("value", []):
                record = to_record(item, role)
                found.pop(record.id, None)
                found[record.id] = record
                if record.folder_id and not folder_id:
                    folder_id = record.folder_id  # Inbox/Sent ids are learnt from what they hold
            if "@odata.nextLink" in page:
                url = page["@odata.nextLink"]
                continue
            if folder_id:
                self._mail_folder_roles[folder_id] = role
            cursor = json.dumps(
                {"role": role, "delta": page.get("@odata.deltaLink", ""), "folder": folder_id}
            )
            return EmailChangeSet(items=tuple(found.values()), next_cursor=cursor, full=full)

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]:
        """Every email of a thread in this mailbox, whatever its folder, oldest first: one call (more
        only for threads over 100 emails; one more when the folder ids are not known yet)."""
        mail_rules.check_conversation_id(conversation_id)
        params = {
            "$filter": f"conversationId eq {odata_literal(conversation_id)}",
            "$select": SELECT,
            "$top": "100",
        }
        items: list[dict[str, Any]] = []
        url, extra = self.client.url(f"{self.client.mailbox}/messages"), {"params": params}
        while url:
            page = self.client.call("conversation", "GET", url, **extra).json()
            items += page.get("value", [])
            url, extra = page.get("@odata.nextLink", ""), {}
        unknown = any(str(i.get("parentFolderId") or "") not in self._mail_folder_roles for i in items)
        if unknown and not self._mail_folders_resolved:
            self.mail_folder_ids()  # once per connector: other folders (Deleted Items...) stay "other"
        roles = self._mail_folder_roles
        records = [to_record(i, roles.get(str(i.get("parentFolderId") or ""), "other")) for i in items]
        return mail_rules.oldest_first(records)

    def read_attachments(
        self,
        message_ids: Sequence[str],
        *,
        max_bytes: int = mail_rules.DEFAULT_ATTACHMENT_LIMIT,
        include_inline: bool = False,
    ) -> dict[str, list[EmailAttachment]]:
        """The attachments of these emails, content fetched for files of at most ``max_bytes``.

        Two ``$batch`` rounds: the attachment lists (one call per 20 emails), then the contents of the
        files that qualify (one call per 20 files). An email gone meanwhile maps to []."""
        mail_rules.check_attachment_limit(max_bytes)
        ids = list(dict.fromkeys(message_ids))
        lists = self.client.batch(
            [
                {
                    "method": "GET",
                    "url": _message_path(self.client.mailbox, i)
                    + f"/attachments?$select={ATTACHMENT_SELECT}&$top=100",
                }
                for i in ids
            ]
        )
        out: dict[str, list[EmailAttachment]] = {i: [] for i in ids}
        wanted: list[tuple[str, dict[str, Any]]] = []
        for message_id, (status, body) in zip(ids, lists, strict=True):
            if status == 404:
                continue
            if status != 200:
                raise graph_error(status, body)
            for meta in body.get("value", []):
                reason = mail_rules.skip_reason(
                    is_file=meta.get("@odata.type", FILE_ATTACHMENT) == FILE_ATTACHMENT,
                    is_inline=bool(meta.get("isInline")),
                    size=int(meta.get("size") or 0),
                    max_bytes=max_bytes,
                    include_inline=include_inline,
                )
                if reason:
                    out[message_id].append(self._attachment(message_id, meta, None, reason))
                else:
                    wanted.append((message_id, meta))
        contents = self.client.batch(
            [
                {
                    "method": "GET",
                    "url": _message_path(self.client.mailbox, m)
                    + f"/attachments/{quote(str(a['id']), safe='')}",
                }
                for m, a in wanted
            ]
        )
        for (message_id, meta), (status, body) in zip(wanted, contents, strict=True):
            if status == 200 and isinstance(body, dict) and isinstance(body.get("contentBytes"), str):
                content = base64.b64decode(body["contentBytes"])
                out[message_id].append(self._attachment(message_id, meta, content, ""))
            elif status == 404:
                out[message_id].append(self._attachment(message_id, meta, None, mail_rules.GONE))
            else:
                raise graph_error(status, body)
        return out

    @staticmethod
    def _attachment(
        message_id: str, meta: Mapping[str, Any], content: bytes | None, skipped: str
    ) -> EmailAttachment:
        return EmailAttachment(
            id=str(meta["id"]),
            message_id=message_id,
            name=str(meta.get("name") or ""),
            content_type=str(meta.get("contentType") or "application/octet-stream"),
            size=int(meta.get("size") or 0),
            is_inline=bool(meta.get("isInline")),
            content=content,
            skipped=skipped,
        )

    # -- writes ------------------------------------------------------------------------------------
    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]:
        """Replace each email's categories (Graph writes the whole list): ``[(message id, categories)]``.

        One ``$batch`` call per 20 emails; a result per email, in order (``version``: the new changeKey)."""
        reqs = [
            json_request(
                "PATCH", _message_path(self.client.mailbox, i), {"categories": list(dict.fromkeys(c))}
            )
            for i, c in changes
        ]
        answers = self.client.batch(reqs)
        return [write_result(s, b, fallback_id=i) for (s, b), (i, _) in zip(answers, changes, strict=True)]

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]:
        """Move emails: ``[(message id, destination folder id or well-known name)]``; each result's ``id`` is
        the email's new id (Graph gives a moved message a new one). One ``$batch`` call per 20."""
        reqs = [
            json_request("POST", f"{_message_path(self.client.mailbox, i)}/move", {"destinationId": d})
            for i, d in moves
        ]
        answers = self.client.batch(reqs)
        return [write_result(s, b, fallback_id=i) for (s, b), (i, _) in zip(answers, moves, strict=True)]

    def ensure_mail_category(
        self, name: str = SALESFORCE_CATEGORY, color: str = mail_rules.SALESFORCE_CATEGORY_COLOR
    ) -> None:
        """Put ``name`` in the mailbox's master category list (with its colour) unless it is there."""
        listing = self.client.call(
            "master categories", "GET", self.client.url(f"{self.client.mailbox}/outlook/masterCategories")
        ).json()
        if any(str(c.get("displayName", "")).casefold() == name.casefold() for c in listing.get("value", [])):
            return
        try:
            self.client.call(
                "create category",
                "POST",
                self.client.url(f"{self.client.mailbox}/outlook/masterCategories"),
                json={"displayName": name, "color": color},
            )
        except ConnectorError as error:
            if error.status != 409:  # 409: made meanwhile, which is what we wanted
                raise
