"""Gmail v1: messages (RFC 822 kept raw), labels, history with ``startHistoryId``, profile.

History ids come from the sandbox's one change sequence, so they only grow. History older than a
user's floor is gone: ``history.list`` then answers 404, as Gmail does for a stale startHistoryId.
Note: the sandbox keeps the first value of repeated query parameters, so ``format=metadata`` returns
every header, not only the ``metadataHeaders`` asked for.
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, google_error, json_body, not_found
from sandbox.google.listing import paged
from sandbox.google.sync import PageState, Tokens, page_size

SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "TRASH",
    "SPAM",
    "DRAFT",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
FORMATS = ("minimal", "metadata", "full", "raw")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_date: int  # ms since the epoch
    history_id: int
    deleted: bool = False

    @property
    def parsed(self) -> Message:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class Mailbox:
    user_id: str
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # user label id -> name
    colors: dict[str, dict[str, str]] = field(default_factory=dict)  # user label id -> color
    floor: int = 0  # history before this id is no longer kept


def compose(
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachments: list[dict[str, str]] | None = None,
    **headers: str,
) -> bytes:
    """An RFC 822 message as a mail client would send it (multipart/mixed when files are attached)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = headers.pop("Date", email.utils.formatdate(localtime=False))
    message["Message-ID"] = headers.pop("Message-ID", email.utils.make_msgid(domain="mail.sandbox.example"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for item in attachments or []:
        main, _, sub = str(item.get("mime_type") or "text/plain").partition("/")
        data = str(item.get("content") or "").encode("utf-8")
        message.add_attachment(data, maintype=main, subtype=sub or "plain", filename=item["filename"])
    return message.as_bytes()


class GmailStore:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.boxes: dict[str, Mailbox] = {}
        # Told of every history record as it is written (user id, record): Gmail's push (gmail_push.py).
        self.on_record: Callable[[str, dict[str, Any]], None] | None = None

    def box(self, user: User) -> Mailbox:
        return self.boxes.setdefault(user.id, Mailbox(user.id))

    def history_id(self, user: User) -> int:
        box = self.box(user)
        return max(
            [box.floor, *(h["id"] for h in box.history), *(m.history_id for m in box.messages.values())]
        )

    def _record(
        self, box: Mailbox, kind: str, message: StoredMessage, labels: list[str] | None = None
    ) -> None:
        entry_id = self.tokens.next_seq()
        message.history_id = entry_id
        ref = {"id": message.id, "threadId": message.thread_id, "labelIds": sorted(message.labels)}
        record: dict[str, Any] = {"id": entry_id, "messages": [ref]}
        item: dict[str, Any] = {"message": ref}
        if labels is not None:
            item["labelIds"] = labels
        record[kind] = [item]
        box.history.append(record)
        if self.on_record is not None:
            self.on_record(box.user_id, record)

    def add(self, user: User, raw: bytes, labels: list[str], thread_id: str = "") -> StoredMessage:
        box = self.box(user)
        for label in labels:
            self.require_label(box, label)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if not parsed.keys():
            raise bad_request("Invalid raw message: no headers.")
        when = parsed.get("Date")
        try:
            stamp = int(email.utils.parsedate_to_datetime(str(when)).timestamp() * 1000) if when else 0
        except (TypeError, ValueError):
            stamp = 0
        message = StoredMessage(
            id=secrets.token_hex(8),
            thread_id=thread_id or self._thread_of(box, parsed) or secrets.token_hex(8),
            raw=raw,
            labels=set(labels),
            internal_date=stamp or int(time.time() * 1000),
            history_id=0,
        )
        box.messages[message.id] = message
        self._record(box, "messagesAdded", message)
        return message

    @staticmethod
    def _thread_of(box: Mailbox, parsed: Message) -> str:
        """Replies join the thread of the message they answer (In-Reply-To / References)."""
        wanted = str(parsed.get("In-Reply-To") or "").split() + str(parsed.get("References") or "").split()
        for message in box.messages.values():
            if str(message.parsed.get("Message-ID") or "") in wanted:
                return message.thread_id
        return ""

    def require_label(self, box: Mailbox, label: str) -> None:
        if label not in SYSTEM_LABELS and label not in box.labels:
            raise bad_request(f"Invalid label: {label}")

    def require(self, user: User, message_id: str) -> StoredMessage:
        message = self.box(user).messages.get(message_id)
        if message is None or message.deleted:
            raise not_found("Requested entity was not found.")
        return message

    def modify(self, user: User, message_id: str, add: list[str], remove: list[str]) -> StoredMessage:
        box, message = self.box(user), self.require(user, message_id)
        for label in [*add, *remove]:
            self.require_label(box, label)
        added, removed = sorted(set(add) - message.labels), sorted(set(remove) & message.labels)
        message.labels = (message.labels | set(add)) - set(remove)
        if added:
            self._record(box, "labelsAdded", message, added)
        if removed:
            self._record(box, "labelsRemoved", message, removed)
        return message

    def delete(self, user: User, message_id: str) -> None:
        box, message = self.box(user), self.require(user, message_id)
        message.deleted = True
        self._record(box, "messagesDeleted", message)

    def expire_history(self, user: User) -> None:
        box = self.box(user)
        box.floor = self.tokens.next_seq()
        box.history = []

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, message: StoredMessage, fmt: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": message.id,
            "threadId": message.thread_id,
            "labelIds": sorted(message.labels),
        }
        parsed = message.parsed
        if fmt != "minimal":
            out["snippet"] = _snippet(parsed)
        out.update(
            historyId=str(message.history_id),
            internalDate=str(message.internal_date),
            sizeEstimate=len(message.raw),
        )
        if fmt == "raw":
            out["raw"] = b64url(message.raw)
        elif fmt == "metadata":
            out["payload"] = {"mimeType": parsed.get_content_type(), "headers": _headers(parsed)}
        elif fmt == "full":
            out["payload"] = _part(parsed, "")
        return out


def _headers(part: Message) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in part.items()]


