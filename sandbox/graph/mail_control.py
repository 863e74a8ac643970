"""The people behind the mailboxes: mail arriving, mail sent, threads, categories, moves, attachments.

``MailControl`` is the Python API tests use in-process; ``register`` wires it under
``/_sandbox/tenants/{t}/users/{u}/mail/...`` for the demo, and the Graph mail endpoints under ``/v1.0``.
A message sent by a sandbox user lands in their Sent Items and in the Inbox of every recipient who is a
user of the same tenant, with the same internetMessageId and conversationId: one email, several mailboxes.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.identity import Directory
from sandbox.graph.mail import (
    MailFolder,
    MailStore,
    StoredMessage,
    conversation_id,
    conversation_index,
    file_attachment,
    internet_message_id,
    item_body,
    message_fields,
    parse_instant,
    recipient,
    recipients,
)
from sandbox.graph.mail_api import MailApi
from sandbox.graph.mail_render import render_attachment, render_folder, render_message
from sandbox.graph.paging import read_body

Recipient = dict[str, dict[str, str]]
MailboxOf = Callable[[str, str], Mailbox]
Handler = Callable[[Request], Response]
FULL = {"uniqueBody", "internetMessageHeaders"}


def _recipient(value: Any) -> Recipient:
    """A bare address, ``{"address", "name"}`` or Graph's ``{"emailAddress": {...}}``."""
    if isinstance(value, dict) and "emailAddress" not in value:
        value = {"emailAddress": {"address": value.get("address"), "name": value.get("name")}}
    return recipient(value)


def _recipients(value: Any) -> list[Recipient]:
    return recipients([_recipient(v) for v in (value or [])])


def _instant(value: Any, default: datetime) -> datetime:
    return default if value in (None, "") else parse_instant(value)


def _headers(fields: dict[str, Any], parent: StoredMessage | None) -> list[dict[str, str]]:
    def line(r: Recipient) -> str:
        return r["emailAddress"]["address"]

    out = [
        {"name": "Message-ID", "value": fields["internetMessageId"]},
        {"name": "Date", "value": fields["sentDateTime"]},
        {"name": "From", "value": line(fields["from"])},
        {"name": "To", "value": ", ".join(line(r) for r in fields["toRecipients"])},
        {"name": "Subject", "value": fields["subject"]},
        {"name": "Thread-Index", "value": fields["conversationIndex"]},
    ]
    if fields["ccRecipients"]:
        out.append({"name": "Cc", "value": ", ".join(line(r) for r in fields["ccRecipients"])})
    if parent is not None:
        parent_id = parent.fields["internetMessageId"]
        references = next(
            (h["value"] for h in parent.fields["internetMessageHeaders"] if h["name"] == "References"), ""
        )
        out.append({"name": "In-Reply-To", "value": parent_id})
        out.append({"name": "References", "value": f"{references} {parent_id}".strip()})
    return out


def _attachments(email: dict[str, Any]) -> list[dict[str, Any]]:
    """Attachment bodies: ``contentBytes`` (base64) as Graph takes them, or ``text`` for convenience."""
    out = []
    for item in email.get("attachments") or []:
        body = dict(item)
        if "text" in body:
            body["contentBytes"] = base64.b64encode(str(body.pop("text")).encode("utf-8")).decode("ascii")
        out.append(body)
    return out


