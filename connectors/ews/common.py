"""Small conversions shared by the EWS item converters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from exchangelib.properties import HTMLBody

from connectors.neutral.text import html_to_text
from syncengine.core.records import ItemChange


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


def item_change(
    item: Any, values: dict[str, Any], label: str, meta: Mapping[str, Any] | None = None
) -> ItemChange:
    """An exchangelib item's change: its id, change key and last change, with its neutral ``values``."""
    return ItemChange(
        id=str(item.id),
        version=str(item.changekey or ""),
        values=values,
        modified_at=stamp(item.last_modified_time) or "",
        label=label,
        meta=meta or {},
    )
