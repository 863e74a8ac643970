"""exchangelib Task <-> neutral task values (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date
from typing import Any

from exchangelib import EWSDate, EWSDateTime, Task
from exchangelib.properties import Body

from connectors.ews.common import body_text, item_change, stamp
from mapping.converters import parse_instant
from syncengine.core.records import ItemChange

STATUS = {
    "NotStarted": "notStarted",
    "InProgress": "inProgress",
    "Completed": "completed",
    "WaitingOnOthers": "waitingOnOthers",
    "Deferred": "deferred",
}
STATUS_EWS = {v: k for k, v in STATUS.items()}
IMPORTANCE = {"Low": "low", "Normal": "normal", "High": "high"}
IMPORTANCE_EWS = {v: k for k, v in IMPORTANCE.items()}
FIELDS = (
    "subject",
    "body",
    "status",
    "importance",
    "due_date",
    "reminder_is_set",
    "reminder_due_by",
    "last_modified_time",
)


def to_neutral(task: Task) -> dict[str, Any]:
    due = task.due_date
    return {
        "subject": str(task.subject or ""),
        "body": body_text(task.body),
        "status": STATUS.get(str(task.status or "NotStarted"), "notStarted"),
        "importance": IMPORTANCE.get(str(task.importance or "Normal"), "normal"),
        "due_date": due.isoformat() if isinstance(due, date) else None,
        "reminder_on": bool(task.reminder_is_set),
        "reminder_at": stamp(task.reminder_due_by) if task.reminder_is_set else None,
    }


def to_change(task: Task) -> ItemChange:
    return item_change(task, to_neutral(task), str(task.subject or ""))


def apply(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["subject"] = value or ""
        elif key == "body":
            out["body"] = Body(value or "")
        elif key == "status":
            out["status"] = STATUS_EWS.get(str(value or "notStarted"), "NotStarted")
        elif key == "importance":
            out["importance"] = IMPORTANCE_EWS.get(str(value or "normal"), "Normal")
        elif key == "due_date":
            out["due_date"] = EWSDate.fromisoformat(str(value)[:10]) if value else None
        elif key == "reminder_on":
            out["reminder_is_set"] = bool(value)
        elif key == "reminder_at":
            parsed = parse_instant(value)
            out["reminder_due_by"] = EWSDateTime.from_datetime(parsed.astimezone(UTC)) if parsed else None
    return out, list(out)
