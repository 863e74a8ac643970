"""Graph's JSON shapes for mail folders, messages and attachments, and a message's MIME (``$value``)."""

from __future__ import annotations

import base64
import html
import re
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser
from typing import Any

from sandbox.graph.mail import MailAccount, MailFolder, StoredAttachment, StoredMessage, parse_instant, stamp

# Returned only when $select names them, as Graph does.
ON_DEMAND = ("uniqueBody", "internetMessageHeaders")
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    escaped = html.escape(text).replace("\r\n", "\n").replace("\n", "<br>\r\n")
    return (
        '<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n'
        f"<body>\r\n<div>{escaped}</div>\r\n</body>\r\n</html>\r\n"
    )


def body_as(body: dict[str, str], body_type: str) -> dict[str, str]:
    """The stored body in the type the caller prefers (Graph's default is HTML)."""
    if body["contentType"] == body_type:
        return dict(body)
    if body_type == "text":
        return {"contentType": "text", "content": html_to_text(body["content"])}
    return {"contentType": "html", "content": text_to_html(body["content"])}


def preview(body: dict[str, str]) -> str:
    text = body["content"] if body["contentType"] == "text" else html_to_text(body["content"])
    return re.sub(r"\s+", " ", text).strip()[:255]


def render_message(
    message: StoredMessage, body_type: str = "html", select: set[str] | None = None
) -> dict[str, Any]:
    f = message.fields
    shape: dict[str, Any] = {
        "@odata.etag": f'W/"{message.change_key}"',
        "id": message.id,
        "createdDateTime": stamp(message.created),
        "lastModifiedDateTime": stamp(message.modified),
        "changeKey": message.change_key,
        "categories": list(f["categories"]),
        "receivedDateTime": f["receivedDateTime"],
        "sentDateTime": f["sentDateTime"] if not f["isDraft"] else None,
        "hasAttachments": f["hasAttachments"],
        "internetMessageId": f["internetMessageId"],
        "subject": f["subject"],
        "bodyPreview": preview(f["body"]),
        "importance": f["importance"],
        "parentFolderId": message.folder_id,
        "conversationId": f["conversationId"],
        "conversationIndex": f["conversationIndex"],
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": f["isRead"],
        "isDraft": f["isDraft"],
        "webLink": "https://outlook.office365.com/owa/?ItemID="
        + message.id.replace("+", "%2B").replace("/", "%2F")
        + "&exvsurl=1&viewmodel=ReadMessageItem",
        "inferenceClassification": f["inferenceClassification"],
        "body": body_as(f["body"], body_type),
        "sender": f["sender"],
        "from": f["from"],
        "toRecipients": f["toRecipients"],
        "ccRecipients": f["ccRecipients"],
        "bccRecipients": f["bccRecipients"],
        "replyTo": f["replyTo"],
        "flag": f["flag"],
    }
    if select is not None:
        if "uniqueBody" in select:
            shape["uniqueBody"] = body_as(f["uniqueBody"], body_type)
        if "internetMessageHeaders" in select:
            shape["internetMessageHeaders"] = list(f["internetMessageHeaders"])
    return shape


def render_folder(account: MailAccount, folder: MailFolder) -> dict[str, Any]:
    inside = [m for m in account.messages.values() if not m.deleted and m.folder_id == folder.id]
    return {
        "id": folder.id,
        "displayName": folder.display_name,
        "parentFolderId": folder.parent_id,
        "childFolderCount": sum(1 for f in account.folders.values() if f.parent_id == folder.id),
        "unreadItemCount": sum(1 for m in inside if not m.fields["isRead"]),
        "totalItemCount": len(inside),
        "sizeInBytes": sum(
            len(m.fields["body"]["content"]) + sum(a.size for a in m.attachments.values()) for m in inside
        ),
        "isHidden": folder.is_hidden,
    }


def render_attachment(attachment: StoredAttachment, with_content: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "@odata.mediaContentType": attachment.content_type,
        "id": attachment.id,
        "lastModifiedDateTime": stamp(attachment.modified),
        "name": attachment.name,
        "contentType": attachment.content_type,
        "size": attachment.size,
        "isInline": attachment.is_inline,
        "contentId": attachment.content_id,
        "contentLocation": None,
    }
    if with_content:
        shape["contentBytes"] = base64.b64encode(attachment.content).decode("ascii")
    return shape


def _address(recipient: dict[str, dict[str, str]]) -> str:
    inner = recipient["emailAddress"]
    return (
        f'"{inner["name"]}" <{inner["address"]}>' if inner["name"] != inner["address"] else inner["address"]
    )


def mime(message: StoredMessage) -> bytes:
    """The message as RFC 5322 MIME, what ``GET /messages/{id}/$value`` answers."""
    f = message.fields
    out = EmailMessage()
    out["Message-ID"] = f["internetMessageId"]
    out["Date"] = format_datetime(parse_instant(f["sentDateTime"]))
    out["From"] = _address(f["from"])
    out["Subject"] = f["subject"]
    for header, key in (("To", "toRecipients"), ("Cc", "ccRecipients")):
        if f[key]:
            out[header] = ", ".join(_address(r) for r in f[key])
    for header in f["internetMessageHeaders"]:
        if header["name"] in ("In-Reply-To", "References", "Thread-Index"):
            out[header["name"]] = header["value"]
    body = f["body"]
    out.set_content(body["content"], subtype="html" if body["contentType"] == "html" else "plain")
    for attachment in message.attachments.values():
        main, _, sub = attachment.content_type.partition("/")
        out.add_attachment(
            attachment.content,
            maintype=main or "application",
            subtype=sub or "octet-stream",
            filename=attachment.name,
        )
    return bytes(out)
