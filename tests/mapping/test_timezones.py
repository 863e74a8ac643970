"""Windows <-> IANA zone names and wall-clock <-> UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping.timezones import (
    IANA_TO_WINDOWS,
    WINDOWS_TO_IANA,
    ConversionError,
    local_midnight,
    local_to_utc,
    parse_date,
    parse_neutral,
    to_iana,
    to_windows,
    utc_to_local,
)


@pytest.mark.parametrize(
    ("windows", "iana"),
    [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("India Standard Time", "Asia/Kolkata"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("Russian Standard Time", "Europe/Moscow"),
        ("E. South America Standard Time", "America/Sao_Paulo"),
        ("GMT Standard Time", "Europe/London"),
        ("Eastern Standard Time", "America/New_York"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("Nepal Standard Time", "Asia/Kathmandu"),
        ("UTC+12", "Etc/GMT-12"),
        ("Dateline Standard Time", "Etc/GMT+12"),
    ],
)
def test_it_maps_windows_names_to_iana(windows: str, iana: str) -> None:
    assert to_iana(windows) == iana


def test_it_covers_the_cldr_001_table() -> None:
    assert len(WINDOWS_TO_IANA) >= 130
    for iana in WINDOWS_TO_IANA.values():
        ZoneInfo(iana)  # every default is a real zone here


def test_it_round_trips_every_windows_name() -> None:
    for windows in WINDOWS_TO_IANA:
        assert to_windows(to_iana(windows)) == windows


def test_it_maps_every_known_iana_zone_back_to_its_windows_zone() -> None:
    for iana, windows in IANA_TO_WINDOWS.items():
        assert to_windows(iana) == windows
        assert to_windows(to_iana(iana)) == windows


def test_it_reads_names_case_insensitively_and_trimmed() -> None:
    assert to_iana("  pacific standard time ") == "America/Los_Angeles"
    assert to_iana("europe/paris") == "Europe/Paris"
    assert to_windows("ASIA/CALCUTTA") == "India Standard Time"


def test_it_passes_iana_names_through() -> None:
    assert to_iana("Europe/Paris") == "Europe/Paris"
    assert to_iana("Asia/Calcutta") == "Asia/Calcutta"
    assert to_iana("CET") == "CET"


@pytest.mark.parametrize("name", ["UTC", "utc", "Etc/UTC", "Coordinated Universal Time", "Z"])
def test_it_reads_the_utc_spellings(name: str) -> None:
    assert to_iana(name) == "UTC"
    assert to_windows(name) == "UTC"


@pytest.mark.parametrize(
    "name",
    [
        "Mid-Atlantic Standard Time",
        "tzone://Microsoft/Custom",
        "Mars/Olympus_Mons",
        "",
        "   ",
        None,
        42,
        "localtime",
    ],
)
def test_it_rejects_unknown_zones(name: object) -> None:
    with pytest.raises(ConversionError, match="unknown time zone"):
        to_iana(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("iana", ["Antarctica/Troll", "CET", "EST5EDT"])
def test_it_does_not_guess_a_windows_zone(iana: str) -> None:
    with pytest.raises(ConversionError, match="no matching Windows time zone"):
        to_windows(iana)


def test_it_converts_wall_time_in_a_windows_zone() -> None:
    assert local_to_utc("2026-07-01T09:00:00.0000000", "W. Europe Standard Time") == "2026-07-01T07:00:00Z"
    assert local_to_utc("2026-01-15T09:00:00", "Pacific Standard Time") == "2026-01-15T17:00:00Z"
    assert utc_to_local("2026-01-15T17:00:00Z", "Pacific Standard Time") == "2026-01-15T09:00:00"


def test_it_moves_a_time_in_the_spring_gap_forward() -> None:
    # Berlin jumps 02:00 -> 03:00 on 2026-03-29: 02:30 does not exist and reads as 03:30 CEST
    utc = local_to_utc("2026-03-29T02:30:00", "Europe/Berlin")
    assert utc == "2026-03-29T01:30:00Z"
    assert utc_to_local(utc, "Europe/Berlin") == "2026-03-29T03:30:00"


def test_it_takes_the_first_of_two_fall_back_times() -> None:
    # Berlin goes 03:00 -> 02:00 on 2026-10-25: 02:30 happens twice; the first is still CEST (+02:00)
    assert local_to_utc("2026-10-25T02:30:00", "Europe/Berlin") == "2026-10-25T00:30:00Z"


def test_it_honours_an_explicit_offset() -> None:
    assert local_to_utc("2026-07-01T09:00:00+02:00", "Tokyo Standard Time") == "2026-07-01T07:00:00Z"
    assert local_to_utc("2026-07-01T09:00:00Z", "Tokyo Standard Time") == "2026-07-01T09:00:00Z"


def test_it_starts_a_day_without_midnight_at_its_first_existing_time() -> None:
    # Havana springs forward at midnight: 2026-03-08 begins at 01:00 CDT
    start = local_midnight("2026-03-08", "Cuba Standard Time")
    assert utc_to_local(start.isoformat(), "America/Havana") == "2026-03-08T01:00:00"


@pytest.mark.parametrize("value", ["", None, "tomorrow", "2026-13-01T00:00:00", 5])
def test_it_rejects_bad_date_times(value: object) -> None:
    with pytest.raises(ConversionError, match="not a date-time"):
        local_to_utc(value, "UTC")  # type: ignore[arg-type]


def test_it_parses_instants_and_dates() -> None:
    assert parse_neutral(None) is None
    assert parse_neutral("") is None
    assert parse_neutral("2026-11-27T10:00:00.000+0000").isoformat() == "2026-11-27T10:00:00+00:00"  # type: ignore[union-attr]
    assert parse_date("2026-11-27T10:00:00Z") == "2026-11-27"
    assert parse_date(None) is None
    with pytest.raises(ConversionError, match="not a date"):
        parse_date("27/11/2026")


ZONES = [
    "W. Europe Standard Time",
    "Pacific Standard Time",
    "India Standard Time",
    "AUS Eastern Standard Time",
    "E. South America Standard Time",
    "Lord Howe Standard Time",
]


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)), st.sampled_from(ZONES))
def test_it_round_trips_utc_through_local_time(moment: datetime, zone: str) -> None:
    utc = moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert local_to_utc(utc_to_local(utc, zone), zone) == utc or _in_fall_back_overlap(utc, zone)


def _in_fall_back_overlap(utc: str, zone: str) -> bool:
    """A second-occurrence time reads back as the first occurrence (documented)."""
    local = utc_to_local(utc, zone)
    return local_to_utc(local, zone) < utc
