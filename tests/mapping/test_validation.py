"""Mapping tables are checked against the org's describe before anything syncs with them."""

from __future__ import annotations

import pytest

from mapping.registry import CONVERTERS
from mapping.validation import MappingError, Row, validate_table

DESCRIBE = {
    "fields": [
        {"name": "Subject", "type": "combobox", "length": 255, "createable": True, "updateable": True},
        {"name": "Region__c", "type": "string", "length": 40, "createable": True, "updateable": True},
        {"name": "CreatedDate", "type": "datetime", "createable": False, "updateable": False},
    ]
}


def check(*rows: Row):
    return validate_table(
        crm_object="Event",
        rows=rows,
        describe=DESCRIBE,
        mail_fields=["subject", "location"],
        converters=CONVERTERS,
    )


def test_it_takes_salesforces_spelling_and_length():
    [row] = check(Row("location", "region__C", "both", "text"))
    assert (row.crm_field, row.max_length) == ("Region__c", 40)


def test_it_lists_every_problem_at_once():
    with pytest.raises(MappingError) as error:
        check(
            Row("location", "Nowhere__c", "both", "text"),
            Row("subject", "Subject", "both", "boolean"),
            Row("subject", "CreatedDate", "to_crm", "datetime"),
            Row("color", "Region__c", "both", "text"),
        )
    problems = " | ".join(error.value.problems)
    assert "Event has no field 'Nowhere__c'" in problems
    assert "cannot write a combobox field" in problems
    assert "does not let anyone write CreatedDate" in problems
    assert "the mailbox has no field 'color'" in problems


def test_it_refuses_a_salesforce_field_mapped_twice():
    with pytest.raises(MappingError, match="region__c is mapped more than once"):
        check(Row("location", "Region__c", "to_crm", "text"), Row("subject", "region__c", "to_crm", "text"))
