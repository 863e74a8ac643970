"""Calendar event converters: neutral (mail-side) values <-> Salesforce Event fields. Pure and total.

Neutral date-times are UTC strings "YYYY-MM-DDTHH:MM:SSZ". Every function returns a defined value for None
and odd input, or raises :class:`~mapping.timezones.ConversionError`.

Lossy cases (one round trip normalises them; after that the values are a fixed point):

* all-day times that are not on local midnights are widened to the whole days they touch;
* show-as: Salesforce has Busy/Free/OutOfOffice only, so "tentative", "workingElsewhere" and "unknown"
  become Busy, and come back as "busy";
* sensitivity: "personal" becomes IsPrivate=false (back as "normal"), "confidential" becomes
  IsPrivate=true (back as "private");
* reminders: the minutes are lost while the reminder is off (back as the default 15), seconds are
  dropped, and a Salesforce reminder after the start comes back as 0 minutes before it;
* categories: written sorted and de-duplicated (case-insensitive), without the sync-control categories;
  a ";" inside a name becomes ",".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from mapping import converters as base
from mapping.timezones import (
    ConversionError,
    local_midnight,
    neutral,
    parse_date,
    parse_neutral,
    zone_info,
)
from syncengine.core.scope import SALESFORCE_CATEGORY, UNSYNC_CATEGORY  # the categories' one definition

__all__ = [
    "CATEGORY_SEPARATOR",
    "DEFAULT_REMINDER_MINUTES",
    "MINUTES_PER_DAY",
    "SENSITIVITIES",
    "SHOW_AS_VALUES",
    "SYNC_CATEGORIES",
    "ConversionError",
    "categories_from_text",
    "categories_to_text",
    "event_times_from_salesforce",
    "event_times_to_salesforce",
    "has_category",
    "is_private_to_sensitivity",
    "merge_categories",
    "reminder_from_salesforce",
    "reminder_to_salesforce",
    "sensitivity_to_is_private",
    "show_as_from_salesforce",
    "show_as_to_salesforce",
    "with_category",
    "without_category",
]

MINUTES_PER_DAY = 1440

# ---------------------------------------------------------------------------------------------- times


def _days_touched(start: datetime, end: datetime | None, zone: str | None) -> tuple[str, int]:
    tz = zone_info(zone)
    local_start = start.astimezone(tz)
    first = local_start.date()
    if end is None or end <= start:
        return first.isoformat(), 1
    local_end = end.astimezone(tz)
    last = local_end.date()
    if local_end.time() != datetime.min.time():
        last += timedelta(days=1)  # a partial last day counts as a whole one
    return first.isoformat(), max(1, (last - first).days)


def event_times_to_salesforce(values: Mapping[str, Any], zone: str | None = "UTC") -> dict[str, Any]:
    """Salesforce Event time fields for neutral {start, end, is_all_day}.

    All-day (Graph: midnight to midnight in the event's ``zone``): IsAllDayEvent, ActivityDate (the first
    local day) and DurationInMinutes = 1440 x days; times off midnight are widened to the days they touch.
    Timed: IsAllDayEvent=false, StartDateTime and EndDateTime (Salesforce derives the duration). A missing
    start gives None fields; an end before the start is treated as zero-length.
    """
    start = parse_neutral(values.get("start"))
    end = parse_neutral(values.get("end"))
    if values.get("is_all_day") is True:
        if start is None:
            return {"IsAllDayEvent": True, "ActivityDate": None, "DurationInMinutes": None}
        day, days = _days_touched(start, end, zone)
        return {"IsAllDayEvent": True, "ActivityDate": day, "DurationInMinutes": MINUTES_PER_DAY * days}
    if start is not None and end is not None and end < start:
        end = start
    return {
        "IsAllDayEvent": False,
        "StartDateTime": base.instant_to_salesforce(neutral(start)) if start else None,
        "EndDateTime": base.instant_to_salesforce(neutral(end)) if end else None,
    }


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def event_times_from_salesforce(record: Mapping[str, Any], zone: str | None = "UTC") -> dict[str, Any]:
    """Neutral {start, end, is_all_day} for a Salesforce Event record.

    All-day: the day is ActivityDate (else the date of StartDateTime); the length is DurationInMinutes
    rounded up to whole days (else EndDateTime - StartDateTime in days, at least one); start and end are
    local midnights in ``zone``, so an all-day event across a DST change is 23 or 25 hours long in UTC.
    """
    if record.get("IsAllDayEvent") is True:
        day = parse_date(record.get("ActivityDate")) or parse_date(record.get("StartDateTime"))
        if day is None:
            return {"start": None, "end": None, "is_all_day": True}
        minutes = _positive_int(record.get("DurationInMinutes"))
        if minutes is not None:
            days = max(1, math.ceil(minutes / MINUTES_PER_DAY))
        else:
            start_day = parse_date(record.get("StartDateTime")) or day
            end_day = parse_date(record.get("EndDateTime"))
            days = 1
            if end_day is not None:
                gap = datetime.fromisoformat(end_day) - datetime.fromisoformat(start_day)
                days = max(1, gap.days)
        first = datetime.fromisoformat(day).date()
        start = local_midnight(day, zone)
        end = local_midnight((first + timedelta(days=days)).isoformat(), zone)
        return {"start": neutral(start), "end": neutral(end), "is_all_day": True}
    start_at = parse_neutral(record.get("StartDateTime"))
    end_at = parse_neutral(record.get("EndDateTime"))
    if end_at is None and start_at is not None:
        minutes = _positive_int(record.get("DurationInMinutes"))
        end_at = start_at + timedelta(minutes=minutes or 0)
    return {
        "start": neutral(start_at) if start_at else None,
        "end": neutral(end_at) if end_at else None,
        "is_all_day": False,
    }


# ------------------------------------------------------------------------------------------ reminders

DEFAULT_REMINDER_MINUTES = 15  # Outlook's default, used while a reminder is off


def _minutes(value: Any) -> int:
    if value is None:
        return DEFAULT_REMINDER_MINUTES
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConversionError(f"reminder minutes must be a number, not {value!r}")
    if value < 0:
        raise ConversionError(f"reminder minutes cannot be negative ({value!r})")
    return int(value)


def reminder_to_salesforce(is_on: Any, minutes_before: Any, start: str | None) -> dict[str, Any]:
    """Graph isReminderOn + reminderMinutesBeforeStart -> Salesforce IsReminderSet + ReminderDateTime.

    The reminder time is the neutral ``start`` minus the minutes; without a start (or when off) no
    reminder is set. Minutes None mean the default 15; negative or non-numeric minutes are an error.
    """
    begins = parse_neutral(start)
    if is_on is not True or begins is None:
        return {"IsReminderSet": False, "ReminderDateTime": None}
    at = begins - timedelta(minutes=_minutes(minutes_before))
    return {"IsReminderSet": True, "ReminderDateTime": base.instant_to_salesforce(neutral(at))}


def reminder_from_salesforce(is_set: Any, reminder_at: str | None, start: str | None) -> dict[str, Any]:
    """Salesforce IsReminderSet + ReminderDateTime -> neutral {is_reminder_on, reminder_minutes}.

    Minutes are whole minutes before the start (seconds dropped); a reminder after the start is 0; a set
    reminder without a time or start is 15 minutes before; an unset one keeps the default 15.
    """
    if is_set is not True:
        return {"is_reminder_on": False, "reminder_minutes": DEFAULT_REMINDER_MINUTES}
    at = parse_neutral(reminder_at)
    begins = parse_neutral(start)
    if at is None or begins is None:
        return {"is_reminder_on": True, "reminder_minutes": DEFAULT_REMINDER_MINUTES}
    seconds = (begins - at).total_seconds()
    return {"is_reminder_on": True, "reminder_minutes": max(0, int(seconds // 60))}


# ------------------------------------------------------------------------------------ show-as, private

SHOW_AS_VALUES = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
_SHOW_AS = {value.casefold(): value for value in SHOW_AS_VALUES}
_SALESFORCE_SHOW_AS = {value.casefold(): value for value in base.SHOW_AS_FROM_SALESFORCE}


def show_as_to_salesforce(value: Any) -> str:
    """Graph showAs -> Salesforce ShowAs: free -> Free, oof -> OutOfOffice, everything else -> Busy."""
    text = _SHOW_AS.get(value.strip().casefold(), "busy") if isinstance(value, str) else "busy"
    return base.show_as_to_salesforce(text)


def show_as_from_salesforce(value: Any) -> str:
    """Salesforce ShowAs -> Graph showAs (case-insensitive); unknown values -> "busy"."""
    text = _SALESFORCE_SHOW_AS.get(value.strip().casefold(), "Busy") if isinstance(value, str) else "Busy"
    return base.show_as_from_salesforce(text)


SENSITIVITIES = ("normal", "personal", "private", "confidential")


def sensitivity_to_is_private(value: Any) -> bool:
    """Graph sensitivity -> IsPrivate: private and confidential are private (case-insensitive)."""
    return base.sensitivity_to_is_private(value.strip().casefold() if isinstance(value, str) else None)


def is_private_to_sensitivity(value: Any) -> str:
    """IsPrivate -> Graph sensitivity: true -> "private", anything else -> "normal"."""
    return base.is_private_to_sensitivity(value)


# ----------------------------------------------------------------------------------------- categories

SYNC_CATEGORIES = (SALESFORCE_CATEGORY, UNSYNC_CATEGORY)
CATEGORY_SEPARATOR = ";"  # also the separator of Salesforce multi-select picklists


def _names(categories: Any) -> list[str]:
    if isinstance(categories, str):
        categories = [categories]
    if not isinstance(categories, Iterable):
        return []
    return [item.strip() for item in categories if isinstance(item, str) and item.strip()]


def has_category(categories: Any, name: str) -> bool:
    """Whether ``categories`` holds ``name``, ignoring case and surrounding spaces."""
    wanted = name.strip().casefold()
    return any(item.casefold() == wanted for item in _names(categories))


def with_category(categories: Any, name: str) -> list[str]:
    """``categories`` with ``name`` appended unless already there (in any case)."""
    names = _names(categories)
    return names if has_category(names, name) else [*names, name]


def without_category(categories: Any, name: str) -> list[str]:
    """``categories`` without any spelling of ``name``."""
    wanted = name.strip().casefold()
    return [item for item in _names(categories) if item.casefold() != wanted]


def _unique_sorted(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return [seen[key] for key in sorted(seen)]


def categories_to_text(
    categories: Any, *, max_length: int | None = None, exclude: Iterable[str] = SYNC_CATEGORIES
) -> str | None:
    """Categories -> "A;B;C": sorted case-insensitively, de-duplicated, ``exclude`` left out.

    A ";" inside a name becomes ","; with ``max_length`` whole categories that do not fit are left out
    (rather than cutting one in half). No categories -> None (Salesforce stores "" as null).
    """
    skipped = {name.casefold() for name in exclude}
    names = [n.replace(CATEGORY_SEPARATOR, ",").strip() for n in _names(categories)]
    kept: list[str] = []
    for name in _unique_sorted(n for n in names if n and n.casefold() not in skipped):
        text = CATEGORY_SEPARATOR.join([*kept, name])
        if max_length is not None and len(text) > max_length:
            continue
        kept.append(name)
    return CATEGORY_SEPARATOR.join(kept) or None


def categories_from_text(value: Any) -> list[str]:
    """ "A;B;C" -> ["A", "B", "C"] (sorted, de-duplicated); None or "" -> []."""
    if not isinstance(value, str):
        return []
    return _unique_sorted(part.strip() for part in value.split(CATEGORY_SEPARATOR) if part.strip())


def merge_categories(existing: Any, from_crm: Any, *, keep: Iterable[str] = SYNC_CATEGORIES) -> list[str]:
    """The mail categories to write back: ``from_crm`` plus the ``keep`` categories ``existing`` has.

    Keeps the existing order for categories that stay, then appends new ones, so an unchanged list is
    written back unchanged.
    """
    kept = {name.casefold() for name in keep}
    wanted = {name.casefold(): name for name in _names(from_crm)}
    out: list[str] = []
    for name in _names(existing):
        key = name.casefold()
        if (key in wanted or key in kept) and not has_category(out, name):
            out.append(name)
    for name in wanted.values():
        if not has_category(out, name):
            out.append(name)
    return out


# ------------------------------------------------------------------------- whole-record adapters


def all_day_to_salesforce(values: Mapping[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """An all-day item is saved as its first day and a length in whole days (ActivityDate,
    DurationInMinutes), not as two instants whose inclusive or exclusive end Salesforce reads its own way."""
    if values.get("is_all_day") is True and "StartDateTime" in out:
        out = {k: v for k, v in out.items() if k not in ("StartDateTime", "EndDateTime")}
        out.update(event_times_to_salesforce(values))
    return out


def all_day_from_salesforce(record: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """An all-day Event reads back as local midnights from its day and length."""
    if record.get("IsAllDayEvent") is True:
        times = event_times_from_salesforce(record)
        values = {**values, **{k: v for k, v in times.items() if k in values}}
    return values
