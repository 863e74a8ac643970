"""Event converters: all-day, reminders, show-as, sensitivity, categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping.convert_events import (
    ConversionError,
    categories_from_text,
    categories_to_text,
    event_times_from_salesforce,
    event_times_to_salesforce,
    has_category,
    is_private_to_sensitivity,
    merge_categories,
    reminder_from_salesforce,
    reminder_to_salesforce,
    sensitivity_to_is_private,
    show_as_from_salesforce,
    show_as_to_salesforce,
    with_category,
    without_category,
)
from mapping.timezones import local_to_utc, neutral

ZONES = [
    "UTC",
    "W. Europe Standard Time",
    "Pacific Standard Time",
    "AUS Eastern Standard Time",
    "Asia/Kolkata",
]

# ------------------------------------------------------------------------------------------- all-day


def test_it_writes_an_all_day_event_as_a_date_and_whole_days() -> None:
    values = {
        "start": local_to_utc("2026-12-01T00:00:00", "W. Europe Standard Time"),
        "end": local_to_utc("2026-12-03T00:00:00", "W. Europe Standard Time"),
        "is_all_day": True,
    }
    assert event_times_to_salesforce(values, "W. Europe Standard Time") == {
        "IsAllDayEvent": True,
        "ActivityDate": "2026-12-01",
        "DurationInMinutes": 2880,
    }


def test_it_reads_an_all_day_event_as_local_midnights() -> None:
    record = {"IsAllDayEvent": True, "ActivityDate": "2026-12-01", "DurationInMinutes": 1440}
    assert event_times_from_salesforce(record, "Pacific Standard Time") == {
        "start": "2026-12-01T08:00:00Z",
        "end": "2026-12-02T08:00:00Z",
        "is_all_day": True,
    }


def test_it_keeps_whole_days_for_an_all_day_event_across_dst() -> None:
    # Berlin springs forward on 2026-03-29: the two local days are 47 hours in UTC
    zone = "W. Europe Standard Time"
    record = {"IsAllDayEvent": True, "ActivityDate": "2026-03-28", "DurationInMinutes": 2880}
    values = event_times_from_salesforce(record, zone)
    assert values == {"start": "2026-03-27T23:00:00Z", "end": "2026-03-29T22:00:00Z", "is_all_day": True}
    assert event_times_to_salesforce(values, zone) == {
        "IsAllDayEvent": True,
        "ActivityDate": "2026-03-28",
        "DurationInMinutes": 2880,
    }


def test_it_keeps_whole_days_for_an_all_day_event_across_fall_back() -> None:
    zone = "Pacific Standard Time"  # 2026-11-01 is 25 hours long
    values = {
        "start": local_to_utc("2026-11-01T00:00:00", zone),
        "end": local_to_utc("2026-11-02T00:00:00", zone),
        "is_all_day": True,
    }
    assert event_times_to_salesforce(values, zone)["DurationInMinutes"] == 1440


def test_it_widens_all_day_times_off_midnight_to_the_days_they_touch() -> None:
    values = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-02T09:00:00Z", "is_all_day": True}
    assert event_times_to_salesforce(values) == {
        "IsAllDayEvent": True,
        "ActivityDate": "2026-12-01",
        "DurationInMinutes": 2880,
    }


def test_it_gives_an_all_day_event_without_end_one_day() -> None:
    out = event_times_to_salesforce({"start": "2026-12-01T00:00:00Z", "end": None, "is_all_day": True})
    assert out["DurationInMinutes"] == 1440


def test_it_rounds_a_partial_salesforce_duration_up_to_a_day() -> None:
    record = {"IsAllDayEvent": True, "ActivityDate": "2026-12-01", "DurationInMinutes": 1439}
    assert event_times_from_salesforce(record)["end"] == "2026-12-02T00:00:00Z"


def test_it_falls_back_on_end_date_time_for_the_length() -> None:
    record = {
        "IsAllDayEvent": True,
        "StartDateTime": "2026-12-01T00:00:00.000+0000",
        "EndDateTime": "2026-12-04T00:00:00.000+0000",
    }
    assert event_times_from_salesforce(record) == {
        "start": "2026-12-01T00:00:00Z",
        "end": "2026-12-04T00:00:00Z",
        "is_all_day": True,
    }


def test_it_writes_timed_events_as_start_and_end() -> None:
    values = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:30:00Z", "is_all_day": False}
    record = event_times_to_salesforce(values)
    assert record == {
        "IsAllDayEvent": False,
        "StartDateTime": "2026-12-01T10:00:00.000+0000",
        "EndDateTime": "2026-12-01T11:30:00.000+0000",
    }
    assert event_times_from_salesforce(record) == values


def test_it_clamps_an_end_before_the_start() -> None:
    values = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z", "is_all_day": False}
    assert event_times_to_salesforce(values)["EndDateTime"] == "2026-12-01T10:00:00.000+0000"


def test_it_reads_a_timed_event_without_end_from_its_duration() -> None:
    record = {"StartDateTime": "2026-12-01T10:00:00.000+0000", "DurationInMinutes": 45}
    assert event_times_from_salesforce(record)["end"] == "2026-12-01T10:45:00Z"


def test_it_gives_defined_values_for_missing_times() -> None:
    assert event_times_to_salesforce({}) == {
        "IsAllDayEvent": False,
        "StartDateTime": None,
        "EndDateTime": None,
    }
    assert event_times_to_salesforce({"is_all_day": True})["ActivityDate"] is None
    assert event_times_from_salesforce({}) == {"start": None, "end": None, "is_all_day": False}
    assert event_times_from_salesforce({"IsAllDayEvent": True}) == {
        "start": None,
        "end": None,
        "is_all_day": True,
    }


def test_it_raises_a_conversion_error_for_garbage() -> None:
    with pytest.raises(ConversionError):
        event_times_to_salesforce({"start": "soon", "is_all_day": False})
    with pytest.raises(ConversionError):
        event_times_from_salesforce({"IsAllDayEvent": True, "ActivityDate": "1st of May"})
    with pytest.raises(ConversionError, match="unknown time zone"):
        event_times_to_salesforce({"start": "2026-12-01T00:00:00Z", "is_all_day": True}, "Atlantis Time")


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@st.composite
def event_values(draw: Any) -> dict[str, Any]:
    start = draw(moments)
    end = start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 9)))
    return {"start": neutral(start), "end": neutral(end), "is_all_day": draw(st.booleans())}


@given(event_values(), st.sampled_from(ZONES))
def test_it_is_a_fixed_point_after_one_round(values: dict[str, Any], zone: str) -> None:
    once = event_times_from_salesforce(event_times_to_salesforce(values, zone), zone)
    twice = event_times_from_salesforce(event_times_to_salesforce(once, zone), zone)
    assert twice == once
    assert event_times_to_salesforce(once, zone) == event_times_to_salesforce(values, zone)


@given(st.dates(min_value=datetime(2000, 1, 1).date()), st.integers(1, 30), st.sampled_from(ZONES))
def test_it_round_trips_salesforce_all_day_events(day: Any, days: int, zone: str) -> None:
    record = {"IsAllDayEvent": True, "ActivityDate": day.isoformat(), "DurationInMinutes": 1440 * days}
    assert event_times_to_salesforce(event_times_from_salesforce(record, zone), zone) == record


# ----------------------------------------------------------------------------------------- reminders


def test_it_computes_the_reminder_time_from_the_start() -> None:
    assert reminder_to_salesforce(True, 30, "2026-12-01T10:00:00Z") == {
        "IsReminderSet": True,
        "ReminderDateTime": "2026-12-01T09:30:00.000+0000",
    }
    assert reminder_from_salesforce(True, "2026-12-01T09:30:00.000+0000", "2026-12-01T10:00:00Z") == {
        "is_reminder_on": True,
        "reminder_minutes": 30,
    }


def test_it_writes_no_reminder_when_off_or_without_start() -> None:
    off = {"IsReminderSet": False, "ReminderDateTime": None}
    assert reminder_to_salesforce(False, 30, "2026-12-01T10:00:00Z") == off
    assert reminder_to_salesforce(None, 30, "2026-12-01T10:00:00Z") == off
    assert reminder_to_salesforce(True, 30, None) == off


def test_it_uses_the_default_minutes_when_none_are_given() -> None:
    assert reminder_to_salesforce(True, None, "2026-12-01T10:00:00Z")["ReminderDateTime"] == (
        "2026-12-01T09:45:00.000+0000"
    )
    assert reminder_from_salesforce(False, None, None) == {"is_reminder_on": False, "reminder_minutes": 15}
    assert reminder_from_salesforce(True, None, "2026-12-01T10:00:00Z")["reminder_minutes"] == 15


def test_it_reads_a_reminder_after_the_start_as_zero_minutes() -> None:
    out = reminder_from_salesforce(True, "2026-12-01T10:05:00.000+0000", "2026-12-01T10:00:00Z")
    assert out == {"is_reminder_on": True, "reminder_minutes": 0}


@pytest.mark.parametrize("minutes", [-5, "ten", True, float("nan")])
def test_it_rejects_odd_reminder_minutes(minutes: Any) -> None:
    with pytest.raises(ConversionError, match="reminder minutes"):
        reminder_to_salesforce(True, minutes, "2026-12-01T10:00:00Z")


@given(st.booleans(), st.integers(0, 60 * 24 * 14), moments)
def test_it_round_trips_reminders(is_on: bool, minutes: int, start: datetime) -> None:
    begins = neutral(start)
    record = reminder_to_salesforce(is_on, minutes, begins)
    back = reminder_from_salesforce(record["IsReminderSet"], record["ReminderDateTime"], begins)
    assert back["is_reminder_on"] is is_on
    if is_on:
        assert back["reminder_minutes"] == minutes
    assert reminder_to_salesforce(back["is_reminder_on"], back["reminder_minutes"], begins) == record


# ---------------------------------------------------------------------------------- show-as, private


@pytest.mark.parametrize(
    ("graph", "salesforce", "back"),
    [
        ("free", "Free", "free"),
        ("busy", "Busy", "busy"),
        ("oof", "OutOfOffice", "oof"),
        ("tentative", "Busy", "busy"),  # lossy
        ("workingElsewhere", "Busy", "busy"),  # lossy
        ("unknown", "Busy", "busy"),  # lossy
        ("FREE", "Free", "free"),
        (None, "Busy", "busy"),
        (7, "Busy", "busy"),
    ],
)
def test_it_maps_show_as(graph: Any, salesforce: str, back: str) -> None:
    assert show_as_to_salesforce(graph) == salesforce
    assert show_as_from_salesforce(salesforce) == back


def test_it_reads_unknown_salesforce_show_as_as_busy() -> None:
    assert show_as_from_salesforce("Tentative") == "busy"
    assert show_as_from_salesforce("outofoffice") == "oof"
    assert show_as_from_salesforce(None) == "busy"


@pytest.mark.parametrize(
    ("sensitivity", "private", "back"),
    [
        ("normal", False, "normal"),
        ("personal", False, "normal"),  # lossy
        ("private", True, "private"),
        ("confidential", True, "private"),  # lossy
        ("Private", True, "private"),
        (None, False, "normal"),
    ],
)
def test_it_maps_sensitivity_to_is_private(sensitivity: Any, private: bool, back: str) -> None:
    assert sensitivity_to_is_private(sensitivity) is private
    assert is_private_to_sensitivity(private) == back


@given(st.sampled_from(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown", "", None]))
def test_it_makes_show_as_a_fixed_point_after_one_round(value: Any) -> None:
    once = show_as_from_salesforce(show_as_to_salesforce(value))
    assert show_as_from_salesforce(show_as_to_salesforce(once)) == once


# ---------------------------------------------------------------------------------------- categories


def test_it_writes_categories_sorted_without_sync_categories() -> None:
    text = categories_to_text(["Red", "blue", "Salesforce", "red", "  ", "Green"])
    assert text == "blue;Green;Red"
    assert categories_from_text(text) == ["blue", "Green", "Red"]


def test_it_writes_no_categories_as_null() -> None:
    assert categories_to_text([]) is None
    assert categories_to_text(None) is None
    assert categories_to_text(["Salesforce Unsync"]) is None
    assert categories_from_text(None) == []
    assert categories_from_text("") == []


def test_it_replaces_the_separator_inside_a_name() -> None:
    assert categories_to_text(["a;b"]) == "a,b"


def test_it_leaves_out_whole_categories_that_do_not_fit() -> None:
    assert categories_to_text(["Alpha", "Beta", "Gamma"], max_length=11) == "Alpha;Beta"


def test_it_finds_categories_case_insensitively() -> None:
    assert has_category(["salesforce", "Red"], "Salesforce")
    assert has_category([" SALESFORCE UNSYNC "], "Salesforce Unsync")
    assert not has_category(["Salesforce Unsync"], "Salesforce")
    assert not has_category(None, "Salesforce")
    assert not has_category([None, 3], "Salesforce")


def test_it_adds_and_removes_a_category_once() -> None:
    assert with_category(["Red"], "Salesforce") == ["Red", "Salesforce"]
    assert with_category(["salesforce"], "Salesforce") == ["salesforce"]
    assert without_category(["SalesForce", "Red", "salesforce"], "Salesforce") == ["Red"]


def test_it_merges_salesforce_categories_into_the_mail_categories() -> None:
    existing = ["Salesforce", "Red", "Old"]
    assert merge_categories(existing, ["Blue", "Red"]) == ["Salesforce", "Red", "Blue"]
    assert merge_categories(existing, categories_from_text(categories_to_text(existing))) == [
        "Salesforce",
        "Red",
        "Old",
    ]


@given(st.lists(st.text(min_size=0, max_size=12)))
def test_it_makes_categories_a_fixed_point_after_one_round(categories: list[str]) -> None:
    once = categories_from_text(categories_to_text(categories))
    assert categories_from_text(categories_to_text(once)) == once
    assert categories_to_text(once) == categories_to_text(categories)
