"""Graph (Microsoft To Do) task JSON <-> neutral task values (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.graph.events import instant
from connectors.neutral.items import json_change
from mapping.converters import parse_instant
from syncengine.core.records import ItemChange


def _date(value: Mapping[str, Any] | None) -> str | None:
    """A To Do due date: the calendar date of its dateTime, in the zone it was given in."""
    if not value or not value.get("dateTime"):
        return None  # dates: None when empty, as the date converter gives
    return str(value["dateTime"])[:10]


def to_neutral(task: Mapping[str, Any]) -> dict[str, Any]:
    body = task.get("body") or {}
    return {
        "subject": str(task.get("title") or ""),
        "body": str(body.get("content") or "").strip(),
        "status": str(task.get("status") or "notStarted"),
        "importance": str(task.get("importance") or "normal"),
        "due_date": _date(task.get("dueDateTime")),
        "reminder_on": bool(task.get("isReminderOn")),
        "reminder_at": instant(task.get("reminderDateTime")) if task.get("isReminderOn") else None,
    }


def to_change(task: Mapping[str, Any]) -> ItemChange:
    title = str(task.get("title") or "")
    return json_change(
        task, "@removed" in task, title, to_neutral, version="@odata.etag", modified="lastModifiedDateTime"
    )


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["title"] = value or ""
        elif key == "body":
            out["body"] = {"contentType": "text", "content": value or ""}
        elif key == "status":
            out["status"] = value or "notStarted"
        elif key == "importance":
            out["importance"] = value or "normal"
        elif key == "due_date":
            out["dueDateTime"] = (
                {"dateTime": f"{value}T00:00:00.0000000", "timeZone": "UTC"} if value else None
            )
        elif key == "reminder_on":
            out["isReminderOn"] = bool(value)
        elif key == "reminder_at":
            parsed = parse_instant(value)
            out["reminderDateTime"] = (
                {"dateTime": parsed.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}
                if parsed
                else None
            )
    return out
