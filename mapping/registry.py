"""Named converters, so mapping tables can be stored as data ("Subject" uses "text", ...).

Each :class:`Converter` pairs a to-Salesforce and a to-mail function of one value, says which Salesforce
field types it can write (``crm_types``, as in describe's ``type``) and is guarded: any ValueError,
TypeError or AttributeError from odd input comes out as :class:`ConversionError`, which the engine turns
into a per-item issue. Converters that need more than one field or a time zone (all-day events,
reminders, names, addresses, due dates) live in the ``convert_*`` modules and are not registered here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from mapping import convert_contacts as contacts
from mapping import convert_events as events
from mapping import convert_tasks as tasks
from mapping import converters as base
from mapping.timezones import ConversionError, parse_date
from syncengine.core.rules import Direction, FieldRule

__all__ = ["CONVERTERS", "ConversionError", "Converter", "get", "make_rule", "names"]

Convert = Callable[[Any], Any]


def guarded(function: Convert) -> Convert:
    """``function`` with ValueError/TypeError/AttributeError turned into ConversionError."""

    @functools.wraps(function)
    def convert(value: Any) -> Any:
        try:
            return function(value)
        except ConversionError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as error:
            raise ConversionError(f"cannot convert {value!r}: {error}") from error

    return convert


@dataclass(frozen=True)
class Converter:
    name: str
    to_crm: Convert
    to_mail: Convert
    description: str
    crm_types: Set[str] = field(default_factory=frozenset)  # frozen in __post_init__

    def __post_init__(self) -> None:
        object.__setattr__(self, "to_crm", guarded(self.to_crm))
        object.__setattr__(self, "to_mail", guarded(self.to_mail))
        object.__setattr__(self, "crm_types", frozenset(self.crm_types))

    def can_write(self, crm_type: str) -> bool:
        """Whether this converter's output suits a Salesforce field of describe type ``crm_type``."""
        return crm_type in self.crm_types


def _date_to_crm(value: Any) -> str | None:
    """A neutral date ("YYYY-MM-DD", or the UTC day of an instant) -> Salesforce date."""
    if isinstance(value, str) and len(value.strip()) > 10:
        return base.parse_instant(value).date().isoformat()  # type: ignore[union-attr]
    return parse_date(value)


def _date_to_mail(value: Any) -> str | None:
    return parse_date(value)


def _text_to_crm(value: Any) -> str | None:
    return base.text_to_salesforce(value if isinstance(value, str) else None if value is None else str(value))


_TEXT = frozenset({"string", "textarea"})

_ALL = (
    Converter(
        "text",
        _text_to_crm,
        base.text_from_salesforce,
        "Text as is; empty <-> null.",
        _TEXT | {"picklist", "combobox"},
    ),
    Converter(
        "datetime",
        base.instant_to_salesforce,
        base.instant_from_salesforce,
        "Neutral UTC instant <-> Salesforce date-time.",
        {"datetime"},
    ),
    Converter(
        "date",
        _date_to_crm,
        _date_to_mail,
        "Calendar day YYYY-MM-DD (an instant gives its UTC day).",
        {"date"},
    ),
    Converter(
        "boolean", base.boolean, base.boolean, "Only true is true; anything else is false.", {"boolean"}
    ),
    Converter(
        "show_as",
        events.show_as_to_salesforce,
        events.show_as_from_salesforce,
        "Graph showAs <-> ShowAs; tentative/workingElsewhere/unknown become Busy.",
        {"picklist"},
    ),
    Converter(
        "sensitivity_private",
        events.sensitivity_to_is_private,
        events.is_private_to_sensitivity,
        "private/confidential <-> IsPrivate true; back as private or normal.",
        {"boolean"},
    ),
    Converter(
        "task_status",
        tasks.task_status_to_salesforce,
        tasks.task_status_from_salesforce,
        "To Do status <-> Task Status; unknown values -> Not Started / notStarted.",
        {"picklist"},
    ),
    Converter(
        "task_priority",
        tasks.priority_to_salesforce,
        tasks.priority_from_salesforce,
        "importance low/normal/high <-> Priority Low/Normal/High; unknown -> Normal / normal.",
        {"picklist"},
    ),
    Converter(
        "categories_text",
        events.categories_to_text,
        events.categories_from_text,
        "Categories <-> 'A;B' sorted, without the sync-control categories.",
        _TEXT | {"multipicklist"},
    ),
    Converter(
        "phone",
        contacts.phone_to_salesforce,
        contacts.phone_from_salesforce,
        "One phone number, trimmed; blank <-> null.",
        {"phone", "string"},
    ),
    Converter(
        "email",
        base.email_to_salesforce,
        base.email_from_salesforce,
        "One e-mail address, trimmed and lower-cased; blank <-> null.",
        {"email", "string"},
    ),
    Converter(
        "last_name",
        base.last_name_to_salesforce,
        base.text_from_salesforce,
        "A required name: blank becomes '(no name)' in Salesforce.",
        _TEXT,
    ),
    Converter(
        "birthday",
        contacts.birthday_to_salesforce,
        contacts.birthday_from_salesforce,
        "Graph birthday date-time <-> Birthdate (day of the nearest UTC midnight).",
        {"date"},
    ),
)

CONVERTERS: Mapping[str, Converter] = {converter.name: converter for converter in _ALL}


def names() -> list[str]:
    return sorted(CONVERTERS)


def get(name: str) -> Converter:
    """The converter called ``name``; KeyError naming the valid ones otherwise."""
    try:
        return CONVERTERS[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown converter {name!r}; valid names: {', '.join(names())}") from None


def make_rule(
    key: str,
    crm_field: str,
    converter: str,
    direction: Direction | str = Direction.BOTH,
    max_length: int | None = None,
    crm_type: str = "",
) -> FieldRule:
    """A FieldRule from stored data: the converter is named, not imported."""
    chosen = get(converter)
    return FieldRule(
        key, crm_field, Direction(direction), chosen.to_crm, chosen.to_mail, max_length, crm_type
    )
