"""Checking a mapping table against the org's Salesforce describe, before any sync uses it (pure).

A bad row is refused with a message an org admin can act on; nothing is discovered at sync time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class ConverterInfo(Protocol):
    crm_types: frozenset[str] | set[str]


@dataclass(frozen=True)
class Row:
    mail_field: str
    crm_field: str
    direction: str  # both | to_crm | to_mail | none
    converter: str


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
) -> list[CheckedRow]:
    """Every problem in the table at once, or the rows with Salesforce's names and lengths."""
    fields = {str(f["name"]).lower(): f for f in describe.get("fields", [])}
    known_mail = set(mail_fields)
    problems: list[str] = []
    checked: list[CheckedRow] = []
    writers: dict[str, str] = {}
    targets: set[str] = set()
    for row in rows:
        where = f"{row.mail_field} -> {row.crm_field}"
        field = fields.get(row.crm_field.lower())
        if row.crm_field.lower() in targets:
            problems.append(f"{where}: {row.crm_field} is mapped more than once")
        targets.add(row.crm_field.lower())
        converter = converters.get(row.converter)
        if row.mail_field not in known_mail:
            problems.append(
                f"{where}: the mailbox has no field '{row.mail_field}' "
                f"(known: {', '.join(sorted(known_mail))})"
            )
        if field is None:
            problems.append(f"{where}: {crm_object} has no field '{row.crm_field}' in this Salesforce org")
            continue
        if converter is None:
            problems.append(
                f"{where}: unknown converter '{row.converter}' (known: {', '.join(sorted(converters))})"
            )
            continue
        if field["type"] not in converter.crm_types:
            problems.append(
                f"{where}: the '{row.converter}' converter cannot write a {field['type']} field "
                f"(it writes {', '.join(sorted(converter.crm_types))})"
            )
        if row.direction in ("both", "to_crm") and not (field.get("createable") or field.get("updateable")):
            problems.append(
                f"{where}: Salesforce does not let anyone write {field['name']}; "
                "map it 'Salesforce -> mailbox'"
            )
        if row.direction in ("both", "to_mail"):
            if row.mail_field in writers:
                problems.append(
                    f"{where}: '{row.mail_field}' is already written from {writers[row.mail_field]}"
                )
            writers[row.mail_field] = field["name"]
        length = field.get("length") or None
        checked.append(
            CheckedRow(row, str(field["name"]), int(length) if length else None, str(field["type"]))
        )
    if problems:
        raise MappingError(problems)
    return checked
