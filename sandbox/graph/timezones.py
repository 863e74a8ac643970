"""Graph's ``dateTimeTimeZone``: Windows or IANA zone names, and its 7-digit fraction format."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The common Windows zone names (CLDR windowsZones, territory "001").
WINDOWS_TO_IANA: dict[str, str] = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Turkey Standard Time": "Europe/Istanbul",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Egypt Standard Time": "Africa/Cairo",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Calcutta",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Atlantic Standard Time": "America/Halifax",
    "Canada Central Standard Time": "America/Regina",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "SA Pacific Standard Time": "America/Bogota",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Buenos_Aires",
}
_WINDOWS_LOWER = {name.lower(): iana for name, iana in WINDOWS_TO_IANA.items()}


class UnknownTimeZoneError(ValueError):
    """The zone is neither a known Windows name nor an IANA name."""


def resolve(name: str) -> tzinfo:
    """A tzinfo for a Windows or IANA zone name; ``UnknownTimeZoneError`` otherwise."""
    iana = _WINDOWS_LOWER.get(name.strip().lower(), name.strip())
    if not iana:
        raise UnknownTimeZoneError(name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as error:
        raise UnknownTimeZoneError(name) from error


def parse_local(value: str) -> datetime:
    """Graph's ``dateTime`` string (up to 7 fraction digits, offset ignored as Graph does) -> naive."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1]
    if "T" in text:
        date_part, time_part = text.split("T", 1)
        for sign in ("+", "-"):
            if sign in time_part:
                time_part = time_part.split(sign, 1)[0]
        if "." in time_part:
            whole, fraction = time_part.split(".", 1)
            time_part = f"{whole}.{(fraction + '000000')[:6]}"
        text = f"{date_part}T{time_part}"
    return datetime.fromisoformat(text)


def to_instant(value: str, zone_name: str) -> datetime:
    """A ``dateTimeTimeZone`` pair -> an aware UTC instant."""
    zone = resolve(zone_name)
    return parse_local(value).replace(tzinfo=zone).astimezone(UTC)


def format_local(moment: datetime) -> str:
    """Graph's 7-digit fraction format, without offset: 2026-11-27T10:00:00.0000000."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def render(instant: datetime, zone_name: str) -> dict[str, str]:
    """An aware instant -> ``{"dateTime", "timeZone"}`` in the given zone (name echoed as given)."""
    local = instant.astimezone(resolve(zone_name))
    return {"dateTime": format_local(local.replace(tzinfo=None)), "timeZone": zone_name}


def utc_stamp(instant: datetime) -> str:
    """createdDateTime style: 2026-11-27T10:00:00.1234567Z."""
    return format_local(instant.astimezone(UTC).replace(tzinfo=None)) + "Z"
