"""Google Tasks JSON <-> neutral task values (pure).

Google Tasks knows two statuses (needsAction, completed), no importance and no reminders: reads give
"notStarted"/"completed", importance "normal" and no reminder; writes keep only what Google can hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncengine.core.records import ItemChange


def to_neutral(task: Mapping[str, Any]) -> dict[str, Any]:
    due = str(task.get("due") or "")
    return {
        "subject": str(task.get("title") or ""),
        "body": str(task.get("notes") or "").strip(),
        "status": "completed" if task.get("status") == "completed" else "notStarted",
        "importance": "normal",
        "due_date": due[:10] or None,  # Google keeps the date only; the time part is always 00:00Z
        "reminder_on": False,
        "reminder_at": None,
    }


def to_change(task: Mapping[str, Any]) -> ItemChange:
    if task.get("deleted"):
        return ItemChange(id=str(task["id"]), removed=True)
    return ItemChange(
        id=str(task["id"]),
        version=str(task.get("etag") or ""),
        values=to_neutral(task),
        modified_at=str(task.get("updated") or ""),
        label=str(task.get("title") or ""),
    )


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["title"] = value or ""
        elif key == "body":
            out["notes"] = value or ""
        elif key == "status":
            out["status"] = "completed" if value == "completed" else "needsAction"
            if out["status"] == "needsAction":
                out["completed"] = None  # reopening clears the completion time
        elif key == "due_date":
            out["due"] = f"{str(value)[:10]}T00:00:00.000Z" if value else None
    return out
