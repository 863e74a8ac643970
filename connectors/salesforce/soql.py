"""Building SOQL for many values at once, split only where one REST call's URI would grow too long.

A query travels in the URI of a GET: Salesforce answers 414 when URI and headers pass 16,384 bytes, so
value lists (IN, or LIKE patterns OR-ed together) are split across as few queries as fit that budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

URI_BUDGET = 12_000  # bytes of encoded query string per call, leaving room for the path and headers
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


_ESCAPES = str.maketrans(
    {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)


def quote(value: str) -> str:
    """A SOQL string literal: every character SOQL escapes is escaped (an odd address with a line break
    must not break a whole session's lookup query)."""
    return "'" + value.translate(_ESCAPES) + "'"


def like_contains(value: str) -> str:
    """A LIKE pattern literal matching text that contains ``value`` (``%``/``_`` in it taken literally)."""
    text = value.translate(_ESCAPES).replace("%", "\\%").replace("_", "\\_")
    return f"'%{text}%'"


def quote_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"not a Salesforce id: {value!r}")
    return f"'{value}'"


# describe ``type`` -> how SOQL spells its literals. Anything not listed is refused, never guessed.
TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    }
)
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"int", "long", "double", "currency", "percent"})


def literal(value: Any, field_type: str) -> str:
    """The SOQL literal of ``value`` for a field of describe type ``field_type``.

    The type comes from the field, never from how the value looks: a subject "2030-01-15" is a
    quoted string, a date field's value a bare date. A value that cannot be of that type raises
    ValueError (a bad literal must not become a query Salesforce refuses whole)."""
    if value is None:
        return "null"
    if field_type in TEXT_TYPES:
        return quote(value if isinstance(value, str) else str(value))
    if field_type in ID_TYPES:
        return quote_id(str(value))
    if field_type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"not a boolean: {value!r}")
        return "true" if value else "false"
    if field_type in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"not a number: {value!r}")
        return repr(value) if isinstance(value, float) else str(value)
    if field_type == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if not isinstance(value, str) or not _DAY.match(value):
            raise ValueError(f"not a date: {value!r}")
        return date.fromisoformat(value).isoformat()
    if field_type == "datetime":
        moment = value if isinstance(value, datetime) else _instant(str(value))
        if moment.tzinfo is None:
            raise ValueError(f"not a date-time with its offset: {value!r}")
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise ValueError(f"no SOQL literal for a {field_type or 'untyped'} field")


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$")


def _instant(text: str) -> datetime:
    """An ISO instant with its offset, in Salesforce's or Graph's spelling (``.000+0000``, ``Z``)."""
    match = _INSTANT.match(text.strip())
    if match is None:
        raise ValueError(f"not a date-time with its offset: {text!r}")
    head, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
    return datetime.fromisoformat(f"{head}.{(fraction or '0')[:6]}{zone}")


@dataclass(frozen=True)
class Terms:
    """One condition over many values: ``field IN (...)``, or ``field LIKE v1 OR field LIKE v2 ...``.

    ``values`` are SOQL literals already; ``guard`` is AND-ed to the values (e.g. an owner filter).
    """

    field: str
    values: Sequence[str]
    like: bool = False
    guard: str = ""

    def render(self, values: Sequence[str]) -> str:
        if self.like:
            core = " OR ".join(f"{self.field} LIKE {v}" for v in values)
        else:
            core = f"{self.field} IN ({', '.join(values)})"
        return f"({self.guard} AND ({core}))" if self.guard else f"({core})"


def chunked(select: str, terms: Sequence[Terms], order: str = "", budget: int = URI_BUDGET) -> list[str]:
    """Queries ``select WHERE t1 OR t2 ...`` covering every value of every term, each within budget."""

    def render(parts: dict[int, list[str]]) -> str:
        where = " OR ".join(terms[i].render(parts[i]) for i in sorted(parts))
        return f"{select} WHERE {where}" + (f" {order}" if order else "")

    queries: list[str] = []
    current: dict[int, list[str]] = {}
    for index, term in enumerate(terms):
        for value in dict.fromkeys(term.values):
            trial = {k: list(v) for k, v in current.items()}
            trial.setdefault(index, []).append(value)
            if current and len(urlencode({"q": render(trial)})) > budget:
                queries.append(render(current))
                trial = {index: [value]}
            current = trial
    if current:
        queries.append(render(current))
    return queries


def packed(select: str, conditions: Sequence[str], order: str = "", budget: int = URI_BUDGET) -> list[str]:
    """Queries ``select WHERE c1 OR c2 ...`` over as few calls as fit the URI budget (linear time)."""
    tail = f" {order}" if order else ""
    return _packed(f"{select} WHERE ", conditions, " OR ", tail, budget)


def packed_in(
    select: str, field: str, literals: Sequence[str], order: str = "", budget: int = URI_BUDGET
) -> list[str]:
    """``field IN (...)`` over as few queries as fit the URI budget (linear time)."""
    tail = f" {order}" if order else ""
    return _packed(f"{select} WHERE {field} IN (", literals, ", ", f"){tail}", budget)


def _packed(head: str, parts: Sequence[str], joiner: str, tail: str, budget: int) -> list[str]:
    """``head`` + distinct ``parts`` joined by ``joiner`` + ``tail``, in as few queries as keep each
    one's encoded ``q=`` parameter within ``budget``."""
    base = len(urlencode({"q": f"{head}{tail}"}))
    join = len(urlencode({"q": joiner})) - 2
    queries: list[str] = []
    current: list[str] = []
    size = base
    for part in dict.fromkeys(parts):
        extra = len(urlencode({"q": part})) - 2 + (join if current else 0)
        if current and size + extra > budget:
            queries.append(f"{head}{joiner.join(current)}{tail}")
            current, size = [], base
            extra = len(urlencode({"q": part})) - 2
        current.append(part)
        size += extra
    if current:
        queries.append(f"{head}{joiner.join(current)}{tail}")
    return queries
