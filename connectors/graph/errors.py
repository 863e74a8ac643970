"""Translate Microsoft Graph and identity-platform answers into ConnectorError."""

from __future__ import annotations

from typing import Any

import requests

from connectors.base import ConnectorError, CursorInvalidError
from connectors.http import passed_on, retry_after_seconds


def graph_error(status: int, body: Any, retry_after: float | None = None) -> ConnectorError:
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code = str(error.get("code", "")) if isinstance(error, dict) else str(error)
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    text = f"Microsoft Graph answered {status} {code}: {message}".strip()
    if status == 410 or code in ("SyncStateNotFound", "syncStateNotFound", "resyncRequired"):
        return CursorInvalidError(text)
    if status == 401:
        return ConnectorError(
            text, permanent=False, code=code or "HTTP_401", status=status, auth_expired=True
        )
    if status in (429, 500, 502, 503, 504):
        return ConnectorError(
            text, permanent=False, code=code or f"HTTP_{status}", status=status, retry_after=retry_after
        )
    return ConnectorError(text, permanent=True, code=code or f"HTTP_{status}", status=status)


def from_response(response: requests.Response) -> ConnectorError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    return graph_error(response.status_code, body, retry_after_seconds(response))


def from_exception(error: Exception) -> ConnectorError:
    known = passed_on(error, "Microsoft Graph")
    if known is not None:
        return known
    return ConnectorError(f"Microsoft Graph call failed: {error!r}", permanent=False, code="UNKNOWN")
