"""Task converters: Microsoft To Do / Outlook task values <-> Salesforce Task fields. Pure and total.

Lossy cases and defaults:

* a Salesforce Status outside the five standard values maps to "notStarted", or to "completed" when the
  caller lists it among the org's closed statuses (``closed_values``); an unknown mail status -> "Not
  Started";
* a Salesforce Priority outside Low/Normal/High maps to "normal"; an unknown importance -> "Normal";
* the due date keeps only the calendar day in the mailbox zone; it comes back as midnight of that day;
* a reminder switched on without a time cannot be set in Salesforce and is written as off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mapping.timezones import (
    ConversionError,
    local_midnight,
    local_to_utc,
    neutral,
    parse_date,
    parse_neutral,
    utc_to_local,
    zone_info,
)

__all__ = [
    "DEFAULT_IMPORTANCE",
    "DEFAULT_MAIL_STATUS",
    "DEFAULT_PRIORITY",
    "DEFAULT_SALESFORCE_STATUS",
    "IMPORTANCE_TO_PRIORITY",
    "STATUS_TO_SALESFORCE",
    "ConversionError",
    "due_date_from_graph",
    "due_date_to_graph",
    "due_from_salesforce",
    "due_to_salesforce",
    "is_valid_picklist_value",
    "picklist_value",
    "priority_from_salesforce",
    "priority_to_salesforce",
    "task_reminder_from_salesforce",
    "task_reminder_to_salesforce",
    "task_status_from_salesforce",
    "task_status_to_salesforce",
]

STATUS_TO_SALESFORCE = {
    "notStarted": "Not Started",
    "inProgress": "In Progress",
    "completed": "Completed",
    "waitingOnOthers": "Waiting on someone else",
    "deferred": "Deferred",
}
DEFAULT_SALESFORCE_STATUS = "Not Started"
DEFAULT_MAIL_STATUS = "notStarted"
_STATUS_BY_MAIL = {key.casefold(): value for key, value in STATUS_TO_SALESFORCE.items()}
_STATUS_BY_SALESFORCE = {value.casefold(): key for key, value in STATUS_TO_SALESFORCE.items()}

IMPORTANCE_TO_PRIORITY = {"low": "Low", "normal": "Normal", "high": "High"}
DEFAULT_PRIORITY = "Normal"
DEFAULT_IMPORTANCE = "normal"
_IMPORTANCE_BY_PRIORITY = {value.casefold(): key for key, value in IMPORTANCE_TO_PRIORITY.items()}


def _folded(value: Any) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""


def task_status_to_salesforce(value: Any) -> str:
    """Graph status -> Salesforce Status (case-insensitive); unknown -> "Not Started"."""
    return _STATUS_BY_MAIL.get(_folded(value), DEFAULT_SALESFORCE_STATUS)


def task_status_from_salesforce(value: Any, *, closed_values: Iterable[str] = ()) -> str:
    """Salesforce Status -> Graph status (case-insensitive).

    A value outside the standard five is "completed" when it is one of ``closed_values`` (the org's
    closed statuses, from TaskStatus.IsClosed), otherwise "notStarted".
    """
    folded = _folded(value)
    if folded in _STATUS_BY_SALESFORCE:
        return _STATUS_BY_SALESFORCE[folded]
    if folded and folded in {_folded(closed) for closed in closed_values}:
        return "completed"
    return DEFAULT_MAIL_STATUS


def priority_to_salesforce(value: Any) -> str:
    """Graph importance -> Salesforce Priority; unknown -> "Normal"."""
    return IMPORTANCE_TO_PRIORITY.get(_folded(value), DEFAULT_PRIORITY)


def priority_from_salesforce(value: Any) -> str:
    """Salesforce Priority -> Graph importance; unknown (e.g. a custom "Urgent") -> "normal"."""
    return _IMPORTANCE_BY_PRIORITY.get(_folded(value), DEFAULT_IMPORTANCE)


# ------------------------------------------------------------------------------------------ picklists


def _active_values(picklist_values: Any) -> list[str]:
    if not isinstance(picklist_values, Iterable) or isinstance(picklist_values, str | bytes):
        return []
    return [
        str(entry["value"])
        for entry in picklist_values
        if isinstance(entry, Mapping) and entry.get("value") is not None and entry.get("active", True)
    ]


def is_valid_picklist_value(value: Any, picklist_values: Any) -> bool:
    """Whether ``value`` is exactly one of the active values of a describe's ``picklistValues``."""
    return isinstance(value, str) and value in _active_values(picklist_values)