def _part(part: Message, part_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": _headers(part),
    }
    if part.is_multipart():
        out["body"] = {"size": 0}
        out["parts"] = [
            _part(child, f"{part_id}.{n}" if part_id else str(n))
            for n, child in enumerate(
                part.iter_parts() if isinstance(part, EmailMessage) else part.get_payload()
            )
        ]
    else:
        data = part.get_payload(decode=True) or b""
        if out["filename"]:  # files are fetched apart, by attachmentId
            out["body"] = {"size": len(data), "attachmentId": attachment_id(part_id)}
        else:
            out["body"] = {"size": len(data), "data": b64url(data)}
    return out


def attachment_id(part_id: str) -> str:
    return "ANGjdJ" + b64url(part_id.encode()).rstrip("=")


def attachment_data(parsed: Message, wanted: str) -> bytes | None:
    """The bytes of the part whose ``attachment_id`` is ``wanted`` (part ids as ``_part`` numbers them)."""

    def walk(part: Message, part_id: str) -> bytes | None:
        if part.is_multipart():
            children = part.iter_parts() if isinstance(part, EmailMessage) else part.get_payload()
            for n, child in enumerate(children):
                found = walk(child, f"{part_id}.{n}" if part_id else str(n))
                if found is not None:
                    return found
            return None
        if part.get_filename() and attachment_id(part_id) == wanted:
            return part.get_payload(decode=True) or b""
        return None

    return walk(parsed, "")


def _snippet(parsed: Message) -> str:
    body = parsed.get_body(preferencelist=("plain", "html")) if isinstance(parsed, EmailMessage) else None
    text = body.get_content() if body is not None else ""
    return " ".join(str(text).split())[:200]


