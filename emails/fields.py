"""An email as the Salesforce record it is saved as (pure): the reference's email table.

| Outlook             | EmailMessage (Enhanced Email)      | Task (no Enhanced Email)       |
|---------------------|------------------------------------|--------------------------------|
| Subject             | Subject                            | Subject                        |
| Body                | TextBody, HtmlBody                 | Description (after the header) |
| From / To / Cc / Bcc| FromAddress, FromName, To/Cc/BccAddress, EmailMessageRelation rows | Description |
| Sent / received     | MessageDate                        | ActivityDate, Description      |
| Inbox / Sent        | Incoming                           | Description                    |
| InternetMessageId   | MessageIdentifier + the sync key   | the sync key                   |
| ConversationId      | ThreadIdentifier                   | -                              |

"Saved by the engine" (the reference's IsCreatedBySync) is the sync key field itself: only the engine
fills it, so an email saved by hand has it empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from connectors.salesforce.emails import Attachment, EmailTaskToSave, EmailToSave, relations_from
from syncengine.core.email_records import EmailAddress, EmailRecord
from syncengine.core.linking import Links

LONG_TEXT = 32000
WHAT_PREFIXES = ("001", "006", "500")  # RelatedToId takes an Account, Opportunity or Case


def sync_key(internet_message_id: str) -> str:
    """The org-wide External ID of an email: every mailbox holding it computes the same key."""
    return hashlib.sha256(f"email\0{internet_message_id.strip()}".encode()).hexdigest()


def is_incoming(email: EmailRecord, own: Collection[str]) -> bool:
    sender = email.from_.address if email.from_ else ""
    return sender not in own


def _line(people: tuple[EmailAddress, ...]) -> str:
    return "; ".join(p.address for p in people)


def message_fields(email: EmailRecord, links: Links, *, own: Collection[str]) -> dict[str, Any]:
    incoming = is_incoming(email, own)
    fields: dict[str, Any] = {
        "Subject": email.subject[:3000],
        "TextBody": email.text_body[:LONG_TEXT],
        "FromAddress": email.from_.address if email.from_ else "",
        "FromName": (email.from_.name if email.from_ else "")[:1000],
        "ToAddress": _line(email.to)[:4000],
        "CcAddress": _line(email.cc)[:4000],
        "BccAddress": _line(email.bcc)[:4000],
        "MessageDate": email.sent_at or email.received_at or None,
        "Status": "1" if incoming else "3",  # Read / Sent
        "Incoming": incoming,
        "MessageIdentifier": email.internet_message_id[:255],
        "ThreadIdentifier": email.conversation_id[:255],
    }
    if email.html_body:
        fields["HtmlBody"] = email.html_body[:LONG_TEXT]
    if links.what_id.startswith(WHAT_PREFIXES):
        fields["RelatedToId"] = links.what_id
    return {k: v for k, v in fields.items() if v not in ("", None)}


def email_to_save(
    email: EmailRecord, links: Links, *, own: Collection[str], attachments: list[Attachment]
) -> EmailToSave:
    return EmailToSave(
        sync_key(email.internet_message_id),
        message_fields(email, links, own=own),
        relations_from(links.people),
        attachments,
    )


def task_to_save(email: EmailRecord, links: Links, *, own: Collection[str]) -> EmailTaskToSave:
    """A completed Task: the participants and dates go in the description, as the reference's table does."""
    moment = email.sent_at or email.received_at
    header = [
        f"From: {email.from_.address if email.from_ else ''}",
        f"To: {_line(email.to)}",
    ]
    if email.cc:
        header.append(f"Cc: {_line(email.cc)}")
    if email.bcc:
        header.append(f"Bcc: {_line(email.bcc)}")
    header.append(f"{'Received' if is_incoming(email, own) else 'Sent'}: {moment}")
    fields: dict[str, Any] = {
        "Subject": f"Email: {email.subject}"[:255],
        "Description": ("\n".join(header) + "\n\n" + email.text_body)[:LONG_TEXT],
    }
    if moment:
        fields["ActivityDate"] = moment[:10]
    if links.who_id:
        fields["WhoId"] = links.who_id
    if links.what_id:
        fields["WhatId"] = links.what_id
    return EmailTaskToSave(sync_key(email.internet_message_id), fields)
