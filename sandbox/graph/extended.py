"""Single-value extended properties (MAPI properties of an application's own) on events, contacts and
To Do tasks, as Graph keeps them: written in a create or update body (``singleValueExtendedProperties``:
``[{"id": "String {guid} Name X", "value": "..."}]``), never shown unless asked for with
``$expand=singleValueExtendedProperties($filter=id eq '...')``, and found with
``$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`` (clauses may be
joined with ``or``). Any other ``$filter`` or ``$expand`` on these lists is refused, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sandbox.base import Request
from sandbox.graph.errors import GraphError

KEY = "singleValueExtendedProperties"
T = TypeVar("T")
Stored = dict[str, tuple[str, str]]  # id, casefolded -> (id as written, value)

_ID = re.compile(
    r"^(?P<type>[A-Za-z]+)\s+(?:0x[0-9a-fA-F]{1,4}|\{[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}"
    r"\s+(?:Name\s+\S.*|Id\s+0x[0-9a-fA-F]{1,8}))$"
)
_LITERAL = r"'((?:[^']|'')*)'"
_CLAUSE = re.compile(
    rf"\(?\s*{KEY}/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+{_LITERAL}\s+and\s+\1/value\s+eq\s+{_LITERAL}\s*\)\s*\)?",
    re.IGNORECASE,
)
_EXPAND = re.compile(rf"^{KEY}\(\s*\$filter\s*=\s*id\s+eq\s+{_LITERAL}\s*\)$", re.IGNORECASE)


def _bad(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidProperty", message)


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def parse(value: Any) -> Stored:
    """The properties of a request body; raises like Graph on a malformed one."""
    if not isinstance(value, list):
        raise _bad("singleValueExtendedProperties must be a collection.")
    out: Stored = {}
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise _bad("An extended property needs an id.")
        prop_id = " ".join(entry["id"].split())
        if not _ID.match(prop_id):
            raise GraphError(
                400, "ErrorInvalidExtendedPropertyValue", f"The property id '{entry['id']}' is not valid."
            )
        raw = entry.get("value", entry.get("Value"))
        if not isinstance(raw, str):
            raise _bad("A single-value extended property's value must be a string.")
        out[prop_id.casefold()] = (prop_id, raw)
    return out


def of(item: Any) -> Stored:
    """What a stored event, contact or task holds (each keeps its properties in ``fields``)."""
    return item.fields.get(KEY) or {}


def merged(before: Stored | None, changes: Stored | None) -> Stored:
    """An update adds or replaces the properties it names; the others stay."""
    return {**(before or {}), **(changes or {})}


def _filter(request: Request) -> Callable[[Stored], bool] | None:
    text = request.query.get("$filter")
    if text is None:
        return None
    wanted: list[tuple[str, str]] = []
    rest = _CLAUSE.sub(lambda m: (wanted.append((m.group(2), m.group(3))), "\0")[1], text.strip())
    if not wanted or re.sub(r"\s*\bor\b\s*", "", rest, flags=re.IGNORECASE) != "\0" * len(wanted):
        raise GraphError(400, "BadRequest", f"Invalid filter clause: {text}")
    tests = [(_unquote(i).casefold(), _unquote(v)) for i, v in wanted]

    def test(stored: Stored) -> bool:
        return any(stored.get(prop_id, ("", None))[1] == value for prop_id, value in tests)

    return test


def filtered(request: Request, items: Sequence[T], stored: Callable[[T], Stored]) -> list[T]:
    """``$filter`` on the extended properties: the items that hold one of the named values."""
    test = _filter(request)
    return list(items) if test is None else [i for i in items if test(stored(i))]


def expanded(request: Request, shape: dict[str, Any], stored: Stored | None) -> dict[str, Any]:
    """``$expand``: the named property, when the item has it (left out otherwise, as Graph does)."""
    text = request.query.get("$expand")
    if text is None:
        return shape
    match = _EXPAND.match(text.strip())
    if match is None:
        raise GraphError(400, "BadRequest", f"Parsing OData Select and Expand failed: {text}")
    found = (stored or {}).get(_unquote(match.group(1)).casefold())
    if found is None:
        return shape
    return {**shape, KEY: [{"id": found[0], "value": found[1]}]}
