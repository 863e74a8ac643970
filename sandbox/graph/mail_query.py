"""The OData ``$filter`` subset Outlook mail accepts on messages and folders, as predicates.

Messages: ``receivedDateTime ge|gt|le|lt <instant>``, ``conversationId eq '..'``, ``internetMessageId eq
'..'``, ``isDraft eq true|false``, ``categories/any(c:c eq '..')``, joined with ``and``. Folders:
``displayName eq '..'``. Anything else answers 400 as Graph does for filters it cannot run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sandbox.graph.errors import GraphError
from sandbox.graph.mail import MailFolder, StoredMessage, parse_instant

STRING = r"'((?:[^']|'')*)'"
CLAUSES = [
    ("received", re.compile(r"^receivedDateTime\s+(ge|gt|le|lt)\s+'?([0-9T:.\-+Z]+)'?$", re.I)),
    (
        "string",
        re.compile(r"^(conversationId|internetMessageId|parentFolderId)\s+eq\s+" + STRING + r"$", re.I),
    ),
    ("draft", re.compile(r"^isDraft\s+eq\s+(true|false)$", re.I)),
    ("category", re.compile(r"^categories/any\((\w+):\s*\1\s+eq\s+" + STRING + r"\)$", re.I)),
]
COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}
FIELD = {"conversationid": "conversationId", "internetmessageid": "internetMessageId"}

MessageTest = Callable[[StoredMessage], bool]


def invalid_filter(text: str) -> GraphError:
    return GraphError(400, "ErrorInvalidUrlQueryFilter", f"The query filter '{text}' is not supported.")


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def _clause(text: str) -> MessageTest:
    for kind, pattern in CLAUSES:
        match = pattern.match(text.strip())
        if match is None:
            continue
        if kind == "received":
            op, moment = match.group(1).lower(), parse_instant(match.group(2))
            return lambda m: COMPARE[op](m.received, moment)
        if kind == "string":
            name, value = match.group(1).lower(), _unquote(match.group(2))
            if name == "parentfolderid":
                return lambda m: m.folder_id == value
            return lambda m: m.fields[FIELD[name]] == value
        if kind == "draft":
            wanted = match.group(1).lower() == "true"
            return lambda m: m.fields["isDraft"] is wanted
        category = _unquote(match.group(2)).casefold()
        return lambda m: any(c.casefold() == category for c in m.fields["categories"])
    raise invalid_filter(text)


def message_filter(text: str | None) -> MessageTest:
    if not text or not text.strip():
        return lambda m: True
    tests = [_clause(part) for part in re.split(r"\s+and\s+", text.strip(), flags=re.I)]
    return lambda m: all(test(m) for test in tests)


def received_floor(text: str | None) -> tuple[datetime | None, bool]:
    """The only filter a message delta takes: ``receivedDateTime ge|gt <instant>`` -> (instant, strict)."""
    if not text or not text.strip():
        return None, False
    match = CLAUSES[0][1].match(text.strip())
    if match is None or match.group(1).lower() not in ("ge", "gt"):
        raise invalid_filter(text)
    return parse_instant(match.group(2)), match.group(1).lower() == "gt"


def folder_filter(text: str | None) -> Callable[[MailFolder], bool]:
    if not text or not text.strip():
        return lambda f: True
    match = re.match(r"^displayName\s+eq\s+" + STRING + r"$", text.strip(), re.I)
    if match is None:
        raise invalid_filter(text)
    wanted = _unquote(match.group(1)).casefold()
    return lambda f: f.display_name.casefold() == wanted


def order(messages: list[StoredMessage], orderby: str | None) -> list[StoredMessage]:
    """``$orderby=receivedDateTime [asc|desc]``; the store's order (newest first) otherwise."""
    if not orderby:
        return messages
    match = re.match(r"^receivedDateTime(?:\s+(asc|desc))?$", orderby.strip(), re.I)
    if match is None:
        raise GraphError(400, "ErrorInvalidUrlQuery", f"The $orderby '{orderby}' is not supported.")
    descending = (match.group(1) or "asc").lower() == "desc"
    return sorted(messages, key=lambda m: (m.fields["receivedDateTime"], m.created, m.id), reverse=descending)
