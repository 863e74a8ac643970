"""Time as every connector reads and writes it: the engine's read window and neutral UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Window:
    """The stretch of time a calendar stream is read in (start inclusive, end exclusive)."""

    start: datetime
    end: datetime


class UnknownTimeZoneError(ValueError):
    """A provider named a time zone with no exact match: the item is that item's issue, never a guess."""


def utc_instant(value: datetime) -> str:
    """``value`` as a neutral UTC instant, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
