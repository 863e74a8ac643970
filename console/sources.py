"""Where a session's or an item's error came from, for the session page: the mailbox, Salesforce,
the network, the sync's own rules, or the engine (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAILBOX, SALESFORCE, NETWORK, RULES, ENGINE, OTHER = (
    "Mailbox",
    "Salesforce",
    "Network or provider outage",
    "The sync's rules",
    "The engine",
    "Other",
)
_BY_CODE = {
    "CURSOR_INVALID": MAILBOX,
    "ITEM_UNREADABLE": MAILBOX,
    "UNSUPPORTED_STREAM": MAILBOX,
    "BATCH": MAILBOX,
    "NETWORK": NETWORK,
    "LOGIN_UNAVAILABLE": NETWORK,
    "SERVER_UNAVAILABLE": NETWORK,
    "REQUEST_LIMIT_EXCEEDED": SALESFORCE,
    "UNABLE_TO_LOCK_ROW": SALESFORCE,
    "INVALID_SESSION_ID": SALESFORCE,
    "CONFLICT_RESOLVED": RULES,
    "FIELD_TRUNCATED": RULES,
    "MASS_DELETE_HALTED": RULES,
    "AWAITS_ORGANIZER": RULES,
    "INTERNAL_ERROR": ENGINE,
    "STREAM_FAILED": ENGINE,
    "ALL_STREAMS_FAILED": ENGINE,
    "RESYNC_REQUESTED": ENGINE,
}
_BY_PREFIX = (("MAIL_", MAILBOX), ("CRM_", SALESFORCE), ("SALESFORCE_", SALESFORCE))


def error_source(code: str, details: Mapping[str, Any] | None = None) -> str:
    if code in _BY_CODE:
        return _BY_CODE[code]
    for prefix, source in _BY_PREFIX:
        if code.startswith(prefix):
            return source
    # An item's failed write says which side it was written to.
    side = ((details or {}).get("pending") or {}).get("side", "")
    return {"mail": MAILBOX, "crm": SALESFORCE}.get(side, OTHER)
