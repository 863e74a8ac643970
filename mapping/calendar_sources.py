"""Salesforce records of another object shown as calendar items: their rules and their checks (pure).

The reference's "Save Events As Other": a custom object or a Task with a date field (an all-day
item) or two date/time fields becomes a calendar item, one way from Salesforce, with a category
that names its object. Its records need the sync key field, as the reference's extra fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from connectors.salesforce import queries
from mapping.registry import make_rule
from mapping.requirements import engine_owned, label_of, required_on_create
from mapping.timezones import parse_date
from syncengine.core.rules import Direction, FieldRule, StreamRules

TEXT_TYPES = {"string", "textarea", "picklist", "email", "phone", "url", "combobox"}


@dataclass(frozen=True)
class SourceFields:
    crm_object: str
    subject_field: str
    start_field: str = ""
    end_field: str = ""
    date_field: str = ""
    description_field: str = ""


def _midnight(value: Any, days_after: int = 0) -> str | None:
    day = parse_date(value)
    if day is None:
        return None
    moment = datetime.combine(date.fromisoformat(day) + timedelta(days=days_after), datetime.min.time())
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_of(value: Any) -> str | None:
    """A calendar item's start as the record's date (an all-day item's first day)."""
    return str(value)[:10] if value else None


def source_rules(stream: str, fields: SourceFields, *, two_way: bool = False) -> StreamRules:
    """One way to the mailbox by default: nothing new goes up, mailbox edits and deletions are put
    back. Two way: items the user gives the source's category are saved as records of the object
    (the engine filters on the category), and edits and deletions go both ways."""
    way = Direction.BOTH if two_way else Direction.TO_MAIL
    down = Direction.TO_MAIL
    rules: list[FieldRule] = [make_rule("subject", fields.subject_field, "text", way, 255)]
    if fields.description_field:
        rules.append(make_rule("body", fields.description_field, "text", way, 32000))
    if fields.date_field:
        rules += [
            FieldRule("start", fields.date_field, way, to_crm=_date_of, to_mail=_midnight),
            FieldRule("end", fields.date_field, down, to_mail=lambda v: _midnight(v, 1)),
            FieldRule("is_all_day", fields.date_field, down, to_mail=lambda v: True),
        ]
    else:
        end_field = fields.end_field or fields.start_field
        rules += [
            make_rule("start", fields.start_field, "datetime", way),
            make_rule("end", end_field, "datetime", way if fields.end_field else down),
            FieldRule("is_all_day", fields.start_field, down, to_mail=lambda v: False),
        ]
    return StreamRules(
        stream=stream,
        crm_object=fields.crm_object,
        fields=tuple(rules),
        create_in_crm=two_way,
        create_in_mail=True,
        delete_in_crm=two_way,
        delete_in_mail=True,
        restore_in_mail=not two_way,
    )


def window_condition(fields: SourceFields, start: datetime, end: datetime) -> str:
    """SOQL for the records inside the calendar window."""
    if fields.date_field:
        return queries.day_window(fields.date_field, start, end)
    return queries.span_window(fields.start_field, fields.end_field or fields.start_field, start, end)


def check_source(
    fields: SourceFields, describe: Mapping[str, Any], sync_key_field: str, *, two_way: bool = False
) -> list[str]:
    """Everything wrong with a source against its object's describe, in words an admin can act on."""
    name = fields.crm_object
    if not describe:
        return [f"Salesforce has no object {name} (check the API name, e.g. Project_Milestone__c)."]
    types = {str(f["name"]): str(f["type"]) for f in describe.get("fields", [])}
    problems = _ownership_problems(fields, describe, sync_key_field, two_way)

    def expect(field: str, wanted: set[str], what: str) -> None:
        if field not in types:
            problems.append(f"{name} has no field {field}.")
        elif types[field] not in wanted:
            problems.append(f"{name}.{field} is a {types[field]} field; {what} is needed.")

    expect(fields.subject_field, TEXT_TYPES, "a text field")
    if fields.date_field and (fields.start_field or fields.end_field):
        problems.append("Give either a date field (all-day items) or date/time fields, not both.")
    elif fields.date_field:
        expect(fields.date_field, {"date"}, "a date field")
    elif fields.start_field:
        expect(fields.start_field, {"datetime"}, "a date/time field")
        if fields.end_field:
            expect(fields.end_field, {"datetime"}, "a date/time field")
    else:
        problems.append("Give a date field (all-day items) or a start date/time field.")
    if fields.description_field:
        expect(fields.description_field, TEXT_TYPES, "a text field")
    if "OwnerId" not in types:
        problems.append(f"{name} has no owner (OwnerId): the engine shows each user their own records.")
    if sync_key_field not in types:
        problems.append(
            f"{name} needs the engine's sync key field {sync_key_field} (an External ID text field) "
            "before its records can be shown in calendars."
        )
    return problems


def _chosen(fields: SourceFields) -> list[str]:
    """The fields a source maps, in the form's order; with two way, all of them are written."""
    named = (fields.subject_field, fields.date_field, fields.start_field, fields.end_field)
    return [f for f in (*named, fields.description_field) if f]


def _ownership_problems(
    fields: SourceFields, describe: Mapping[str, Any], sync_key_field: str, two_way: bool
) -> list[str]:
    """The same table rules as a stream's mapping (mapping.requirements): the engine's own fields
    are never mapped; a two-way source writes its fields and must fill what a new record requires."""
    name = fields.crm_object
    by_name = {str(f["name"]).lower(): f for f in describe.get("fields", [])}
    owned = engine_owned(name, sync_key_field)
    problems = [
        f"{name}.{field} cannot be used: {owned[field.lower()]}."
        for field in _chosen(fields)
        if field.lower() in owned
    ]
    if not two_way:
        return problems
    for field in _chosen(fields):
        found = by_name.get(field.lower())
        if (
            found is not None
            and field.lower() not in owned
            and not (found.get("createable") and found.get("updateable"))
        ):
            problems.append(f"{name}.{field} cannot be written, so the source cannot be two way.")
    written = {f.lower() for f in _chosen(fields)}
    problems += [
        f"{name} requires {label_of(f)} on every new record, and no field of the source fills it: "
        "a two-way source cannot save calendar items as its records."
        for f in required_on_create(describe, sync_key_field)
        if str(f["name"]).lower() not in written
    ]
    return problems
