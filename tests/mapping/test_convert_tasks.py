"""Task converters: status, priority, picklists, due date, reminder."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping.convert_tasks import (
    STATUS_TO_SALESFORCE,
    ConversionError,
    due_date_from_graph,
    due_date_to_graph,
    due_from_salesforce,
    due_to_salesforce,
    is_valid_picklist_value,
    picklist_value,
    priority_from_salesforce,
    priority_to_salesforce,
    task_reminder_from_salesforce,
    task_reminder_to_salesforce,
    task_status_from_salesforce,
    task_status_to_salesforce,
)

STATUS_PICKLIST = [
    {"value": "Not Started", "label": "Not Started", "active": True, "defaultValue": True},
    {"value": "In Progress", "label": "In Progress", "active": True, "defaultValue": False},
    {"value": "Completed", "label": "Completed", "active": True, "defaultValue": False},
    {"value": "Retired", "label": "Retired", "active": False, "defaultValue": False},
]


@pytest.mark.parametrize(("graph", "salesforce"), list(STATUS_TO_SALESFORCE.items()))
def test_it_maps_every_task_status_both_ways(graph: str, salesforce: str) -> None:
    assert task_status_to_salesforce(graph) == salesforce
    assert task_status_from_salesforce(salesforce) == graph


def test_it_reads_statuses_case_insensitively() -> None:
    assert task_status_to_salesforce("INPROGRESS") == "In Progress"
    assert task_status_from_salesforce("waiting on Someone Else") == "waitingOnOthers"


def test_it_maps_an_unknown_salesforce_status_to_not_started() -> None:
    assert task_status_from_salesforce("Escalated") == "notStarted"
    assert task_status_from_salesforce(None) == "notStarted"


def test_it_maps_an_unknown_closed_status_to_completed() -> None:
    assert task_status_from_salesforce("Closed - Won", closed_values=["closed - won"]) == "completed"


def test_it_maps_an_unknown_mail_status_to_not_started() -> None:
    assert task_status_to_salesforce("paused") == "Not Started"
    assert task_status_to_salesforce(None) == "Not Started"


@pytest.mark.parametrize(("importance", "priority"), [("low", "Low"), ("normal", "Normal"), ("high", "High")])
def test_it_maps_importance_to_priority(importance: str, priority: str) -> None:
    assert priority_to_salesforce(importance) == priority
    assert priority_from_salesforce(priority) == importance


def test_it_maps_unknown_priorities_to_normal() -> None:
    assert priority_from_salesforce("Urgent") == "normal"
    assert priority_from_salesforce(None) == "normal"
    assert priority_to_salesforce("critical") == "Normal"
    assert priority_to_salesforce(3) == "Normal"


@given(st.one_of(st.none(), st.text(max_size=20), st.sampled_from(list(STATUS_TO_SALESFORCE))))
def test_it_makes_status_a_fixed_point_after_one_round(value: Any) -> None:
    once = task_status_from_salesforce(task_status_to_salesforce(value))
    assert task_status_from_salesforce(task_status_to_salesforce(once)) == once


def test_it_checks_values_against_a_describe_picklist() -> None:
    assert is_valid_picklist_value("Completed", STATUS_PICKLIST)
    assert not is_valid_picklist_value("completed", STATUS_PICKLIST)
    assert not is_valid_picklist_value("Retired", STATUS_PICKLIST)
    assert not is_valid_picklist_value(None, STATUS_PICKLIST)
    assert not is_valid_picklist_value("Completed", None)


def test_it_returns_the_orgs_spelling_of_a_picklist_value() -> None:
    assert picklist_value("Completed", STATUS_PICKLIST) == "Completed"
    assert picklist_value(" in progress ", STATUS_PICKLIST) == "In Progress"


def test_it_falls_back_on_the_picklist_default() -> None:
    assert picklist_value("Waiting on someone else", STATUS_PICKLIST) == "Not Started"
    assert picklist_value("Retired", STATUS_PICKLIST) == "Not Started"  # inactive values never match


def test_it_falls_back_on_the_given_value_without_a_default() -> None:
    no_default = [{**entry, "defaultValue": False} for entry in STATUS_PICKLIST]
    assert picklist_value("Deferred", no_default, fallback="In Progress") == "In Progress"
    with pytest.raises(ConversionError, match="valid values: Not Started, In Progress, Completed"):
        picklist_value("Deferred", no_default)
    with pytest.raises(ConversionError, match="valid values: none"):
        picklist_value("Deferred", "not a describe")


# -------------------------------------------------------------------------------------------- due date


def test_it_takes_the_due_day_in_the_mailbox_zone() -> None:
    due = {"dateTime": "2026-11-30T23:00:00.0000000", "timeZone": "UTC"}
    assert due_date_from_graph(due, "W. Europe Standard Time") == "2026-12-01"
    assert due_date_from_graph(due, "UTC") == "2026-11-30"
    local = {"dateTime": "2026-12-01T00:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert due_date_from_graph(local, "Pacific Standard Time") == "2026-12-01"


def test_it_writes_the_due_date_as_midnight_in_the_mailbox_zone() -> None:
    assert due_date_to_graph("2026-12-01", "W. Europe Standard Time") == {
        "dateTime": "2026-12-01T00:00:00.0000000",
        "timeZone": "W. Europe Standard Time",
    }
    assert due_from_salesforce("2026-12-01", "W. Europe Standard Time") == "2026-11-30T23:00:00Z"


def test_it_gives_no_due_date_for_none() -> None:
    assert due_date_from_graph(None) is None
    assert due_date_from_graph({"dateTime": ""}) is None
    assert due_date_to_graph(None) is None
    assert due_to_salesforce(None) is None
    assert due_from_salesforce("") is None


def test_it_rejects_an_odd_due_date() -> None:
    with pytest.raises(ConversionError):
        due_to_salesforce(20261201)
    with pytest.raises(ConversionError):
        due_from_salesforce("next week")
    with pytest.raises(ConversionError, match="unknown time zone"):
        due_date_from_graph({"dateTime": "2026-12-01T00:00:00", "timeZone": "Moon Standard Time"})


@given(
    st.dates(min_value=date(1971, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["UTC", "Pacific Standard Time", "W. Europe Standard Time", "Cuba Standard Time"]),
)
def test_it_round_trips_the_due_date(day: date, zone: str) -> None:
    assert due_date_from_graph(due_date_to_graph(day.isoformat(), zone), zone) == day.isoformat()
    assert due_to_salesforce(due_from_salesforce(day.isoformat(), zone), zone) == day.isoformat()


# -------------------------------------------------------------------------------------------- reminder


def test_it_maps_a_task_reminder_both_ways() -> None:
    record = task_reminder_to_salesforce(True, "2026-12-01T08:00:00Z")
    assert record == {"IsReminderSet": True, "ReminderDateTime": "2026-12-01T08:00:00.000+0000"}
    assert task_reminder_from_salesforce(True, record["ReminderDateTime"]) == {
        "is_reminder_on": True,
        "reminder_at": "2026-12-01T08:00:00Z",
    }


def test_it_writes_a_reminder_without_time_as_off() -> None:
    off = {"IsReminderSet": False, "ReminderDateTime": None}
    assert task_reminder_to_salesforce(True, None) == off
    assert task_reminder_to_salesforce(False, "2026-12-01T08:00:00Z") == off
    assert task_reminder_from_salesforce(True, None) == {"is_reminder_on": False, "reminder_at": None}
