"""Calendar v3 event JSON <-> neutral event values (pure).

Google has no categories: the engine's categories (e.g. "Salesforce", "Salesforce Unsync") live in the
event's private extended property ``syncCategories`` as a JSON list, which only this app reads and
writes (users mark events through the engine's own pages instead). ``colorId`` is left to the user.
Free/busy: ``transparency`` transparent is "free", anything else "busy"; ``visibility`` private and
confidential keep their names, default and public are "normal". Values Google cannot tell apart
(show-as tentative, out of office, working elsewhere; sensitivity personal) are kept in the private
extended properties ``syncShowAs`` / ``syncSensitivity`` too, and read back while the event's own field
still agrees with them: a user's change in Google wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.neutral.items import json_change
from connectors.neutral.text import html_to_text
from connectors.neutral.times import UnknownTimeZoneError
from mapping.converters import neutral_instant, parse_instant
from mapping.timezones import ConversionError, local_to_utc
from syncengine.core.records import ItemChange

CATEGORIES = "syncCategories"
SHOW_AS = "syncShowAs"
SENSITIVITY = "syncSensitivity"
RESPONSES = {
    "accepted": "accepted",
    "tentative": "tentativelyAccepted",
    "declined": "declined",
    "needsAction": "notResponded",
}
VISIBILITY = {"private": "private", "confidential": "confidential"}
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")

__all__ = ["from_neutral", "to_change", "to_neutral"]


def instant(value: Mapping[str, Any] | None) -> str | None:
    """A Google start/end as a neutral UTC instant: dates start at 00:00Z (as Graph's all-day events
    read in UTC); a dateTime without an offset is read in its timeZone, which must be known exactly."""
    if not value:
        return None
    if value.get("date"):
        return f"{value['date']}T00:00:00Z"
    if not value.get("dateTime"):
        return None
    try:
        return local_to_utc(str(value["dateTime"]), str(value.get("timeZone") or "UTC"))
    except ConversionError as error:
        raise UnknownTimeZoneError(str(error)) from error


def categories(event: Mapping[str, Any]) -> list[str]:
    raw = ((event.get("extendedProperties") or {}).get("private") or {}).get(CATEGORIES)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        value = str(raw).split(",")
    return [str(c).strip() for c in value if str(c).strip()] if isinstance(value, list) else []


def _private(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return (event.get("extendedProperties") or {}).get("private") or {}


def _transparency(show_as: str) -> str:
    return "transparent" if show_as == "free" else "opaque"


def _visibility(sensitivity: str) -> str:
    return {"private": "private", "personal": "private", "confidential": "confidential"}.get(
        sensitivity, "default"
    )


def show_as(event: Mapping[str, Any]) -> str:
    native = "free" if event.get("transparency") == "transparent" else "busy"
    kept = str(_private(event).get(SHOW_AS) or "")
    return kept if kept and _transparency(kept) == _transparency(native) else native


def sensitivity(event: Mapping[str, Any]) -> str:
    native = VISIBILITY.get(str(event.get("visibility") or ""), "normal")
    kept = str(_private(event).get(SENSITIVITY) or "")
    return kept if kept and _visibility(kept) == _visibility(native) else native


def to_neutral(event: Mapping[str, Any]) -> dict[str, Any]:
    description = str(event.get("description") or "")
    if _TAG.search(description):  # the Calendar web app stores rich text as HTML
        description = html_to_text(description)
    return {
        "subject": str(event.get("summary") or ""),
        "body": description.strip(),
        "start": instant(event.get("start")),
        "end": instant(event.get("end")),
        "is_all_day": bool((event.get("start") or {}).get("date")),
        "location": str(event.get("location") or ""),
        "show_as": show_as(event),
        "sensitivity": sensitivity(event),
    }


def scope_meta(event: Mapping[str, Any]) -> dict[str, Any]:
    """What decides whether the item is saved at all (see syncengine.core.scope)."""
    attendees = [a for a in event.get("attendees") or [] if not a.get("resource")]
    organizer = event.get("organizer") or {}
    me = next((a for a in attendees if a.get("self")), None)
    response = (
        "organizer" if organizer.get("self") else RESPONSES.get(str((me or {}).get("responseStatus")), "")
    )
    ical_uid = str(event.get("iCalUID") or "")
    if event.get("recurringEventId") and ical_uid:
        # Instances share the series' iCalUID; every attendee's copy has the same original start, so
        # this names one occurrence across mailboxes (one Salesforce record per occurrence).
        ical_uid = f"{ical_uid}#{instant(event.get('originalStartTime')) or ''}"
    return {
        "categories": categories(event),
        "sensitivity": sensitivity(event),
        "attendees": [str(a.get("email") or "") for a in attendees if a.get("email")],
        "names": {  # address -> the display name the invitation gives
            str(p.get("email")).lower(): str(p.get("displayName"))
            for p in (*attendees, organizer)
            if p.get("email") and p.get("displayName")
        },
        "organizer": str(organizer.get("email") or ""),
        "response": response,
        "ical_uid": ical_uid,
        "series_master_id": str(event.get("recurringEventId") or ""),
    }


def to_change(event: Mapping[str, Any]) -> ItemChange:
    """A cancelled event (deleted, or a cancelled occurrence) has left the calendar: ``removed``."""
    cancelled, summary = event.get("status") == "cancelled", str(event.get("summary") or "")
    return json_change(
        event, cancelled, summary, to_neutral, version="etag", modified="updated", meta=scope_meta
    )


def _when(value: str | None, all_day: bool, *, end: bool, start: str | None = None) -> dict[str, Any] | None:
    parsed = parse_instant(value)
    if parsed is None:
        return None
    if all_day:
        day = parsed.date()
        if end and start and day <= (parse_instant(start) or parsed).date():
            day = (parse_instant(start) or parsed).date() + timedelta(
                days=1
            )  # Google's end date is exclusive
        return {"date": day.isoformat(), "dateTime": None, "timeZone": None}
    return {"dateTime": neutral_instant(parsed), "timeZone": "UTC", "date": None}


TIME_KEYS = ("start", "end", "is_all_day")


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Event properties for the given neutral values. Start, end and all-day are written together:
    ``current`` (the event as read) fills the ones ``values`` lacks."""
    out: dict[str, Any] = {}
    private: dict[str, str] = {}
    for key, value in values.items():
        if key == "subject":
            out["summary"] = value or ""
        elif key == "body":
            out["description"] = value or ""
        elif key == "location":
            out["location"] = value or ""
        elif key == "show_as":
            out["transparency"] = _transparency(str(value or "busy"))
            private[SHOW_AS] = str(value or "busy")
        elif key == "sensitivity":
            out["visibility"] = _visibility(str(value or "normal"))
            private[SENSITIVITY] = str(value or "normal")
        elif key == "categories":
            private[CATEGORIES] = json.dumps(list(value or []))
    if private:  # PATCH merges private properties key by key: the others stay
        out["extendedProperties"] = {"private": private}
    if any(k in values for k in TIME_KEYS):
        now = to_neutral(current) if current else {}
        merged = {k: values[k] if k in values else now.get(k) for k in TIME_KEYS}
        start = _when(merged["start"], bool(merged["is_all_day"]), end=False)
        finish = _when(merged["end"], bool(merged["is_all_day"]), end=True, start=merged["start"])
        # Only what changed: an unchanged start keeps the zone the user gave it.
        if start is not None and ("start" in values or "is_all_day" in values):
            out["start"] = start
        if finish is not None and ("end" in values or "is_all_day" in values):
            out["end"] = finish
    return out


def needs_current(values: Mapping[str, Any]) -> bool:
    present = [k for k in TIME_KEYS if k in values]
    return bool(present) and len(present) < len(TIME_KEYS)


def overlaps(event: Mapping[str, Any], start: datetime, end: datetime) -> bool:
    """Whether an event (as read) lies in [start, end): a delta reports changes wherever they are now."""
    try:
        first, last = parse_instant(instant(event.get("start"))), parse_instant(instant(event.get("end")))
    except ValueError:
        return True  # cannot tell: the item error reports it instead
    if first is None or last is None:
        return True
    return last > start and first < end
