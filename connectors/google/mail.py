"""Gmail through the Gmail API: folders (labels), history, threads, attachments and labels as categories.

Calls go through the account's ``GoogleClient`` (its ``call``, ``pages``, ``batch`` and call counting).
Gmail has labels, not folders: Inbox is ``INBOX``, Sent Items ``SENT``, and the "Salesforce emails" folder
a user label of that name (made when missing). Categories are the message's other user labels.

Reads per folder: the first read (and any read after Gmail refused the history id with 404) lists the
label's messages, Inbox and Sent Items within the backfill window, and fetches them in batches of 50;
later reads follow ``history.list`` from the stored history id: one call when nothing changed, then
one batch read per 50 touched messages. A message that lost the label, or was deleted, reads as
``removed``. Gmail keeps a message's id when its labels change, so a "move" keeps the id.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from connectors.base import ConnectorError, CursorInvalidError, EmailReader, WriteResult
from connectors.google.client import GoogleClient
from connectors.google.errors import google_error
from connectors.neutral import mail as mail_rules
from connectors.neutral.cursors import folder_state
from connectors.neutral.text import html_to_text
from syncengine.core.email_records import (
    EmailAddress,
    EmailAttachment,
    EmailChangeSet,
    EmailRecord,
    FolderRole,
)
from syncengine.core.scope import SALESFORCE_CATEGORY

log = logging.getLogger(__name__)

# Gmail label colours come from a fixed palette: blue, as the reference's category is.
LABEL_COLORS = {mail_rules.SALESFORCE_CATEGORY_COLOR: {"backgroundColor": "#4a86e8", "textColor": "#ffffff"}}
SYSTEM_FOLDERS: dict[str, FolderRole] = {"INBOX": "inbox", "SENT": "sent"}
MAX_RETRY_IDS = 500  # unreadable messages a cursor carries to be fetched again
DESTINATIONS = {"inbox": "INBOX", "sentitems": "SENT"}  # move_emails' well-known names


# -- conversion (pure) ---------------------------------------------------------------------------------
def _headers(part: Mapping[str, Any]) -> dict[str, str]:
    return {str(h.get("name", "")).lower(): str(h.get("value", "")) for h in part.get("headers") or []}


def _people(value: str) -> tuple[EmailAddress, ...]:
    out = []
    for name, address in getaddresses([value]):
        if "@" in address:
            clean = address.strip().lower()
            out.append(EmailAddress(clean, "" if name.strip().lower() == clean else name.strip()))
    return tuple(out)


def _data(part: Mapping[str, Any]) -> bytes:
    data = (part.get("body") or {}).get("data")
    return base64.urlsafe_b64decode(str(data) + "=" * (-len(str(data)) % 4)) if data else b""


def _walk(part: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield part
    for child in part.get("parts") or []:
        yield from _walk(child)


def _text_of(part: Mapping[str, Any], mime: str) -> str:
    for piece in _walk(part):
        if piece.get("mimeType") == mime and not piece.get("filename"):
            charset = "utf-8"
            content_type = _headers(piece).get("content-type", "")
            if "charset=" in content_type:
                charset = content_type.split("charset=")[1].split(";")[0].strip('"') or "utf-8"
            try:
                return _data(piece).decode(charset, "replace")
            except LookupError:
                return _data(piece).decode("utf-8", "replace")
    return ""


def _stamp_header(value: str) -> str:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp_ms(value: Any) -> str:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return ""


def role_of(labels: Sequence[str], salesforce_label: str) -> tuple[FolderRole, str]:
    """The folder a message counts as in: the Salesforce label first (it is where emails wait to be
    saved), then Inbox, then Sent Items; "other" for the rest (archived, trash...)."""
    if salesforce_label and salesforce_label in labels:
        return "salesforce", salesforce_label
    for label, role in SYSTEM_FOLDERS.items():
        if label in labels:
            return role, label
    return "other", ""


def to_record(
    message: Mapping[str, Any], role: FolderRole, folder_id: str, label_names: Mapping[str, str]
) -> EmailRecord:
    """A Gmail message (format=full) as a neutral email of the folder it was read from."""
    payload = message.get("payload") or {}
    head = _headers(payload)
    html = _text_of(payload, "text/html")
    text = _text_of(payload, "text/plain")
    labels = [str(label) for label in message.get("labelIds") or []]
    froms = _people(head.get("from", ""))
    return EmailRecord(
        id=str(message["id"]),
        internet_message_id=head.get("message-id", "").strip(),
        conversation_id=str(message.get("threadId") or ""),
        folder=role,
        folder_id=folder_id,
        subject=head.get("subject", ""),
        text_body=text.strip() if text else html_to_text(html),
        html_body=html,
        from_=froms[0] if froms else None,
        to=_people(head.get("to", "")),
        cc=_people(head.get("cc", "")),
        bcc=_people(head.get("bcc", "")),
        sent_at=_stamp_header(head.get("date", "")),
        received_at=_stamp_ms(message.get("internalDate")),
        categories=tuple(
            label_names[label] for label in labels if label in label_names and label != folder_id
        ),
        has_attachments=any(p.get("filename") for p in _walk(payload)),
        is_draft="DRAFT" in labels,
        version=str(message.get("historyId") or ""),
    )


# -- the reader ----------------------------------------------------------------------------------------
class GmailMail(EmailReader):
    """Mail reads and writes for one Gmail account (``connectors.base.EmailReader``)."""

    def __init__(self, client: GoogleClient) -> None:
        self.client = client
        self._label_list: list[dict[str, Any]] | None = None  # the account's labels, read once
        self._salesforce_label = ""  # the Salesforce folder's label id, once known
        # Gmail's history is the mailbox's: folders read from one history id share one read.
        self._history: dict[str, list[dict[str, Any]]] = {}

    def _users(self) -> Any:
        return self.client.service("gmail").users()

    # -- labels ------------------------------------------------------------------------------------
    def _labels(self, refresh: bool = False) -> list[dict[str, Any]]:
        if self._label_list is None or refresh:
            listing = self.client.call("labels list", lambda: self._users().labels().list(userId="me"))
            self._label_list = list(listing.get("labels") or [])
        return list(self._label_list or [])

    def _user_label_names(self, seen: Sequence[str] = ()) -> dict[str, str]:
        """User label id -> name; read again once when a message carries a label made since."""
        known = {str(label["id"]) for label in self._labels()}
        if any(label not in known for label in seen):
            self._labels(refresh=True)
        return {
            str(label["id"]): str(label["name"]) for label in self._labels() if label.get("type") == "user"
        }

    def _label_id(self, name: str, *, create: bool, color: str = "") -> str:
        """The id of the user label ``name`` (case-insensitive); made when missing and ``create``."""
        for label in self._labels():
            if str(label.get("name", "")).casefold() == name.casefold():
                return str(label["id"])
        if not create:
            return ""
        body: dict[str, Any] = {
            "name": name,
            "labelListVisibility": "labelShow",
            "messageListVisibility": "show",
        }
        if color in LABEL_COLORS:
            body["color"] = LABEL_COLORS[color]
        try:
            made = self.client.call(
                "create label", lambda: self._users().labels().create(userId="me", body=body)
            )
        except ConnectorError as error:
            if error.status != 409:
                raise
            return self._label_id_after_refresh(name)  # made meanwhile: it must be there now
        self._label_list = [*self._labels(), made]
        return str(made["id"])

    def _label_id_after_refresh(self, name: str) -> str:
        self._labels(refresh=True)
        found = self._label_id(name, create=False)
        if not found:
            raise ConnectorError(f"Gmail label {name!r} could not be made", permanent=False, code="LABEL")
        return found

    def ensure_mail_category(
        self, name: str = SALESFORCE_CATEGORY, color: str = mail_rules.SALESFORCE_CATEGORY_COLOR
    ) -> None:
        """Make the user label ``name`` unless it is there (Gmail's categories are labels)."""
        self._label_id(name, create=True, color=color)

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
        """Emails of one folder ('inbox', 'sent' or 'salesforce') changed since ``cursor``; an empty,
        unreadable or refused (404) cursor reads the folder in full (Inbox and Sent Items within the
        last ``backfill_days`` days, the Salesforce label whole)."""
        mail_rules.check_email_read("Gmail", folder, backfill_days)
        state = folder_state(cursor, folder, position="history", what="Gmail")
        if state:
            label = str(state["label"])
            if folder == "salesforce":
                self._salesforce_label = label
            retry = [str(i) for i in state.get("retry") or []]
            try:
                return self._read_history(folder, label, str(state["history"]), retry)
            except CursorInvalidError:
                log.info("Gmail history id for %s no longer valid; reading in full", folder)
        if folder == "salesforce":
            label = self._label_id(salesforce_folder, create=True)
            self._salesforce_label = label
            query = ""
        else:
            label = {"inbox": "INBOX", "sent": "SENT"}[folder]
            floor = (now or datetime.now(UTC)) - timedelta(days=backfill_days)
            query = f"after:{int(floor.timestamp())}"
        return self._read_full(folder, label, query)

    def _read_full(self, role: FolderRole, label: str, query: str) -> EmailChangeSet:
        users = self._users()
        # The history id first: what changes while we list is then read again, never missed.
        history = str(self.client.call("profile", lambda: users.getProfile(userId="me"))["historyId"])
        ids: list[str] = []
        size = min(self.client.config.page_size, 500)
        for page in self.client.pages(
            f"{role} mail list",
            lambda t: users.messages().list(
                userId="me", labelIds=[label], q=query or None, maxResults=size, pageToken=t or None
            ),
        ):
            ids += [str(m["id"]) for m in page.get("messages") or []]
        fetched, failed = self._fetch(ids, role_hint=role)
        records = [r for r in fetched if not r.removed and r.folder == role]
        cursor = _next_cursor(role, history, label, failed)
        return EmailChangeSet(items=tuple(records), next_cursor=cursor, full=True)

    def _read_history(
        self, role: FolderRole, label: str, start: str, retry: Sequence[str] = ()
    ) -> EmailChangeSet:
        # Messages an earlier read could not fetch are fetched again (and kept for later if they still fail).
        touched: dict[str, bool] = dict.fromkeys(retry, False)  # message id -> it was deleted
        left: set[str] = set()  # lost this folder's label
        history = start
        try:
            for page in self._history_pages(role, start):
                for record in page.get("history") or []:
                    for kind in ("messagesDeleted", "messagesAdded", "labelsAdded", "labelsRemoved"):
                        for item in record.get(kind) or []:
                            message = item.get("message") or {}
                            changed = list(item.get("labelIds") or [])
                            now_on = message.get("labelIds")  # the labels it has (absent: unknown)
                            if now_on is not None and label not in now_on and label not in changed:
                                continue  # another folder's business
                            message_id = str(message["id"])
                            touched[message_id] = touched.get(message_id, False) or kind == "messagesDeleted"
                            if kind == "labelsRemoved" and label in changed:
                                left.add(message_id)
                history = str(page.get("historyId") or history)
        except ConnectorError as error:
            if error.status == 404:  # Gmail no longer has history that old
                raise CursorInvalidError(error.message) from error
            raise
        alive = [i for i, deleted in touched.items() if not deleted]
        answers, failed = self._fetch(alive, role_hint=role)
        fetched = {r.id: r for r in answers}
        items: list[EmailRecord] = []
        for message_id, deleted in touched.items():
            if message_id in failed:
                continue  # read again next time: neither saved nor taken for removed
            record = fetched.get(message_id)
            if record is not None and not record.removed and record.folder == role:
                items.append(record)
            elif deleted or message_id in left or record is None or record.removed:
                items.append(EmailRecord(id=message_id, folder=role, removed=True))
        cursor = _next_cursor(role, history, label, failed)
        return EmailChangeSet(items=tuple(items), next_cursor=cursor, full=False)

    def _history_pages(self, role: FolderRole, start: str) -> list[dict[str, Any]]:
        """Gmail's history is the mailbox's, not a label's: the folders read from the same history id in
        one session share one read (a quiet session: one call for all three folders)."""
        cache = self._history
        if start not in cache:
            users = self._users()
            cache[start] = list(
                self.client.pages(
                    f"{role} mail history",
                    lambda t: users.history().list(
                        userId="me", startHistoryId=start, maxResults=500, pageToken=t or None
                    ),
                )
            )
        return cache[start]

    def _fetch(
        self, ids: Sequence[str], role_hint: FolderRole | None = None
    ) -> tuple[list[EmailRecord], dict[str, str]]:
        """Full messages in batches of 50, and {id: reason} of those Gmail would not give us.

        A message gone meanwhile comes back ``removed``. One message Gmail refuses (or cannot convert)
        must not hold the folder's history id back forever: it is left out, named in the cursor and
        fetched again by the next read. Only when every message failed for a transient reason (Gmail
        itself is down or throttling) does the read fail, so the session retries it whole."""
        users = self._users()
        answers = self.client.batch(
            "gmail", [lambda i=i: users.messages().get(userId="me", id=i, format="full") for i in ids]
        )
        seen = [
            str(label)
            for _, body in answers
            if isinstance(body, dict)
            for label in body.get("labelIds") or []
        ]
        names = self._user_label_names(seen) if ids else {}
        out: list[EmailRecord] = []
        failed: dict[str, str] = {}
        transient: list[ConnectorError] = []
        for message_id, (status, body) in zip(ids, answers, strict=True):
            if status in (404, 410):
                out.append(EmailRecord(id=message_id, folder=role_hint or "other", removed=True))
                continue
            if status != 200:
                error = google_error(status, body)
                transient += [] if error.permanent else [error]
                failed[message_id] = error.message
                continue
            try:
                role, folder_id = role_of(body.get("labelIds") or [], self._salesforce_label)
                out.append(to_record(body, role, folder_id, names))
            except (ValueError, TypeError, KeyError, AttributeError) as error:  # a message we cannot read
                failed[message_id] = f"Gmail message not readable: {error!r}"[:300]
        if transient and len(transient) == len(ids):
            raise transient[0]
        for message_id, reason in failed.items():
            log.warning("Gmail message %s not read this time (read again next time): %s", message_id, reason)
        return out, failed

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]:
        """Every email of a thread in this mailbox, oldest first: one call."""
        mail_rules.check_conversation_id(conversation_id)
        try:
            thread = self.client.call(
                "thread", lambda: self._users().threads().get(userId="me", id=conversation_id, format="full")
            )
        except ConnectorError as error:
            if error.status == 404:
                return []
            raise
        messages = list(thread.get("messages") or [])
        names = self._user_label_names([str(label) for m in messages for label in m.get("labelIds") or []])
        records = []
        for message in messages:
            role, folder_id = role_of(message.get("labelIds") or [], self._salesforce_label)
            records.append(to_record(message, role, folder_id, names))
        return mail_rules.oldest_first(records)

    def read_attachments(
        self,
        message_ids: Sequence[str],
        *,
        max_bytes: int = mail_rules.DEFAULT_ATTACHMENT_LIMIT,
        include_inline: bool = False,
    ) -> dict[str, list[EmailAttachment]]:
        """The files of these emails, content fetched for those of at most ``max_bytes``: one batch of
        message reads per 50 emails, then one batch of attachment reads per 50 files."""
        mail_rules.check_attachment_limit(max_bytes)
        users = self._users()
        ids = list(dict.fromkeys(message_ids))
        answers = self.client.batch(
            "gmail", [lambda i=i: users.messages().get(userId="me", id=i, format="full") for i in ids]
        )
        out: dict[str, list[EmailAttachment]] = {i: [] for i in ids}
        wanted: list[tuple[str, Mapping[str, Any]]] = []
        for message_id, (status, body) in zip(ids, answers, strict=True):
            if status in (404, 410):
                continue
            if status != 200:
                error = google_error(status, body)
                if not error.permanent:
                    raise error  # Gmail is busy: the session tries again
                log.warning("Gmail message %s: attachments not readable: %s", message_id, error.message)
                continue
            for part in _walk(body.get("payload") or {}):
                if not part.get("filename"):
                    continue
                reason = mail_rules.skip_reason(
                    is_file=True,  # a part with a file name
                    is_inline=_is_inline(part),
                    size=int((part.get("body") or {}).get("size") or 0),
                    max_bytes=max_bytes,
                    include_inline=include_inline,
                )
                if reason or "attachmentId" not in (part.get("body") or {}):
                    data = _data(part) if not reason else None
                    out[message_id].append(_attachment(message_id, part, data, reason))
                else:
                    wanted.append((message_id, part))
        contents = self.client.batch(
            "gmail",
            [
                lambda m=m, p=p: (
                    users.messages()
                    .attachments()
                    .get(userId="me", messageId=m, id=str(p["body"]["attachmentId"]))
                )
                for m, p in wanted
            ],
        )
        for (message_id, part), (status, body) in zip(wanted, contents, strict=True):
            if status == 200 and isinstance(body, dict):
                out[message_id].append(_attachment(message_id, part, _data({"body": body}), ""))
            elif status in (404, 410):
                out[message_id].append(_attachment(message_id, part, None, mail_rules.GONE))
            elif not (error := google_error(status, body)).permanent:
                raise error  # Gmail is busy: the session tries again
            else:  # this one file is refused: the email and its other files are not held back
                log.warning("Gmail attachment of %s not readable: %s", message_id, error.message)
                out[message_id].append(_attachment(message_id, part, None, mail_rules.UNREADABLE))
        return out

    # -- writes ------------------------------------------------------------------------------------
    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]:
        """Replace each email's categories (its user labels other than the Salesforce folder's), making
        labels that do not exist yet: one batch read and one batch write per 50 emails."""
        users = self._users()
        ids = [message_id for message_id, _ in changes]
        current = self.client.batch(
            "gmail", [lambda i=i: users.messages().get(userId="me", id=i, format="minimal") for i in ids]
        )
        user_labels = set(self._user_label_names()) - {self._salesforce_label}
        makers: list[Callable[..., Any]] = []
        results: dict[int, WriteResult] = {}
        for index, ((message_id, names), (status, body)) in enumerate(zip(changes, current, strict=True)):
            if status != 200:
                error = google_error(status, body)
                results[index] = WriteResult.refused(error, message_id)
                continue
            wanted = {self._label_id(name, create=True) for name in dict.fromkeys(names)}
            have = set(body.get("labelIds") or []) & (user_labels | wanted)
            change = {"addLabelIds": sorted(wanted - have), "removeLabelIds": sorted(have - wanted)}
            makers.append(lambda i=message_id, c=change: users.messages().modify(userId="me", id=i, body=c))
            results[index] = WriteResult(ok=True, id=message_id)  # replaced by the write's answer below
        pending = [i for i in range(len(changes)) if results[i].ok]
        for index, (status, body) in zip(pending, self.client.batch("gmail", makers), strict=True):
            results[index] = _write_result(status, body, changes[index][0])
        return [results[i] for i in range(len(changes))]

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]:
        """Move emails out of the Salesforce folder: ``[(message id, "inbox" | "sentitems" | label id)]``.
        Gmail keeps the id; Sent Items is where a sent message already is (SENT stays on it), so that
        move only takes the Salesforce label off. One batch call per 50."""
        users = self._users()
        folder = self._salesforce_label or self._label_id(mail_rules.SALESFORCE_FOLDER, create=False)
        makers = []
        for message_id, destination in moves:
            target = DESTINATIONS.get(destination.lower(), destination)
            change = {
                "addLabelIds": [] if target == "SENT" else [target],
                "removeLabelIds": [folder] if folder and folder != target else [],
            }
            makers.append(lambda i=message_id, c=change: users.messages().modify(userId="me", id=i, body=c))
        answers = self.client.batch("gmail", makers)
        return [_write_result(s, b, i) for (s, b), (i, _) in zip(answers, moves, strict=True)]


def _next_cursor(role: FolderRole, history: str, label: str, failed: Mapping[str, str]) -> str:
    state: dict[str, Any] = {"role": role, "history": history, "label": label}
    if failed:
        state["retry"] = sorted(failed)[:MAX_RETRY_IDS]
    return json.dumps(state)


def _is_inline(part: Mapping[str, Any]) -> bool:
    head = _headers(part)
    return head.get("content-disposition", "").lower().startswith("inline") or "content-id" in head


def _attachment(
    message_id: str, part: Mapping[str, Any], content: bytes | None, skipped: str
) -> EmailAttachment:
    return EmailAttachment(
        id=str((part.get("body") or {}).get("attachmentId") or part.get("partId") or ""),
        message_id=message_id,
        name=str(part.get("filename") or ""),
        content_type=str(part.get("mimeType") or "application/octet-stream"),
        size=int((part.get("body") or {}).get("size") or 0),
        is_inline=_is_inline(part),
        content=content,
        skipped=skipped,
    )


def _write_result(status: int, body: Any, fallback_id: str) -> WriteResult:
    return WriteResult.answered(status, body, fallback_id, version="historyId", refusal=google_error)
