"""Translate Salesforce answers (simple-salesforce exceptions, OAuth errors) into ConnectorError."""

from __future__ import annotations

from typing import Any

from simple_salesforce import exceptions as sfe

from connectors.base import ConnectorError
from connectors.http import passed_on

# Item-level error codes worth retrying in a later session rather than reporting as permanent.
TRANSIENT_ITEM_CODES = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"}
DAILY_LIMIT_WAIT_SECONDS = 3600.0


def first_error(content: Any) -> tuple[str, str]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return str(content.get("error", "")), str(content.get("error_description", ""))
    return "", str(content)[:300]


def translate(error: Exception) -> ConnectorError:
    known = passed_on(error, "Salesforce")
    if known is not None:
        return known
    if isinstance(error, sfe.SalesforceError):
        code, message = first_error(error.content)
        status = error.status
        text = f"Salesforce answered {status} {code}: {message}".strip()
        if isinstance(error, sfe.SalesforceExpiredSession) or code == "INVALID_SESSION_ID":
            return ConnectorError(
                text, permanent=False, code="INVALID_SESSION_ID", status=status, auth_expired=True
            )
        if code == "REQUEST_LIMIT_EXCEEDED":
            # The org's daily API allowance is spent: waiting seconds will not help; try next session.
            return ConnectorError(
                text, permanent=False, code=code, status=status, retry_after=DAILY_LIMIT_WAIT_SECONDS
            )
        if status == 429 or status >= 500:
            return ConnectorError(text, permanent=False, code=code or f"HTTP_{status}", status=status)
        return ConnectorError(text, permanent=True, code=code or f"HTTP_{status}", status=status)
    return ConnectorError(f"Salesforce call failed: {error!r}", permanent=False, code="UNKNOWN")
