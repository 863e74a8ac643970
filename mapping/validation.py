"""Checking a mapping table against the org's Salesforce describe, before any sync uses it (pure).

A bad row is refused with a message an org admin can act on; nothing is discovered at sync time.
Besides each row (field exists, is writable, fits the converter), the table as a whole must give a
new record every field Salesforce requires on create, and must leave the fields the engine writes
itself alone (mapping.requirements).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any, Protocol

from mapping.fixed_values import check_fixed
from mapping.requirements import NEEDED_ROWS, RESERVED_FOR, engine_owned, label_of, required_on_create


class ConverterInfo(Protocol):
    @property
    def crm_types(self) -> Set[str]: ...


@dataclass(frozen=True)
class Row:
    mail_field: str  # "" for a fixed value
    crm_field: str
    direction: str  # both | to_crm | to_mail | none
    converter: str
    value: str = ""  # a fixed value: what a new record gets in crm_field (no mailbox field)

    @property
    def is_fixed(self) -> bool:
        return not self.mail_field

    @property
    def writes_crm(self) -> bool:
        return self.is_fixed or self.direction in ("both", "to_crm")


@dataclass(frozen=True)
class CheckedRow:
    row: Row
    crm_field: str  # the describe's spelling
    max_length: int | None
    crm_type: str = ""  # the describe's type


class MappingError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def validate_table(
    *,
    crm_object: str,
    rows: Iterable[Row],
    describe: Mapping[str, Any],
    mail_fields: Iterable[str],
    converters: Mapping[str, ConverterInfo],
    sync_key_field: str,
) -> list[CheckedRow]:
    """Every problem in the table at once, or the rows with Salesforce's names and lengths."""
    fields = {str(f["name"]).lower(): f for f in describe.get("fields", [])}
    rows = list(rows)
    problems: list[str] = []
    checked: list[CheckedRow] = []
    writers: dict[str, str] = {}
    targets: set[str] = set()
    for row in rows:
        if row.crm_field.lower() in targets:
            problems.append(f"{_where(row)}: {row.crm_field} is mapped more than once")
        targets.add(row.crm_field.lower())
        found = _check_row(row, crm_object, fields, set(mail_fields), converters, sync_key_field, writers)
        if isinstance(found, CheckedRow):
            checked.append(found)
        else:
            problems += found
    problems += _table_problems(crm_object, rows, fields, describe, sync_key_field)
    if problems:
        raise MappingError(problems)
    return checked


def _where(row: Row) -> str:
    return f"{row.mail_field or '(fixed value)'} -> {row.crm_field}"


def _check_row(
    row: Row,
    crm_object: str,
    fields: Mapping[str, Mapping[str, Any]],
    known_mail: set[str],
    converters: Mapping[str, ConverterInfo],
    sync_key_field: str,
    writers: dict[str, str],
) -> CheckedRow | list[str]:
    """The row as Salesforce spells it, or its problems."""
    where = _where(row)
    problems: list[str] = []
    if not row.is_fixed and row.value:
        problems.append(f"{where}: a row maps a mailbox field or gives a fixed value, not both")
    if not row.is_fixed and row.mail_field not in known_mail:
        problems.append(
            f"{where}: the mailbox has no field '{row.mail_field}' (known: {', '.join(sorted(known_mail))})"
        )
    field = fields.get(row.crm_field.lower())
    if field is None:
        return [*problems, f"{where}: {crm_object} has no field '{row.crm_field}' in this Salesforce org"]
    name = str(field["name"])
    owned = engine_owned(crm_object, sync_key_field).get(name.lower())
    if owned:
        return [*problems, f"{where}: {crm_object}.{name} cannot be mapped: {owned}"]
    reserved = RESERVED_FOR.get(crm_object.lower(), {}).get(name.lower())
    if reserved and row.mail_field != reserved:
        problems.append(
            f"{where}: {crm_object}.{name} is written from the mailbox's '{reserved}' only "
            "(the engine writes an Event's times together)"
        )
    if row.is_fixed:
        return _check_fixed_row(row, where, field) + problems or _checked(row, field)
    converter = converters.get(row.converter)
    if converter is None:
        return [
            *problems,
            f"{where}: unknown converter '{row.converter}' (known: {', '.join(sorted(converters))})",
        ]
    if field["type"] not in converter.crm_types:
        problems.append(
            f"{where}: the '{row.converter}' converter cannot write a {field['type']} field "
            f"(it writes {', '.join(sorted(converter.crm_types))})"
        )
    if row.writes_crm and not (field.get("createable") or field.get("updateable")):
        problems.append(
            f"{where}: Salesforce does not let anyone write {name}; map it 'Salesforce -> mailbox'"
        )
    if row.direction in ("both", "to_mail"):
        if row.mail_field in writers:
            problems.append(f"{where}: '{row.mail_field}' is already written from {writers[row.mail_field]}")
        writers[row.mail_field] = name
    return problems or _checked(row, field)


def _check_fixed_row(row: Row, where: str, field: Mapping[str, Any]) -> list[str]:
    if not field.get("createable"):
        return [f"{where}: Salesforce does not let anyone set {field['name']} on a new record"]
    wrong = check_fixed(row.value, field)
    return [f"{where}: {wrong}"] if wrong else []


def _checked(row: Row, field: Mapping[str, Any]) -> CheckedRow:
    length = field.get("length") or None
    return CheckedRow(row, str(field["name"]), int(length) if length else None, str(field["type"]))


def _table_problems(
    crm_object: str,
    rows: list[Row],
    fields: Mapping[str, Mapping[str, Any]],
    describe: Mapping[str, Any],
    sync_key_field: str,
) -> list[str]:
    """What the whole table leaves a new record without."""
    written = {r.crm_field.lower() for r in rows if r.writes_crm}
    problems = [
        f"{crm_object} requires {label_of(f)} on every new record: map a mailbox field onto it "
        "(both ways or Mailbox -> Salesforce) or give it a fixed value"
        for f in required_on_create(describe, sync_key_field)
        if str(f["name"]).lower() not in written
    ]
    for mail_field, crm_field in NEEDED_ROWS.get(crm_object.lower(), ()):
        if not any(
            r.mail_field == mail_field and r.crm_field.lower() == crm_field.lower() and r.writes_crm
            for r in rows
        ):
            label = label_of(fields[crm_field.lower()]) if crm_field.lower() in fields else crm_field
            problems.append(
                f"{crm_object} requires {label} on every new record: map '{mail_field}' onto "
                f"{crm_field}, both ways or Mailbox -> Salesforce"
            )
    return problems
