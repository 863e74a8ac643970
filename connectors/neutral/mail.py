"""The mail side's shared rules: which folders are read, the backfill and attachment limits, and why an
attachment's content is not fetched."""

from __future__ import annotations

from collections.abc import Iterable

from connectors.base import ConnectorError
from syncengine.core.email_records import EmailRecord, FolderRole

SALESFORCE_FOLDER = "Salesforce emails"
SALESFORCE_CATEGORY_COLOR = "preset7"  # blue, as the reference's category is (Outlook's preset names)
READ_FOLDERS: tuple[FolderRole, ...] = ("inbox", "sent", "salesforce")
DEFAULT_BACKFILL_DAYS = 6
DEFAULT_ATTACHMENT_LIMIT = 25 * 1024 * 1024  # Salesforce's limit for one file

# Why an attachment comes back without its content (``EmailAttachment.skipped``).
NOT_A_FILE = "not_a_file"
INLINE = "inline"
TOO_LARGE = "too_large"
GONE = "gone"
UNREADABLE = "unreadable"


def check_email_read(mail_name: str, folder: str, backfill_days: int) -> None:
    """Refuse a read of a folder the engine does not sync, or a negative backfill window."""
    if folder not in READ_FOLDERS:
        raise ConnectorError(
            f"{mail_name} is read from inbox, sent or salesforce, not {folder!r}",
            permanent=True,
            code="UNSUPPORTED_FOLDER",
        )
    if backfill_days < 0:
        raise ConnectorError("backfill_days cannot be negative", permanent=True, code="BAD_BACKFILL")


def check_conversation_id(conversation_id: str) -> None:
    if not conversation_id:
        raise ConnectorError("a conversation id is required", permanent=True, code="BAD_CONVERSATION")


def check_attachment_limit(max_bytes: int) -> None:
    if max_bytes < 0:
        raise ConnectorError("max_bytes cannot be negative", permanent=True, code="BAD_LIMIT")


def skip_reason(*, is_file: bool, is_inline: bool, size: int, max_bytes: int, include_inline: bool) -> str:
    """Why this attachment's content is not fetched; "" when it is."""
    if not is_file:
        return NOT_A_FILE
    if is_inline and not include_inline:
        return INLINE
    if size > max_bytes:
        return TOO_LARGE
    return ""


def oldest_first(records: Iterable[EmailRecord]) -> list[EmailRecord]:
    """A conversation in the order it was received (ids break ties, so the order is stable)."""
    return sorted(records, key=lambda r: (r.received_at, r.id))
