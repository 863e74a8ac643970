"""Provider-neutral email records: what a mailbox connector reports about its emails.

Emails are saved one way (mailbox -> Salesforce) and once, so unlike ``records.ItemChange`` these carry the
whole email, typed, rather than field values to merge. Every mail provider (Graph, EWS, Gmail) returns
these; the engine decides from them what to save, link and tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FolderRole = Literal["inbox", "sent", "salesforce", "other"]
FOLDER_ROLES: tuple[FolderRole, ...] = ("inbox", "sent", "salesforce", "other")


@dataclass(frozen=True)
class EmailAddress:
    address: str  # lower-cased by the connector: addresses are compared case-insensitively
    name: str = ""

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1] if "@" in self.address else ""


@dataclass(frozen=True)
class EmailAttachment:
    """A file attached to an email; ``content`` is None when it was not fetched (see ``skipped``)."""

    id: str
    message_id: str
    name: str
    content_type: str
    size: int
    is_inline: bool = False
    content: bytes | None = None
    # Why the content is absent: "too_large" (over the size limit), "inline", "not_a_file" (an attached
    # item or a cloud link), "gone" (the email or file disappeared meanwhile), or "" when fetched.
    skipped: str = ""


@dataclass(frozen=True)
class EmailRecord:
    """One email of one mailbox. ``removed``: only ``id`` is meaningful (deleted or moved out of the folder
    that was read; a move reports the email again, under a new id, in its new folder)."""

    id: str  # the provider's id of this mailbox's copy
    internet_message_id: str = ""  # RFC 5322 Message-ID: the same email in every mailbox that holds it
    conversation_id: str = ""
    folder: FolderRole = "other"
    folder_id: str = ""
    subject: str = ""
    text_body: str = ""
    html_body: str = ""  # "" when the provider holds the body as plain text
    from_: EmailAddress | None = None
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    bcc: tuple[EmailAddress, ...] = ()
    sent_at: str = ""  # ISO-8601 UTC, "...Z"
    received_at: str = ""
    categories: tuple[str, ...] = ()
    has_attachments: bool = False
    is_draft: bool = False
    removed: bool = False
    version: str = ""  # the provider's version marker (Graph changeKey)
    conversation_index: str = ""  # Outlook thread position (base64), "" where the provider has none

    def addresses(self) -> tuple[str, ...]:
        """Every participant's address, sender first, without repeats."""
        people = ((self.from_,) if self.from_ else ()) + self.to + self.cc + self.bcc
        return tuple(dict.fromkeys(p.address for p in people if p.address))

    def has_category(self, name: str) -> bool:
        wanted = name.casefold()
        return any(c.casefold() == wanted for c in self.categories)


@dataclass(frozen=True)
class EmailChangeSet:
    """The emails of one folder changed since a cursor, and the cursor to store once they are handled."""

    items: tuple[EmailRecord, ...]
    next_cursor: str
    full: bool = False  # a full read (first read, or after an invalid cursor) within the backfill window