def picklist_value(value: Any, picklist_values: Any, *, fallback: str | None = None) -> str:
    """The org's spelling of ``value`` in a describe field's ``picklistValues``, or a documented default.

    Exact match first, then case-insensitive (returns the org's spelling). Otherwise the picklist's
    default value (``defaultValue: true``), else ``fallback`` if it is active; otherwise ConversionError
    naming the valid values. Inactive values never match.
    """
    active = _active_values(picklist_values)
    if isinstance(value, str):
        if value in active:
            return value
        folded = value.strip().casefold()
        for candidate in active:
            if candidate.casefold() == folded:
                return candidate
    for entry in picklist_values if isinstance(picklist_values, Iterable) else ():
        if (
            isinstance(entry, Mapping)
            and entry.get("defaultValue") is True
            and str(entry.get("value")) in active
        ):
            return str(entry["value"])
    if fallback is not None and fallback in active:
        return fallback
    raise ConversionError(
        f"{value!r} is not a valid picklist value; valid values: {', '.join(active) or 'none'}"
    )


# ------------------------------------------------------------------------------------------- due date


def due_to_salesforce(value: Any, zone: str | None = "UTC") -> str | None:
    """A neutral UTC due instant -> Salesforce ActivityDate: its calendar day in the mailbox ``zone``."""
    if value is not None and not isinstance(value, str):
        raise ConversionError(f"not a date-time: {value!r}")
    due = parse_neutral(value)
    if due is None:
        return None
    return due.astimezone(zone_info(zone)).date().isoformat()


def due_from_salesforce(value: Any, zone: str | None = "UTC") -> str | None:
    """Salesforce ActivityDate -> the neutral UTC instant of midnight that day in the mailbox ``zone``."""
    day = parse_date(value)
    return neutral(local_midnight(day, zone)) if day else None


def due_date_from_graph(due: Any, mailbox_zone: str | None = "UTC") -> str | None:
    """A Graph dueDateTime {dateTime, timeZone} -> ActivityDate, the day it falls on in ``mailbox_zone``.

    A missing timeZone counts as UTC. To Do stores due dates as midnight in some zone; reading them in the
    mailbox zone gives the day the user sees.
    """
    if not isinstance(due, Mapping) or not due.get("dateTime"):
        return None
    instant = local_to_utc(str(due["dateTime"]), str(due.get("timeZone") or "UTC"))
    return due_to_salesforce(instant, mailbox_zone)


def due_date_to_graph(value: Any, mailbox_zone: str | None = "UTC") -> dict[str, str] | None:
    """Salesforce ActivityDate -> Graph dueDateTime: midnight of that day in ``mailbox_zone``.

    The zone is given as the caller named it (Graph accepts Windows and IANA names).
    """
    instant = due_from_salesforce(value, mailbox_zone)
    if instant is None:
        return None
    zone = mailbox_zone or "UTC"
    return {"dateTime": f"{utc_to_local(instant, zone)}.0000000", "timeZone": zone}


# ------------------------------------------------------------------------------------------- reminder


def task_reminder_to_salesforce(is_on: Any, reminder_at: Any) -> dict[str, Any]:
    """Graph isReminderOn + reminderDateTime (neutral UTC) -> IsReminderSet + ReminderDateTime."""
    at = parse_neutral(reminder_at) if isinstance(reminder_at, str) else None
    if is_on is not True or at is None:
        return {"IsReminderSet": False, "ReminderDateTime": None}
    return {"IsReminderSet": True, "ReminderDateTime": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")}


def task_reminder_from_salesforce(is_set: Any, reminder_at: Any) -> dict[str, Any]:
    """IsReminderSet + ReminderDateTime -> neutral {is_reminder_on, reminder_at} (a UTC string or None)."""
    at = parse_neutral(reminder_at) if isinstance(reminder_at, str) else None
    if is_set is not True or at is None:
        return {"is_reminder_on": False, "reminder_at": None}
    return {"is_reminder_on": True, "reminder_at": neutral(at)}
