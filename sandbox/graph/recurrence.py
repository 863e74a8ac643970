"""Expanding a series master's ``recurrence`` into the occurrences that fall in a time window.

Supports daily, weekly (daysOfWeek, firstDayOfWeek), absoluteMonthly and absoluteYearly patterns with
an interval, and endDate / numbered / noEnd ranges. Relative patterns yield no occurrences.
Occurrences keep the master's wall-clock time in its own zone, so they follow DST as Outlook does.
"""

from __future__ import annotations

import base64
import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.graph import timezones
from sandbox.graph.events import Occurrence, StoredEvent, occurrence_id

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_OCCURRENCES = 5000


def _daily(first: date, pattern: dict[str, Any]) -> Iterator[date]:
    step = timedelta(days=max(1, pattern["interval"]))
    day = first
    while True:
        yield day
        day += step


def _weekly(first: date, pattern: dict[str, Any]) -> Iterator[date]:
    week_start_index = WEEKDAYS.index(pattern.get("firstDayOfWeek") or "sunday")
    wanted = [WEEKDAYS.index(d) for d in pattern["daysOfWeek"] if d in WEEKDAYS] or [first.weekday()]
    offsets = sorted((d - week_start_index) % 7 for d in set(wanted))
    week = first - timedelta(days=(first.weekday() - week_start_index) % 7)
    step = timedelta(weeks=max(1, pattern["interval"]))
    while True:
        for offset in offsets:
            day = week + timedelta(days=offset)
            if day >= first:
                yield day
        week += step


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _monthly(first: date, pattern: dict[str, Any]) -> Iterator[date]:
    day_of_month = pattern["dayOfMonth"] or first.day
    months = first.year * 12 + first.month - 1
    while True:
        candidate = _clamped(months // 12, months % 12 + 1, day_of_month)
        if candidate >= first:
            yield candidate
        months += max(1, pattern["interval"])


def _yearly(first: date, pattern: dict[str, Any]) -> Iterator[date]:
    month, day_of_month = pattern["month"] or first.month, pattern["dayOfMonth"] or first.day
    year = first.year
    while True:
        candidate = _clamped(year, month, day_of_month)
        if candidate >= first:
            yield candidate
        year += max(1, pattern["interval"])


GENERATORS = {"daily": _daily, "weekly": _weekly, "absoluteMonthly": _monthly, "absoluteYearly": _yearly}


def expand(master: StoredEvent, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """The occurrences in the window, with changed ones moved or altered and cancelled ones left out.

    A moved occurrence is looked for by its original date up to a week around the window.
    """
    found: list[Occurrence] = []
    slack = timedelta(days=7) if master.exceptions else timedelta(0)
    for occurrence in _original(master, window_start - slack, window_end + slack):
        exception = master.exceptions.get(occurrence.day) if occurrence.day else None
        if exception is not None:
            if exception.cancelled:
                continue
            occurrence.exception = exception
            occurrence.start = exception.start or occurrence.start
            occurrence.end = exception.end or occurrence.end
        starts_before_end = occurrence.start < window_end
        if starts_before_end and (occurrence.end > window_start or occurrence.start >= window_start):
            found.append(occurrence)
    return found


def _original(master: StoredEvent, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    recurrence = master.fields.get("recurrence")
    if not recurrence:
        return []
    pattern, rng = recurrence["pattern"], recurrence["range"]
    generator = GENERATORS.get(pattern["type"])
    if generator is None:
        return []
    zone = timezones.resolve(master.start_tz)
    local_start = master.start.astimezone(zone).replace(tzinfo=None)
    local_length = master.end.astimezone(zone).replace(tzinfo=None) - local_start
    last_day = date.fromisoformat(rng["endDate"]) if rng["type"] == "endDate" else None
    limit = rng["numberOfOccurrences"] if rng["type"] == "numbered" else MAX_OCCURRENCES
    found: list[Occurrence] = []
    for count, day in enumerate(generator(date.fromisoformat(rng["startDate"]), pattern)):
        if count >= min(limit, MAX_OCCURRENCES) or (last_day is not None and day > last_day):
            break
        wall = datetime.combine(day, local_start.time())
        start = wall.replace(tzinfo=zone).astimezone(UTC)
        if start >= window_end:
            break
        end = (wall + local_length).replace(tzinfo=zone).astimezone(UTC)
        if end > window_start or start >= window_start:
            found.append(Occurrence(occurrence_id(master.id, day), start, end, day))
    return found


def find_occurrence(masters: list[StoredEvent], event_id: str) -> tuple[StoredEvent, Occurrence] | None:
    """The series master and occurrence an occurrence id stands for, if any."""
    try:
        raw = base64.urlsafe_b64decode(event_id[5:])
        day = date(int(raw[-8:-4]), int(raw[-4:-2]), int(raw[-2:]))
    except ValueError:
        return None
    for master in masters:
        if master.fields.get("recurrence") and occurrence_id(master.id, day) == event_id:
            start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
            for occurrence in _original(master, start, start + timedelta(days=3)):
                if occurrence.id != event_id:
                    continue
                exception = master.exceptions.get(day)
                if exception is not None:
                    if exception.cancelled:
                        return None  # a cancelled occurrence is gone, as Graph answers 404
                    occurrence.exception = exception
                    occurrence.start = exception.start or occurrence.start
                    occurrence.end = exception.end or occurrence.end
                return master, occurrence
    return None
