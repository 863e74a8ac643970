"""Translate Google API, OAuth and transport failures into ConnectorError."""

from __future__ import annotations

import json
from typing import Any

import httplib2
from google.auth import exceptions as auth_exceptions
from googleapiclient.errors import HttpError

from connectors.base import ConnectorError, CursorInvalidError

TRANSIENT = (429, 500, 502, 503, 504)
# 403s that are throttling, not a missing permission.
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
REVOKED = {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"}


def parse_body(content: Any) -> Any:
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if isinstance(content, str):
        try:
            return json.loads(content) if content.strip() else {}
        except ValueError:
            return {"error": {"message": content[:200]}}
    return content if content is not None else {}


def retry_after(headers: Any) -> float | None:
    value = (headers or {}).get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _reasons(body: Any) -> tuple[str, str, set[str]]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", str(error or ""), set()
    reasons = {str(e.get("reason", "")) for e in error.get("errors") or [] if isinstance(e, dict)}
    reasons |= {str(d.get("reason", "")) for d in error.get("details") or [] if isinstance(d, dict)}
    return str(error.get("status", "")), str(error.get("message", "")), reasons - {""}


def throttled(status: int, body: Any) -> bool:
    """A per-request answer worth sending again: 429/5xx, or Calendar's 403 rate limits (which Google
    documents as "retry with backoff"; a daily quota is not, and fails like any other 403)."""
    if status in TRANSIENT:
        return True
    return status == 403 and bool(_reasons(body)[2] & {"rateLimitExceeded", "userRateLimitExceeded"})


def google_error(status: int, body: Any, wait: float | None = None) -> ConnectorError:
    rpc_status, message, reasons = _reasons(body)
    code = next(iter(sorted(reasons)), "") or rpc_status or f"HTTP_{status}"
    text = f"Google answered {status} {code}: {message}".strip()
    if status == 410 or reasons & {"fullSyncRequired", "EXPIRED_SYNC_TOKEN", "updatedMinTooLongAgo"}:
        return CursorInvalidError(text)
    if reasons & {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}:
        return ConnectorError(
            f"The Google account did not allow this app to use this data ({message}): reconnect the "
            "mailbox and allow every permission asked for.",
            permanent=True,
            code="MAIL_PERMISSION_MISSING",
            status=status,
        )
    if status == 401:
        return ConnectorError(text, permanent=False, code=code, status=status, auth_expired=True)
    if status in TRANSIENT or (status == 403 and reasons & RATE_REASONS):
        return ConnectorError(text, permanent=False, code=code, status=status, retry_after=wait)
    return ConnectorError(text, permanent=True, code=code, status=status)


def from_http_error(error: HttpError) -> ConnectorError:
    return google_error(int(error.resp.status), parse_body(error.content), retry_after(error.resp))


def from_refresh_error(error: auth_exceptions.RefreshError) -> ConnectorError:
    data = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
    code = str(data.get("error") or str(error.args[0] if error.args else "").split(":")[0])
    if code in REVOKED:
        return ConnectorError(
            "Google no longer accepts this mailbox's sign-in (the access was revoked or expired): "
            f"reconnect the mailbox. ({code}: {str(data.get('error_description') or '')[:160]})",
            permanent=True,
            code="MAIL_AUTH_REVOKED",
        )
    return ConnectorError(f"Google sign-in failed: {error}", permanent=False, code=code or "LOGIN_FAILED")


def from_exception(error: Exception) -> ConnectorError:
    if isinstance(error, ConnectorError):
        return error
    if isinstance(error, HttpError):
        return from_http_error(error)
    if isinstance(error, auth_exceptions.RefreshError):
        return from_refresh_error(error)
    if isinstance(error, auth_exceptions.TransportError | httplib2.HttpLib2Error | OSError):
        return ConnectorError(f"Google unreachable: {type(error).__name__}", permanent=False, code="NETWORK")
    return ConnectorError(f"Google call failed: {error!r}", permanent=False, code="UNKNOWN")
