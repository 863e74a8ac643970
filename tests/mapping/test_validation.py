"""Mapping tables are checked against the org's describe before anything syncs with them.

The describes are the Salesforce sandbox's own (its standard objects, plus the engine's sync key and
an org's custom fields), which report nillable / createable / defaultedOnCreate as Salesforce does.
"""

from __future__ import annotations

from typing import Any

import pytest

from mapping.defaults import DEFAULT_TABLES, default_rows
from mapping.registry import CONVERTERS
from mapping.services import mail_fields_of
from mapping.validation import MappingError, Row, validate_table
from sandbox.salesforce.schema import FieldDef, custom_field, standard_objects

SYNC_KEY = "MailSync_Key__c"


def describe(crm_object: str, *extra: FieldDef) -> dict[str, Any]:
    key = custom_field(SYNC_KEY, "string", 80, external_id=True, unique=True)
    return standard_objects()[crm_object].with_fields([key, *extra]).describe("62.0")


def check(*rows: Row, stream: str = "events", extra: tuple[FieldDef, ...] = ()):
    return validate_table(
        crm_object=DEFAULT_TABLES[stream].crm_object,
        rows=rows,
        describe=describe(DEFAULT_TABLES[stream].crm_object, *extra),
        mail_fields=mail_fields_of(stream),
        converters=CONVERTERS,
        sync_key_field=SYNC_KEY,
    )


def problems_of(*rows: Row, stream: str = "events", extra: tuple[FieldDef, ...] = ()) -> str:
    with pytest.raises(MappingError) as error:
        check(*rows, stream=stream, extra=extra)
    return " | ".join(error.value.problems)


def events(*changes: Row, without: tuple[str, ...] = ()) -> list[Row]:
    """The default events table, less the rows of ``without`` (mailbox fields), plus ``changes``."""
    return [r for r in default_rows("events") if r.mail_field not in without] + list(changes)


REGION = custom_field("Region__c", "string", 40)


def test_it_takes_salesforces_spelling_and_length():
    checked = check(
        *events(Row("location", "region__C", "both", "text"), without=("location",)), extra=(REGION,)
    )
    [row] = [c for c in checked if c.row.mail_field == "location"]
    assert (row.crm_field, row.max_length) == ("Region__c", 40)


def test_it_lists_every_problem_at_once():
    problems = problems_of(
        *events(
            Row("location", "Nowhere__c", "both", "text"),
            Row("subject", "Subject", "both", "boolean"),
            Row("color", "Region__c", "both", "text"),
            Row("body", "CreatedDate", "to_crm", "datetime"),
            without=("location", "subject", "body"),
        ),
        extra=(REGION,),
    )
    assert "Event has no field 'Nowhere__c'" in problems
    assert "cannot write a combobox field" in problems
    assert "does not let anyone write CreatedDate" in problems
    assert "the mailbox has no field 'color'" in problems


def test_it_refuses_a_salesforce_field_mapped_twice():
    rows = events(Row("body", "location", "to_crm", "text"))
    assert "location is mapped more than once" in problems_of(*rows)


def test_it_accepts_every_default_table():
    for stream in DEFAULT_TABLES:
        assert len(check(*default_rows(stream), stream=stream)) == len(default_rows(stream))


def test_it_refuses_an_event_table_without_start_and_end():
    problems = problems_of(*events(without=("start", "end")))

    assert "Event requires Start Date Time (StartDateTime) on every new record: map 'start'" in problems
    assert "Event requires End Date Time (EndDateTime) on every new record: map 'end'" in problems


def test_it_refuses_an_event_table_whose_times_only_come_down_from_salesforce():
    rows = events(Row("end", "EndDateTime", "to_mail", "datetime"), without=("end",))

    assert "map 'end' onto EndDateTime, both ways or Mailbox -> Salesforce" in problems_of(*rows)


def test_it_refuses_a_row_mapped_onto_the_sync_key():
    rows = events(Row("location", "mailsync_key__c", "both", "text"), without=("location",))

    problems = problems_of(*rows)

    assert "location -> mailsync_key__c: Event.MailSync_Key__c cannot be mapped" in problems
    assert "the engine's sync key" in problems