class MailControl:
    def __init__(
        self, store: MailStore, lock: threading.RLock, directory: Directory, mailbox_of: MailboxOf
    ) -> None:
        self.store = store
        self.lock = lock
        self.directory = directory
        self._mailbox_of = mailbox_of

    def mailbox(self, tenant_id: str, user: str) -> Mailbox:
        return self._mailbox_of(tenant_id, user)

    # -- reading -----------------------------------------------------------------------------------
    def folders(self, tenant_id: str, user: str) -> list[dict[str, Any]]:
        """Every folder (nested ones too), with ``wellKnownName`` for the standard ones."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            account = self.store.account(mailbox)
            return [
                {**render_folder(account, f), "wellKnownName": f.well_known or None}
                for f in account.folders.values()
            ]

    def messages(self, tenant_id: str, user: str, folder: str | None = None) -> list[dict[str, Any]]:
        """The messages of a folder (id, well-known name or display name; every folder when None)."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            folder_id = self._find_folder(mailbox, folder).id if folder else None
            return [render_message(m, "html", FULL) for m in self.store.live(mailbox, folder_id)]

    def message(self, tenant_id: str, user: str, message_id: str) -> dict[str, Any]:
        with self.lock:
            return render_message(self.store.get(self.mailbox(tenant_id, user), message_id), "html", FULL)

    def categories(self, tenant_id: str, user: str) -> list[dict[str, str]]:
        with self.lock:
            account = self.store.account(self.mailbox(tenant_id, user))
            return [{"id": i, "displayName": n, "color": c} for i, (n, c) in account.categories.items()]

    def attachments(self, tenant_id: str, user: str, message_id: str) -> list[dict[str, Any]]:
        with self.lock:
            message = self.store.get(self.mailbox(tenant_id, user), message_id)
            return [render_attachment(a) for a in message.attachments.values()]

    # -- the user in Outlook -----------------------------------------------------------------------
    def create_folder(
        self, tenant_id: str, user: str, display_name: str, parent: str = "msgfolderroot"
    ) -> dict[str, Any]:
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            folder = self.store.create_folder(
                mailbox, self._find_folder(mailbox, parent).id, {"displayName": display_name}
            )
            return render_folder(self.store.account(mailbox), folder)

    def set_categories(
        self, tenant_id: str, user: str, message_id: str, categories: list[str]
    ) -> dict[str, Any]:
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            return render_message(
                self.store.update(mailbox, message_id, {"categories": categories}), "html", FULL
            )

    def mark_read(self, tenant_id: str, user: str, message_id: str, is_read: bool = True) -> dict[str, Any]:
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            return render_message(self.store.update(mailbox, message_id, {"isRead": is_read}), "html", FULL)

    def move(self, tenant_id: str, user: str, message_id: str, folder: str) -> dict[str, Any]:
        """Move to a folder (id, well-known name or display name); the message gets a new id."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            target = self._find_folder(mailbox, folder)
            return render_message(self.store.move(mailbox, message_id, target.id), "html", FULL)

    def delete(self, tenant_id: str, user: str, message_id: str) -> None:
        with self.lock:
            self.store.delete(self.mailbox(tenant_id, user), message_id)

    def add_attachment(
        self,
        tenant_id: str,
        user: str,
        message_id: str,
        name: str,
        content: bytes | str,
        content_type: str = "application/octet-stream",
        is_inline: bool = False,
    ) -> dict[str, Any]:
        raw = content.encode("utf-8") if isinstance(content, str) else content
        body = {
            "name": name,
            "contentType": content_type,
            "contentBytes": base64.b64encode(raw).decode("ascii"),
            "isInline": is_inline,
        }
        with self.lock:
            added = self.store.add_attachment(self.mailbox(tenant_id, user), message_id, body)
            return render_attachment(added, with_content=False)

    # -- mail moving between people ----------------------------------------------------------------
    def deliver(self, tenant_id: str, user: str, email: dict[str, Any]) -> dict[str, Any]:
        """Mail from anyone arrives in this mailbox (Inbox unless ``folder``); ``inReplyTo`` (a message id
        in this mailbox) puts it in that message's conversation."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            parent = self.store.get(mailbox, email["inReplyTo"]) if email.get("inReplyTo") else None
            sender = _recipient(email["from"])
            now = datetime.now(UTC)
            received = _instant(email.get("receivedDateTime"), now)
            fields = self._fields(
                email, sender, parent, _instant(email.get("sentDateTime"), received), received
            )
            folder = self._find_folder(mailbox, email.get("folder") or "inbox")
            message = self._store(mailbox, folder, fields, _attachments(email), parent)
            return render_message(message, "html", FULL)

    def send(self, tenant_id: str, user: str, email: dict[str, Any]) -> dict[str, Any]:
        """This user sends mail: a copy in Sent Items, one in the Inbox of each recipient of the tenant.

        Answers ``{"sent": message, "delivered": {user_id: message}}``. ``inReplyTo``: a message id in the
        sender's mailbox that this answers (same conversation)."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            parent = self.store.get(mailbox, email["inReplyTo"]) if email.get("inReplyTo") else None
            sender = recipient({"emailAddress": {"address": mailbox.mail, "name": mailbox.display_name}})
            sent_at = _instant(email.get("sentDateTime"), datetime.now(UTC))
            fields = self._fields(email, sender, parent, sent_at, sent_at)
            attachments = _attachments(email)
            sent = self._store(
                mailbox, self.store.folder(mailbox, "sentitems"), fields, attachments, parent, True
            )
            delivered: dict[str, Any] = {}
            tenant = self.directory.require_tenant(tenant_id)
            everyone = fields["toRecipients"] + fields["ccRecipients"] + fields["bccRecipients"]
            for address in dict.fromkeys(r["emailAddress"]["address"].lower() for r in everyone):
                found = tenant.find_user(address)
                if found is None or found.id in delivered:
                    continue
                inbox_owner = self.mailbox(tenant_id, found.id)
                copy = {**fields, "bccRecipients": [], "categories": [], "isRead": False}
                thread = self._thread_in(inbox_owner, parent)
                stored = self._store(
                    inbox_owner, self.store.folder(inbox_owner, "inbox"), copy, attachments, thread
                )
                delivered[found.id] = render_message(stored, "html", FULL)
            return {"sent": render_message(sent, "html", FULL), "delivered": delivered}

    def reply(self, tenant_id: str, user: str, message_id: str, email: dict[str, Any]) -> dict[str, Any]:
        """This user answers a message of their mailbox: to its sender (and everyone, ``replyAll``)."""
        with self.lock:
            mailbox = self.mailbox(tenant_id, user)
            original = self.store.get(mailbox, message_id)
            own = mailbox.mail.lower()
            first = original.fields["from"]
            if first["emailAddress"]["address"].lower() == own:  # answering one's own sent mail
                to = list(original.fields["toRecipients"])
            else:
                to = [first]
            cc: list[Recipient] = []
            if email.get("replyAll"):
                others = original.fields["toRecipients"] + original.fields["ccRecipients"]
                cc = [r for r in others if r["emailAddress"]["address"].lower() != own and r not in to]
            subject = original.fields["subject"]
            answer = {
                "to": email.get("to") or to,
                "cc": email.get("cc") or cc,
                "subject": email.get("subject")
                or (subject if subject.upper().startswith("RE:") else f"RE: {subject}"),
                **{k: v for k, v in email.items() if k not in ("to", "cc", "subject", "replyAll")},
                "inReplyTo": original.id,
            }
        return self.send(tenant_id, user, answer)

    # -- helpers -----------------------------------------------------------------------------------
    def _find_folder(self, mailbox: Mailbox, key: str) -> MailFolder:
        """By id, well-known name or display name (the demo names folders as a person would)."""
        try:
            return self.store.folder(mailbox, key)
        except GraphError:
            for folder in self.store.account(mailbox).folders.values():
                if folder.display_name.casefold() == key.casefold():
                    return folder
            raise KeyError(f"no mail folder {key!r}") from None

    def _thread_in(self, mailbox: Mailbox, parent: StoredMessage | None) -> StoredMessage | None:
        """The same conversation's message in another mailbox, for In-Reply-To/References there."""
        if parent is None:
            return None
        wanted = parent.fields["internetMessageId"]
        return next((m for m in self.store.live(mailbox) if m.fields["internetMessageId"] == wanted), None)

    def _fields(
        self,
        email: dict[str, Any],
        sender: Recipient,
        parent: StoredMessage | None,
        sent: datetime,
        received: datetime,
    ) -> dict[str, Any]:
        domain = sender["emailAddress"]["address"].rsplit("@", 1)[-1]
        subject = email.get("subject")
        if subject is None:
            subject = f"RE: {parent.fields['subject']}" if parent is not None else ""
        body = item_body({"contentType": email.get("bodyType", "text"), "content": email.get("body", "")})
        categories = email.get("categories") or []
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise ValueError("categories must be a list of strings")
        return message_fields(
            sender=sender,
            to=_recipients(email.get("to")),
            cc=_recipients(email.get("cc")),
            bcc=_recipients(email.get("bcc")),
            subject=str(subject),
            body=body,
            sent=sent,
            received=received,
            internet_id=email.get("internetMessageId") or internet_message_id(domain),
            conversation=parent.fields["conversationId"] if parent is not None else conversation_id(),
            index=conversation_index(
                parent.fields["conversationIndex"] if parent is not None else None, sent
            ),
            categories=categories,
            unique_body=body,
        )

    def _store(
        self,
        mailbox: Mailbox,
        folder: MailFolder,
        fields: dict[str, Any],
        attachments: list[dict[str, Any]],
        parent: StoredMessage | None,
        is_read: bool = False,
    ) -> StoredMessage:
        fields = {**fields, "isRead": is_read or fields["isRead"]}
        fields["internetMessageHeaders"] = _headers(fields, parent)
        made = [file_attachment(a) for a in attachments]  # validated before anything is stored
        message = self.store.put(mailbox, folder.id, fields)
        for attachment in made:
            message.attachments[attachment.id] = attachment
        message.fields["hasAttachments"] = any(not a.is_inline for a in made)
        return message


