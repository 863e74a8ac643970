"""Small conversions shared by the EWS item converters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from exchangelib.properties import HTMLBody

from connectors.neutral.text import html_to_text


def stamp(value: Any) -> str | None:
    """A datetime as a neutral UTC instant "YYYY-MM-DDTHH:MM:SSZ"; None stays None."""
    if not isinstance(value, datetime):
        return None
    # via the timestamp: exchangelib's EWSDateTime only converts to its own zone type
    return datetime.fromtimestamp(value.timestamp(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def body_text(body: Any) -> str:
    """Item bodies as plain text (Outlook writes HTML)."""
    if body is None:
        return ""
    if isinstance(body, HTMLBody):
        return html_to_text(str(body))
    return str(body).strip()


def text(value: Any) -> str:
    return str(value or "").strip()
