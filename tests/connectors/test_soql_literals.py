"""SOQL literals take their form from the field's describe type, never from how the value looks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.salesforce.soql import literal


def test_it_quotes_a_text_value_that_looks_like_a_date():
    assert literal("2030-01-15", "combobox") == "'2030-01-15'"
    assert literal("2030-01-15T10:00:00Z", "string") == "'2030-01-15T10:00:00Z'"
    assert literal("true", "picklist") == "'true'"
    assert literal("42", "phone") == "'42'"


def test_it_writes_dates_and_instants_of_date_fields_bare():
    assert literal("2030-01-15", "date") == "2030-01-15"
    assert literal(date(2030, 1, 15), "date") == "2030-01-15"
    assert literal("2030-01-15T10:00:00.000+0000", "datetime") == "2030-01-15T10:00:00Z"
    assert literal("2030-01-15T12:00:00+02:00", "datetime") == "2030-01-15T10:00:00Z"
    assert literal(datetime(2030, 1, 15, 10, tzinfo=UTC), "datetime") == "2030-01-15T10:00:00Z"
    assert literal(True, "boolean") == "true"
    assert literal(3, "int") == "3"


def test_it_refuses_a_value_that_cannot_be_of_the_fields_type():
    for value, field_type in [
        ("Board meeting", "date"),
        ("2030-01-15", "datetime"),
        ("2030-01-15T10:00:00", "datetime"),  # an instant without its offset is ambiguous
        ("yes", "boolean"),
        ("3", "int"),
        ("x' OR Id != '", "id"),
        ("anything", ""),
    ]:
        with pytest.raises(ValueError):
            literal(value, field_type)


def test_it_escapes_what_soql_escapes_in_text():
    assert literal("O'Brien\n", "string") == "'O\\'Brien\\n'"
