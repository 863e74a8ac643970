"""exchangelib CalendarItem <-> neutral event values (pure, no server calls)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from exchangelib import CalendarItem, EWSDate, EWSDateTime
from exchangelib.ewsdatetime import EWSTimeZone
from exchangelib.properties import Body

from connectors.ews.common import body_text, item_change, stamp
from connectors.neutral.times import UnknownTimeZoneError
from mapping.converters import parse_instant
from syncengine.core.records import ItemChange

SHOW_AS = {
    "Free": "free",
    "Tentative": "tentative",
    "Busy": "busy",
    "OOF": "oof",
    "WorkingElsewhere": "workingElsewhere",
}
SHOW_AS_EWS = {v: k for k, v in SHOW_AS.items()}
SENSITIVITY = {
    "Normal": "normal",
    "Personal": "personal",
    "Private": "private",
    "Confidential": "confidential",
}
SENSITIVITY_EWS = {v: k for k, v in SENSITIVITY.items()}
# EWS MyResponseType -> the Graph responseStatus words the engine's scope rules use
RESPONSE = {
    "Organizer": "organizer",
    "Accept": "accepted",
    "Tentative": "tentativelyAccepted",
    "Decline": "declined",
    "NoResponseReceived": "notResponded",
    "Unknown": "none",
}
FIELDS = (
    "subject",
    "body",
    "start",
    "end",
    "is_all_day",
    "location",
    "legacy_free_busy_status",
    "sensitivity",
    "categories",
    "organizer",
    "required_attendees",
    "optional_attendees",
    "resources",
    "my_response_type",
    "uid",
    "is_cancelled",
    "type",
    "last_modified_time",
    "_start_timezone",
    "_end_timezone",
)


def _day_instant(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def times(item: CalendarItem) -> tuple[str | None, str | None]:
    """Neutral start and end. All-day items come as days (exchangelib turned Exchange's UTC instants
    into dates in the item's own zone): midnight UTC of those days, as Graph shows them. A zone
    exchangelib could not name would have given the wrong days: that is an error, never a guess."""
    if item.is_all_day:
        if item._start_timezone is None or item._end_timezone is None:
            raise UnknownTimeZoneError(
                f"All-day event {item.subject!r} is in a time zone this server does not know; "
                "its dates cannot be read without guessing"
            )
        start = item.start if isinstance(item.start, date) else None
        end = item.end if isinstance(item.end, date) else None
        return (
            _day_instant(start) if start else None,
            _day_instant(end + timedelta(days=1)) if end else None,  # exchangelib shows the last day
        )
    return stamp(item.start), stamp(item.end)


def to_neutral(item: CalendarItem) -> dict[str, Any]:
    start, end = times(item)
    return {
        "subject": str(item.subject or ""),
        "body": body_text(item.body),
        "start": start,
        "end": end,
        "is_all_day": bool(item.is_all_day),
        "location": str(item.location or ""),
        "show_as": SHOW_AS.get(str(item.legacy_free_busy_status or "Busy"), "busy"),
        "sensitivity": SENSITIVITY.get(str(item.sensitivity or "Normal"), "normal"),
    }


def scope_meta(item: CalendarItem) -> dict[str, Any]:
    people = [
        a.mailbox
        for group in (item.required_attendees, item.optional_attendees)
        for a in group or []
        if a.mailbox is not None and a.mailbox.email_address
    ]
    # Rooms and equipment are booked as resources: they are not people to relate or make.
    resources = [str(a.mailbox.email_address) for a in item.resources or [] if a.mailbox is not None]
    organizer = str(item.organizer.email_address or "") if item.organizer is not None else ""
    names = {str(m.email_address).lower(): str(m.name or "") for m in people if m.name}
    if item.organizer is not None and item.organizer.name and organizer:
        names.setdefault(organizer.lower(), str(item.organizer.name))
    return {
        "categories": list(item.categories or []),
        "sensitivity": SENSITIVITY.get(str(item.sensitivity or "Normal"), "normal"),
        "attendees": [str(m.email_address) for m in people],
        "resources": [r for r in resources if r],
        "names": names,  # address -> the display name the invitation gives
        "organizer": organizer,
        "response": RESPONSE.get(str(item.my_response_type or ""), ""),
        "ical_uid": str(item.uid or ""),
        "series_master_id": "",  # SyncFolderItems reports series masters, never occurrences
    }


def to_change(item: CalendarItem) -> ItemChange:
    if item.is_cancelled:
        return ItemChange(id=str(item.id), deleted=True, label=str(item.subject or ""))
    return item_change(item, to_neutral(item), str(item.subject or ""), scope_meta(item))


def in_window(values: Mapping[str, Any], start: datetime, end: datetime) -> bool:
    """Whether an event overlaps [start, end), as calendarView decides."""
    first, last = parse_instant(values.get("start")), parse_instant(values.get("end"))
    if first is None:
        return False
    last = last or first
    return first < end and (last > start or (last == first and first >= start))


def apply(values: Mapping[str, Any], zone: EWSTimeZone) -> tuple[dict[str, Any], list[str]]:
    """CalendarItem attributes for neutral values and the field names to write (only keys present).

    All-day events are written as days in the mailbox's zone (``zone``): the day each instant falls on.
    """
    out: dict[str, Any] = {}
    all_day = values.get("is_all_day") is True
    for key, value in values.items():
        if key == "subject":
            out["subject"] = value or ""
        elif key == "body":
            out["body"] = Body(value or "")
        elif key in ("start", "end"):
            parsed = parse_instant(value)
            if parsed is None:
                raise ValueError(f"An event needs a {key} time")
            out[key] = (
                _day(parsed, zone, key) if all_day else EWSDateTime.from_datetime(parsed.astimezone(UTC))
            )
        elif key == "is_all_day":
            out["is_all_day"] = bool(value)
        elif key == "location":
            out["location"] = value or None
        elif key == "show_as":
            out["legacy_free_busy_status"] = SHOW_AS_EWS.get(str(value or "busy"), "Busy")
        elif key == "sensitivity":
            out["sensitivity"] = SENSITIVITY_EWS.get(str(value or "normal"), "Normal")
        elif key == "categories":
            out["categories"] = list(value or []) or None
    return out, list(out)


def _day(moment: datetime, zone: EWSTimeZone, key: str) -> EWSDate:
    local = moment.astimezone(zone)
    day = local.date()
    if key == "end":
        # exchangelib writes the day after the last day; an end at local midnight ends the day before
        day = day - timedelta(days=1) if local.time() == datetime.min.time() else day
    return EWSDate(day.year, day.month, day.day)