@pytest.mark.parametrize("stream", ["events", "tasks"])
@pytest.mark.parametrize("field", ["OwnerId", "WhoId", "WhatId", "Id"])
def test_it_refuses_owner_and_who_what_as_targets(stream: str, field: str):
    rows = [*default_rows(stream), Row("body", field, "to_mail", "text")]
    rows = [r for r in rows if not (r.mail_field == "body" and r.crm_field == "Description")]

    problems = problems_of(*rows, stream=stream)

    assert f"body -> {field}: {DEFAULT_TABLES[stream].crm_object}.{field} cannot be mapped" in problems
    assert "converter cannot write" not in problems  # one clear reason, not a type complaint


def test_it_refuses_the_times_the_engine_writes_for_all_day_events():
    rows = events(Row("body", "ActivityDate", "to_crm", "date"), without=("body",))

    assert "the engine writes an all-day item's day (ActivityDate)" in problems_of(*rows)


def test_it_keeps_an_events_time_fields_for_their_own_mailbox_field():
    rows = events(
        Row("is_all_day", "IsPrivate", "both", "boolean"),
        Row("sensitivity", "IsAllDayEvent", "both", "boolean"),
        without=("is_all_day", "sensitivity"),
    )

    assert "Event.IsAllDayEvent is written from the mailbox's 'is_all_day' only" in problems_of(*rows)


def test_it_refuses_a_table_that_leaves_a_required_field_empty():
    required = custom_field("Region__c", "string", 40, required=True)
    problems = problems_of(*events(), extra=(required,))

    assert "Event requires Region (Region__c) on every new record" in problems
    assert "give it a fixed value" in problems


def test_it_counts_a_required_field_mapped_one_way_down_as_missing():
    required = custom_field("Region__c", "string", 40, required=True)
    rows = events(Row("location", "Region__c", "to_mail", "text"), without=("location",))

    assert "Event requires Region (Region__c)" in problems_of(*rows, extra=(required,))


def test_it_accepts_a_required_field_mapped_or_given_a_fixed_value():
    required = custom_field("Region__c", "string", 40, required=True)
    mapped = events(Row("location", "Region__c", "both", "text"), without=("location",))
    fixed = events(Row("", "Region__c", "to_crm", "", value="EMEA"))

    assert check(*mapped, extra=(required,))
    [row] = [c for c in check(*fixed, extra=(required,)) if c.crm_field == "Region__c"]
    assert row.row.value == "EMEA"


def test_it_needs_nothing_for_required_fields_salesforce_fills_in():
    defaulted = custom_field("Tier__c", "picklist", required=True, picklist_values=["A", "B"], default="A")
    task_rows = [r for r in default_rows("tasks") if r.crm_field not in ("Status", "Priority")]

    assert check(*events(), extra=(defaulted,))
    assert check(*task_rows, stream="tasks")  # Status and Priority have picklist defaults


def test_it_checks_a_fixed_value_against_the_field():
    tier = custom_field("Tier__c", "picklist", picklist_values=["Gold", "Silver"])
    count = custom_field("Seats__c", "int")
    problems = problems_of(
        *events(
            Row("", "Tier__c", "to_crm", "", value="Bronze"),
            Row("", "Seats__c", "to_crm", "", value="many"),
            Row("", "CreatedDate", "to_crm", "", value="2025-01-01T00:00:00Z"),
            Row("", "Region__c", "to_crm", "", value="x" * 41),
        ),
        extra=(tier, count, REGION),
    )

    assert (
        "(fixed value) -> Tier__c: 'Bronze' is not a value of the picklist (values: Gold, Silver)" in problems
    )
    assert "(fixed value) -> Seats__c: 'many' is not a int value" in problems
    assert "does not let anyone set CreatedDate on a new record" in problems
    assert "longer than the field's 40 characters" in problems


def test_it_refuses_a_row_with_both_a_mailbox_field_and_a_fixed_value():
    rows = events(Row("location", "Region__c", "both", "text", value="EMEA"), without=("location",))

    assert "a row maps a mailbox field or gives a fixed value, not both" in problems_of(
        *rows, extra=(REGION,)
    )
