"""Google Tasks JSON <-> neutral task values (pure).

Google Tasks has two statuses (needsAction, completed), no importance and no reminders, and no field
a client could hide data in. So what it cannot hold natively is kept where the user sees and can edit
it: trailing lines of the notes, after a blank line, e.g.::

    Draft v2

    Priority: High
    Status: In progress

They are written only when needed (importance other than normal, a status other than not started or
completed) and read back into ``importance`` and ``status``; ``body`` is the notes without them.
Reminders are not kept: reads give ``reminder_on`` False.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.neutral.items import json_change
from syncengine.core.records import ItemChange

PRIORITIES = {"high": "High", "low": "Low"}
STATUSES = {"inProgress": "In progress", "waitingOnOthers": "Waiting on someone else", "deferred": "Deferred"}
_LINE = re.compile(r"^(Priority|Status):\s*(.+?)\s*$", re.IGNORECASE)
NOTE_KEYS = ("body", "status", "importance")


def _lookup(table: dict[str, str], text: str) -> str:
    wanted = text.strip().casefold()
    return next(
        (key for key, label in table.items() if label.casefold() == wanted or key.casefold() == wanted), ""
    )


def split_notes(notes: str) -> tuple[str, str, str]:
    """(body, importance, status) from notes; importance "normal" and status "" when not given."""
    lines = notes.rstrip().split("\n")
    importance, status = "normal", ""
    while lines and (match := _LINE.match(lines[-1])):
        field, value = match.group(1).lower(), match.group(2)
        found = _lookup(PRIORITIES, value) if field == "priority" else _lookup(STATUSES, value)
        if not found:
            break  # not ours: leave the line in the body
        if field == "priority":
            importance = found
        else:
            status = found
        lines.pop()
    return "\n".join(lines).strip(), importance, status


def join_notes(body: str, importance: str, status: str) -> str:
    extra = []
    if importance in PRIORITIES:
        extra.append(f"Priority: {PRIORITIES[importance]}")
    if status in STATUSES:
        extra.append(f"Status: {STATUSES[status]}")
    return "\n\n".join(part for part in (body.strip(), "\n".join(extra)) if part)


def to_neutral(task: Mapping[str, Any]) -> dict[str, Any]:
    due = str(task.get("due") or "")
    body, importance, status = split_notes(str(task.get("notes") or ""))
    return {
        "subject": str(task.get("title") or ""),
        "body": body,
        "status": "completed" if task.get("status") == "completed" else (status or "notStarted"),
        "importance": importance,
        "due_date": due[:10] or None,  # Google keeps the date only; the time part is always 00:00Z
        "reminder_on": False,
        "reminder_at": None,
    }


def to_change(task: Mapping[str, Any]) -> ItemChange:
    title = str(task.get("title") or "")
    return json_change(task, bool(task.get("deleted")), title, to_neutral, version="etag", modified="updated")


def needs_current(values: Mapping[str, Any]) -> bool:
    """Notes carry body, importance and status together: changing some means reading the others."""
    present = [key for key in NOTE_KEYS if key in values]
    return bool(present) and len(present) < len(NOTE_KEYS)


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["title"] = value or ""
        elif key == "status":
            out["status"] = "completed" if value == "completed" else "needsAction"
            if out["status"] == "needsAction":
                out["completed"] = None  # reopening clears the completion time
        elif key == "due_date":
            out["due"] = f"{str(value)[:10]}T00:00:00.000Z" if value else None
    if any(key in values for key in NOTE_KEYS):
        now = to_neutral(current) if current else {}
        merged = {key: values[key] if key in values else now.get(key) for key in NOTE_KEYS}
        out["notes"] = join_notes(
            str(merged["body"] or ""), str(merged["importance"] or ""), str(merged["status"] or "")
        )
    return out


def holds(task: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether this task holds what a create of ``values`` wrote (title, notes, status, due date):
    Google Tasks keeps no data of an application's own, so a create is recognised by its content."""
    written = to_neutral(from_neutral(values))
    found = to_neutral(task)
    return all(found[key] == written[key] for key in ("subject", "body", "status", "importance", "due_date"))
