"""RFC 3339 instants and wall-clock times in named zones, as Google writes and reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.google.errors import bad_request


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Google's ``updated``/``created`` form: UTC with milliseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_rfc3339(value: str, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Bad Request: invalid {what} {value!r}") from None
    if parsed.tzinfo is None:
        raise bad_request(f"Bad Request: {what} must carry an offset")
    return parsed.astimezone(UTC)


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def with_offset(moment: datetime, zone_name: str) -> str:
    """An instant as Google renders it: wall-clock time in the zone, with that zone's offset."""
    tz = zone(zone_name) or UTC
    local = moment.astimezone(tz)
    text = local.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text[:-5] + "Z" if text.endswith("+0000") else f"{text[:-2]}:{text[-2:]}"


def parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"Bad Request: invalid {what} {value!r}") from None