def _send_mail(mail: MailControl, request: Request, mailbox: Mailbox) -> Response:
    """``POST /me/sendMail``: Graph's way to send, through the same delivery as ``MailControl.send``."""
    body = read_body(request)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        raise GraphError(400, "ErrorInvalidRequest", "The request is invalid: message is required.")
    if not any(message.get(k) for k in ("toRecipients", "ccRecipients", "bccRecipients")):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    content = item_body(message.get("body") or {"contentType": "text", "content": ""})
    email = {
        "to": message.get("toRecipients"),
        "cc": message.get("ccRecipients"),
        "bcc": message.get("bccRecipients"),
        "subject": str(message.get("subject") or ""),
        "body": content["content"],
        "bodyType": content["contentType"],
        "attachments": message.get("attachments") or [],
        "categories": message.get("categories") or [],
    }
    try:
        sent = mail.send(mailbox.tenant_id, mailbox.user_id, email)["sent"]
    except (KeyError, ValueError, TypeError) as error:
        raise GraphError(400, "ErrorInvalidRequest", f"The request is invalid: {error}") from error
    if body.get("saveToSentItems") is False:
        mail.store.delete(mailbox, sent["id"])
    return json_response(202, None)


# -- wiring --------------------------------------------------------------------------------------------
def register(
    route: Callable[[str, str, Handler], None],
    graph: Callable[[Any], Handler],
    control: Callable[[Callable[[Request, dict[str, Any]], Response]], Handler],
    who: str,
    api: MailApi,
    mail: MailControl,
) -> None:
    """The Graph mail routes (``who``: the app's /me|/users/{id} prefix) and the mail control routes."""
    folder = r"/mailFolders/(?P<folder>[^/]+)"
    messages = who + r"(?:" + folder + r")?/messages"
    item = messages + r"/(?P<message>[^/]+)"
    attachment = item + r"/attachments/(?P<attachment>[^/]+)"
    route("GET", who + r"/mailFolders", graph(api.list_folders))
    route("POST", who + r"/mailFolders", graph(api.create_folder))
    route("GET", who + folder, graph(api.get_folder))
    route("GET", who + folder + r"/childFolders", graph(api.list_child_folders))
    route("POST", who + folder + r"/childFolders", graph(api.create_folder))
    route("GET", who + folder + r"/messages/delta", graph(api.messages_delta))
    route("GET", messages, graph(api.list_messages))
    route("POST", messages, graph(api.create_draft))
    route("GET", item, graph(api.get_message))
    route("PATCH", item, graph(api.update_message))
    route("DELETE", item, graph(api.delete_message))
    route("POST", item + r"/move", graph(api.move_message))
    route("GET", item + r"/\$value", graph(api.message_mime))
    route("GET", item + r"/attachments", graph(api.list_attachments))
    route("POST", item + r"/attachments", graph(api.add_attachment))
    route("GET", attachment, graph(api.get_attachment))
    route("GET", attachment + r"/\$value", graph(api.attachment_value))
    route("GET", who + r"/outlook/masterCategories", graph(api.list_categories))
    route("POST", who + r"/outlook/masterCategories", graph(api.create_category))
    route("POST", who + r"/sendMail", graph(lambda request, mailbox: _send_mail(mail, request, mailbox)))

    base = r"/_sandbox/tenants/(?P<t>[^/]+)/users/(?P<u>[^/]+)/mail"
    one = base + r"/messages/(?P<m>[^/]+)"

    def who_of(request: Request) -> tuple[str, str]:
        return unquote(request.params["t"]), unquote(request.params["u"])

    def message_id(request: Request) -> str:
        return unquote(request.params["m"])

    def ok(status: int, payload: Any) -> Response:
        return json_response(status, payload)

    route("GET", base + r"/folders", control(lambda r, b: ok(200, {"value": mail.folders(*who_of(r))})))
    route(
        "POST",
        base + r"/folders",
        control(
            lambda r, b: ok(
                201, mail.create_folder(*who_of(r), b["displayName"], b.get("parent") or "msgfolderroot")
            )
        ),
    )
    route(
        "GET",
        base + r"/messages",
        control(lambda r, b: ok(200, {"value": mail.messages(*who_of(r), r.query.get("folder"))})),
    )
    route("GET", base + r"/categories", control(lambda r, b: ok(200, {"value": mail.categories(*who_of(r))})))
    route("POST", base + r"/deliver", control(lambda r, b: ok(201, mail.deliver(*who_of(r), b))))
    route("POST", base + r"/send", control(lambda r, b: ok(201, mail.send(*who_of(r), b))))
    route("GET", one, control(lambda r, b: ok(200, mail.message(*who_of(r), message_id(r)))))
    route("POST", one + r"/reply", control(lambda r, b: ok(201, mail.reply(*who_of(r), message_id(r), b))))
    route(
        "PATCH",
        one,
        control(lambda r, b: ok(200, mail.set_categories(*who_of(r), message_id(r), b["categories"]))),
    )
    route(
        "POST",
        one + r"/move",
        control(lambda r, b: ok(200, mail.move(*who_of(r), message_id(r), b["folder"]))),
    )
    route(
        "POST",
        one + r"/attachments",
        control(
            lambda r, b: ok(
                201,
                mail.add_attachment(
                    *who_of(r),
                    message_id(r),
                    b["name"],
                    base64.b64decode(b["contentBytes"]) if "contentBytes" in b else str(b["text"]),
                    b.get("contentType", "application/octet-stream"),
                    bool(b.get("isInline", False)),
                ),
            )
        ),
    )
    route(
        "GET",
        one + r"/attachments",
        control(lambda r, b: ok(200, {"value": mail.attachments(*who_of(r), message_id(r))})),
    )

    def delete(request: Request, body: dict[str, Any]) -> Response:
        mail.delete(*who_of(request), message_id(request))
        return json_response(204, None)

    route("DELETE", one, control(delete))