class GmailApi:
    def __init__(self, store: GmailStore) -> None:
        self.store = store

    @staticmethod
    def _who(request: Request, user: User) -> None:
        if request.params["who"] not in ("me", user.email):
            raise google_error(403, "Delegation denied for " + user.email, "forbidden", "PERMISSION_DENIED")

    def profile(self, request: Request, user: User) -> Response:
        self._who(request, user)
        box = self.store.box(user)
        live = [m for m in box.messages.values() if not m.deleted]
        return json_response(
            200,
            {
                "emailAddress": user.email,
                "messagesTotal": len(live),
                "threadsTotal": len({m.thread_id for m in live}),
                "historyId": str(self.store.history_id(user)),
            },
        )

    def labels(self, request: Request, user: User) -> Response:
        self._who(request, user)
        system = [{"id": name, "name": name, "type": "system"} for name in SYSTEM_LABELS]
        box = self.store.box(user)
        mine = [
            {"id": i, "name": n, "type": "user", **({"color": box.colors[i]} if i in box.colors else {})}
            for i, n in box.labels.items()
        ]
        return json_response(200, {"labels": system + mine})

    def create_label(self, request: Request, user: User) -> Response:
        self._who(request, user)
        body = json_body(request)
        name = str(body.get("name") or "").strip()
        box = self.store.box(user)
        if not name:
            raise bad_request("Invalid label name")
        if name.upper() in SYSTEM_LABELS or name in box.labels.values():
            raise google_error(409, "Label name exists or conflicts", "duplicate", "ALREADY_EXISTS")
        label_id = f"Label_{len(box.labels) + 1}"
        box.labels[label_id] = name
        out = {"id": label_id, "name": name, "type": "user"}
        if isinstance(body.get("color"), dict):
            box.colors[label_id] = {k: str(v) for k, v in body["color"].items()}
            out["color"] = box.colors[label_id]
        return json_response(200, out)

    def list(self, request: Request, user: User) -> Response:
        self._who(request, user)
        q = request.query
        label = q.get("labelIds", "")
        spam_trash = q.get("includeSpamTrash", "false").lower() == "true"
        after, before = _search(q.get("q", ""))
        box = self.store.box(user)

        def items(state: Any) -> list[dict[str, Any]]:
            chosen = [
                m
                for m in box.messages.values()
                if not m.deleted
                and (not label or label in m.labels)
                and (spam_trash or not m.labels & {"SPAM", "TRASH"})
                and after <= m.internal_date // 1000 < before
            ]
            chosen.sort(key=lambda m: (-m.internal_date, m.id))
            return [{"id": m.id, "threadId": m.thread_id} for m in chosen]

        page = self._page(q, f"gmail:{user.id}:{label}:{spam_trash}:{q.get('q', '')}", items, "messages")
        estimate = len(page.get("messages", []))
        return json_response(200, {**page, "resultSizeEstimate": estimate})

    def _page(
        self, q: dict[str, str], key: str, items: Callable[[PageState], list[dict[str, Any]]], items_key: str
    ) -> dict[str, Any]:
        """One page of a Gmail list (``pageToken``, ``maxResults`` up to 500); an empty list is left out,
        as Gmail does."""
        page = paged(
            self.store.tokens,
            key=key,
            page_token=q.get("pageToken", ""),
            size=page_size(q.get("maxResults", ""), 100, 500),
            sync=None,
            items=items,
            new_sync=None,
            items_key=items_key,
        )
        if not page[items_key]:
            del page[items_key]
        return page

    def get(self, request: Request, user: User) -> Response:
        self._who(request, user)
        fmt = request.query.get("format", "full").lower()
        if fmt not in FORMATS:
            raise bad_request(f"Invalid format: {fmt}")
        return json_response(200, self.store.render(self.store.require(user, request.params["id"]), fmt))

    def insert(self, request: Request, user: User, sent: bool = False) -> Response:
        self._who(request, user)
        body = json_body(request)
        try:
            raw = unb64url(str(body.get("raw") or ""))
        except ValueError:
            raise bad_request("Invalid raw message.") from None
        if not raw:
            raise bad_request(
                "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
            )
        labels = ["SENT"] if sent else list(body.get("labelIds") or ["INBOX"])
        message = self.store.add(user, raw, labels, str(body.get("threadId") or ""))
        return json_response(
            200, {"id": message.id, "threadId": message.thread_id, "labelIds": sorted(message.labels)}
        )

    def send(self, request: Request, user: User) -> Response:
        return self.insert(request, user, sent=True)

    def modify(self, request: Request, user: User) -> Response:
        self._who(request, user)
        body = json_body(request)
        message = self.store.modify(
            user,
            request.params["id"],
            list(body.get("addLabelIds") or []),
            list(body.get("removeLabelIds") or []),
        )
        return json_response(200, self.store.render(message, "minimal"))

    def trash(self, request: Request, user: User) -> Response:
        self._who(request, user)
        message = self.store.modify(user, request.params["id"], ["TRASH"], ["INBOX"])
        return json_response(200, self.store.render(message, "minimal"))

    def delete(self, request: Request, user: User) -> Response:
        self._who(request, user)
        self.store.delete(user, request.params["id"])
        return Response(204)

    def attachment(self, request: Request, user: User) -> Response:
        self._who(request, user)
        message = self.store.require(user, request.params["id"])
        data = attachment_data(message.parsed, request.params["attachment"])
        if data is None:
            raise not_found("Requested entity was not found.")
        return json_response(200, {"size": len(data), "data": b64url(data)})

    def thread(self, request: Request, user: User) -> Response:
        self._who(request, user)
        fmt = request.query.get("format", "full").lower()
        if fmt not in ("minimal", "metadata", "full"):
            raise bad_request(f"Invalid format: {fmt}")
        box = self.store.box(user)
        messages = sorted(
            (m for m in box.messages.values() if m.thread_id == request.params["id"] and not m.deleted),
            key=lambda m: (m.internal_date, m.id),
        )
        if not messages:
            raise not_found("Requested entity was not found.")
        return json_response(
            200,
            {
                "id": request.params["id"],
                "historyId": str(max(m.history_id for m in messages)),
                "messages": [self.store.render(m, fmt) for m in messages],
            },
        )

    def history(self, request: Request, user: User) -> Response:
        self._who(request, user)
        q = request.query
        if not q.get("startHistoryId"):
            raise bad_request("Missing required parameter: startHistoryId")
        try:
            start = int(q["startHistoryId"])
        except ValueError:
            raise bad_request("Invalid startHistoryId") from None
        box = self.store.box(user)
        if start < box.floor:
            raise not_found("Requested entity was not found.")
        kinds = q.get("historyTypes", "")
        label = q.get("labelId", "")

        def keep(record: dict[str, Any]) -> bool:
            if record["id"] <= start:
                return False
            if kinds and not any(k in record for k in _kinds(kinds)):
                return False
            return not label or any(label in m["labelIds"] for m in record["messages"])

        def items(state: Any) -> list[dict[str, Any]]:
            return [r for r in box.history if keep(r)]

        page = self._page(q, f"history:{user.id}:{start}:{kinds}:{label}", items, "history")
        return json_response(200, {**page, "historyId": str(self.store.history_id(user))})


def _kinds(value: str) -> list[str]:
    names = {
        "messageAdded": "messagesAdded",
        "messageDeleted": "messagesDeleted",
        "labelAdded": "labelsAdded",
        "labelRemoved": "labelsRemoved",
    }
    return [names.get(v.strip(), v.strip()) for v in value.split(",")]


def _search(query: str) -> tuple[int, int]:
    """The ``after:``/``before:`` terms of a Gmail search (epoch seconds or YYYY/MM/DD, UTC here), as
    [after, before) in epoch seconds; other search terms are refused rather than ignored."""
    after, before = 0, 2**63
    for term in query.split():
        name, _, value = term.partition(":")
        if name not in ("after", "before") or not value:
            raise bad_request(f"The sandbox searches by after: and before: only, not {term!r}")
        try:
            seconds = (
                int(value)
                if value.isdigit()
                else int(datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC).timestamp())
            )
        except ValueError:
            raise bad_request(f"Invalid search date {value!r}") from None
        if name == "after":
            after = seconds
        else:
            before = seconds
    return after, before
