"""Building SOQL for many values at once, split only where one REST call's URI would grow too long.

A query travels in the URI of a GET: Salesforce answers 414 when URI and headers pass 16,384 bytes, so
value lists (IN, or LIKE patterns OR-ed together) are split across as few queries as fit that budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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
    base = len(urlencode({"q": f"{select} WHERE {tail}"}))
    joiner = len(urlencode({"q": " OR "})) - 2
    queries: list[str] = []
    current: list[str] = []
    size = base
    for condition in dict.fromkeys(conditions):
        extra = len(urlencode({"q": condition})) - 2 + (joiner if current else 0)
        if current and size + extra > budget:
            queries.append(f"{select} WHERE {' OR '.join(current)}{tail}")
            current, size = [], base
            extra = len(urlencode({"q": condition})) - 2
        current.append(condition)
        size += extra
    if current:
        queries.append(f"{select} WHERE {' OR '.join(current)}{tail}")
    return queries


def packed_in(
    select: str, field: str, literals: Sequence[str], order: str = "", budget: int = URI_BUDGET
) -> list[str]:
    """``field IN (...)`` over as few queries as fit the URI budget (linear time)."""
    tail = f" {order}" if order else ""
    base = len(urlencode({"q": f"{select} WHERE {field} IN (){tail}"}))
    queries: list[str] = []
    current: list[str] = []
    size = base
    for literal in dict.fromkeys(literals):
        extra = len(urlencode({"q": literal})) - 2 + (len(urlencode({"q": ", "})) - 2 if current else 0)
        if current and size + extra > budget:
            queries.append(f"{select} WHERE {field} IN ({', '.join(current)}){tail}")
            current, size = [], base
            extra = len(urlencode({"q": literal})) - 2
        current.append(literal)
        size += extra
    if current:
        queries.append(f"{select} WHERE {field} IN ({', '.join(current)}){tail}")
    return queries
