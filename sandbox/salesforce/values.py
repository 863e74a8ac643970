"""Salesforce's wire formats for dates and datetimes, and parsing what clients send."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_datetime(value: datetime) -> str:
    """`2026-11-27T03:00:00.000+0000`, the shape Salesforce answers with."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """A datetime in any of the ISO shapes Salesforce accepts; naive values are UTC. None if invalid."""
    text = text.strip().replace(" ", "+")
    if not _DATETIME_RE.match(text):
        return None
    fraction = re.search(r"\.(\d+)", text)
    if fraction and len(fraction.group(1)) > 6:  # fromisoformat takes at most microseconds
        text = text.replace(fraction.group(0), "." + fraction.group(1)[:6])
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str) -> date | None:
    if not _DATE_RE.match(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def end_of_day(day: date) -> datetime:
    return start_of_day(day) + timedelta(days=1) - timedelta(microseconds=1)
