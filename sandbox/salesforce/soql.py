"""A SOQL subset: parse, bind to an sObject's fields, filter, sort and project records.

SELECT f1, Rel.f2 | COUNT() | COUNT(f) FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
[LIMIT n] [OFFSET n]; conditions with AND/OR/NOT/parentheses, = != <> < > <= >= LIKE IN NOT IN, and literals:
strings, numbers, true/false, null, datetimes, dates, TODAY/YESTERDAY/TOMORROW/LAST_N_DAYS:n/NEXT_N_DAYS:n.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.ids import is_id
from sandbox.salesforce.schema import ID_TYPES, TEXT_TYPES, FieldDef, SObjectType
from sandbox.salesforce.values import end_of_day, parse_date, parse_datetime, start_of_day

Record = dict[str, Any]

_TOKEN_RE = re.compile(
    r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<num>-?\d+(?:\.\d+)?)
    |(?P<op>!=|<>|<=|>=|=|<|>)
    |(?P<punct>[(),])
    |(?P<ident>[A-Za-z_][A-Za-z0-9_.]*(?::\d+)?)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_KEYWORDS = {"SELECT", "FROM", "WHERE", "ORDER", "BY", "LIMIT", "OFFSET", "AND", "OR", "NOT", "IN", "LIKE"}


@dataclass
class Token:
    kind: str
    text: str
    pos: int

    def word(self) -> str:
        return self.text.upper() if self.kind == "ident" else ""


@dataclass
class Literal:
    kind: str  # str num bool null datetime date range
    value: Any = None
    end: Any = None  # for ranges: the last instant


@dataclass
class Query:
    sobject: str
    fields: list[str] = field(default_factory=list)
    count: str | None = None  # "" for COUNT(), a field for COUNT(field)
    count_alias: str = "expr0"
    where: Any = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # path, descending, nulls first
    limit: int | None = None
    offset: int = 0


def malformed(text: str, token: Token | None, detail: str | None = None) -> SalesforceError:
    if token is None:
        message = detail or "unexpected end of query"
        return SalesforceError("MALFORMED_QUERY", message)
    column = token.pos + 1
    message = f"\n{text}\n{' ' * token.pos}^\nERROR at Row:1:Column:{column}\n"
    message += detail or f"unexpected token: '{token.text}'"
    return SalesforceError("MALFORMED_QUERY", message)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.end() == pos:
            start = len(text[pos:]) - len(text[pos:].lstrip()) + pos
            raise malformed(text, Token("?", text[start], start))
        kind = match.lastgroup or "?"
        value = match.group(kind)
        tokens.append(Token(kind, value, match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise malformed(self.text, None)
        self.i += 1
        return token

    def accept(self, word: str) -> bool:
        token = self.peek()
        if token is not None and (token.word() == word or (token.kind == "punct" and token.text == word)):
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise malformed(self.text, self.peek(), None if self.peek() else f"expecting {word}")

    def ident(self) -> str:
        token = self.next()
        if token.kind != "ident" or token.word() in _KEYWORDS:
            raise malformed(self.text, token)
        return token.text

    def parse(self) -> Query:
        self.expect("SELECT")
        query = Query("")
        while True:
            name = self.ident()
            if name.upper() == "COUNT" and self.accept("("):
                query.count = "" if self.accept(")") else self.ident()
                if query.count:
                    self.expect(")")
                    alias = self.peek()
                    if alias is not None and alias.kind == "ident" and alias.word() not in _KEYWORDS:
                        query.count_alias = self.ident()
            else:
                query.fields.append(name)
            if not self.accept(","):
                break
        if query.count is not None and query.fields:
            raise malformed(self.text, None, "Aggregate query does not support this field list")
        self.expect("FROM")
        query.sobject = self.ident()
        if self.accept("WHERE"):
            query.where = self.condition()
        if self.accept("ORDER"):
            self.expect("BY")
            while True:
                path = self.ident()
                descending = False
                if self.accept("DESC"):
                    descending = True
                else:
                    self.accept("ASC")
                nulls_first = not descending
                if self.accept("NULLS"):
                    if self.accept("FIRST"):
                        nulls_first = True
                    else:
                        self.expect("LAST")
                        nulls_first = False
                query.order.append((path, descending, nulls_first))
                if not self.accept(","):
                    break
        if self.accept("LIMIT"):
            query.limit = self.integer()
        if self.accept("OFFSET"):
            query.offset = self.integer()
        if self.peek() is not None:
            raise malformed(self.text, self.peek())
        return query

    def integer(self) -> int:
        token = self.next()
        if token.kind != "num" or not token.text.isdigit():
            raise malformed(self.text, token)
        return int(token.text)

    def condition(self) -> Any:
        node = self.conjunction()
        parts = [node]
        while self.accept("OR"):
            parts.append(self.conjunction())
        return ("or", parts) if len(parts) > 1 else node

    def conjunction(self) -> Any:
        parts = [self.negation()]
        while self.accept("AND"):
            parts.append(self.negation())
        return ("and", parts) if len(parts) > 1 else parts[0]

    def negation(self) -> Any:
        if self.accept("NOT"):
            return ("not", self.negation())
        if self.accept("("):
            node = self.condition()
            self.expect(")")
            return node
        return self.comparison()

    def comparison(self) -> Any:
        path = self.ident()
        token = self.next()
        if token.kind == "op":
            return ("cmp", path, "!=" if token.text == "<>" else token.text, self.literal())
        word = token.word()
        if word == "LIKE":
            pattern = self.literal()
            if pattern.kind != "str":
                raise malformed(self.text, token, "LIKE needs a quoted string")
            return ("like", path, pattern.value)
        negate = False
        if word == "NOT":
            negate = True
            token = self.next()
            word = token.word()
        if word == "IN":
            self.expect("(")
            values = [self.literal()]
            while self.accept(","):
                values.append(self.literal())
            self.expect(")")
            return ("in", path, negate, values)
        raise malformed(self.text, token)

    def literal(self) -> Literal:
        token = self.next()
        if token.kind == "str":
            body = token.text[1:-1]
            return Literal(
                "str", re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)
            )
        if token.kind == "num":
            return Literal("num", float(token.text))
        if token.kind == "datetime":
            value = parse_datetime(token.text)
            if value is None:
                raise malformed(self.text, token)
            return Literal("datetime", value)
        if token.kind == "date":
            day = parse_date(token.text)
            if day is None:
                raise malformed(self.text, token)
            return Literal("date", day)
        word = token.word()
        if word in {"TRUE", "FALSE"}:
            return Literal("bool", word == "TRUE")
        if word == "NULL":
            return Literal("null")
        date_range = _date_literal(word)
        if date_range is not None:
            return Literal("range", date_range[0], date_range[1])
        raise malformed(self.text, token)


def _date_literal(word: str) -> tuple[datetime, datetime] | None:
    today = datetime.now(UTC).date()

    def days(first: date, last: date) -> tuple[datetime, datetime]:
        return start_of_day(first), end_of_day(last)

    fixed = {
        "TODAY": (today, today),
        "YESTERDAY": (today - timedelta(days=1), today - timedelta(days=1)),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=1)),
    }
    if word in fixed:
        return days(*fixed[word])
    match = re.match(r"^(LAST|NEXT)_N_DAYS:(\d+)$", word)
    if match:
        n = int(match.group(2))
        if match.group(1) == "LAST":
            return days(today - timedelta(days=n), today)
        return days(today, today + timedelta(days=n))
    return None


def parse(text: str) -> Query:
    return _Parser(text).parse()


# -- binding and evaluation ------------------------------------------------------------------------
TypeLookup = Callable[[str], SObjectType | None]
RecordLookup = Callable[[str], tuple[SObjectType, Record] | None]


@dataclass
class Path:
    """A selected or filtered field: a field of the object, or Relationship.Field on its parent."""

    fdef: FieldDef
    relation: FieldDef | None = None  # the reference field when the path goes through a parent

    @property
    def key(self) -> str:
        return f"{self.relation.relationship_name}.{self.fdef.name}" if self.relation else self.fdef.name


def no_such_column(name: str, sobject: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def bind(otype: SObjectType, name: str, types: TypeLookup) -> Path:
    parts = name.split(".")
    if len(parts) == 1:
        fdef = otype.field(name)
        if fdef is None:
            raise no_such_column(name, otype.name)
        return Path(fdef)
    if len(parts) == 2:
        relation = next(
            (
                f
                for f in otype.fields.values()
                if f.relationship_name and f.relationship_name.lower() == parts[0].lower()
            ),
            None,
        )
        if relation is None:
            raise SalesforceError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{parts[0]}' in field path. If you are attempting to use "
                "a custom relationship, be sure to append the '__r' after the custom relationship name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
            )
        for target_name in relation.reference_to:
            target = types(target_name)
            fdef = target.field(parts[1]) if target else None
            if fdef is not None:
                return Path(fdef, relation)
        raise no_such_column(parts[1], relation.reference_to[0])
    raise no_such_column(name, otype.name)


class Evaluator:
    def __init__(self, query: Query, otype: SObjectType, types: TypeLookup, lookup: RecordLookup) -> None:
        self.query = query
        self.otype = otype
        self.types = types
        self.lookup = lookup
        self.select = [bind(otype, name, types) for name in query.fields]
        seen: set[str] = set()
        for path in self.select:
            if path.key.lower() in seen:
                raise SalesforceError("MALFORMED_QUERY", f"duplicate field selected: {path.key}")
            seen.add(path.key.lower())
        self.where = self._bind_condition(query.where)
        self.order = [(bind(otype, p, types), desc, nf) for p, desc, nf in query.order]
        if query.count:
            bind(otype, query.count, types)

    def _bind_condition(self, node: Any) -> Any:
        if node is None:
            return None
        kind = node[0]
        if kind in {"and", "or"}:
            return (kind, [self._bind_condition(n) for n in node[1]])
        if kind == "not":
            return ("not", self._bind_condition(node[1]))
        path = bind(self.otype, node[1], self.types)
        if path.fdef.type == "base64":
            raise SalesforceError(
                "INVALID_FIELD", f"field '{path.fdef.name}' can not be filtered in a query call"
            )
        if kind == "cmp":
            _check_literal(path.fdef, node[3])
            return ("cmp", path, node[2], node[3])
        if kind == "in":
            for item in node[3]:
                _check_literal(path.fdef, item)
            return ("in", path, node[2], node[3])
        if path.fdef.type not in TEXT_TYPES | ID_TYPES:
            raise SalesforceError(
                "INVALID_FIELD",
                f"invalid operator on field: {path.fdef.name}. LIKE works on text fields only",
            )
        regex = "".join(
            ".*" if ch == "%" else "." if ch == "_" else re.escape(ch[-1])
            for ch in re.findall(r"\\.|.", node[2], re.DOTALL)
        )
        return ("like", path, re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL))

    # -- values --
    def raw(self, record: Record, path: Path) -> Any:
        if path.relation is None:
            return record.get(path.fdef.name)
        parent_id = record.get(path.relation.name)
        parent = self.lookup(parent_id) if parent_id else None
        if parent is None or path.fdef.name not in parent[0].fields:
            return None
        return parent[1].get(path.fdef.name)

    def matches(self, record: Record) -> bool:
        return self.where is None or self._test(self.where, record)

    def _test(self, node: Any, record: Record) -> bool:
        kind = node[0]
        if kind == "and":
            return all(self._test(n, record) for n in node[1])
        if kind == "or":
            return any(self._test(n, record) for n in node[1])
        if kind == "not":
            return not self._test(node[1], record)
        path: Path = node[1]
        value = self.raw(record, path)
        if kind == "like":
            return value is not None and node[2].match(str(value)) is not None
        if kind == "in":
            hit = value is not None and any(_compare(path.fdef, value, "=", lit) for lit in node[3])
            return hit != node[2]
        op, literal = node[2], node[3]
        if literal.kind == "null":
            return (value is None) == (op == "=") if op in {"=", "!="} else False
        if value is None:
            return op == "!="
        return _compare(path.fdef, value, op, literal)

    def sort(self, records: list[Record]) -> list[Record]:
        if not self.order:
            return records

        def cmp(a: Record, b: Record) -> int:
            for path, descending, nulls_first in self.order:
                va, vb = _sort_value(path.fdef, self.raw(a, path)), _sort_value(path.fdef, self.raw(b, path))
                if va is None and vb is None:
                    continue
                if va is None or vb is None:
                    return (-1 if nulls_first else 1) * (1 if va is None else -1)
                result = (va > vb) - (va < vb)
                if result:
                    return -result if descending else result
            return 0

        return sorted(records, key=functools.cmp_to_key(cmp))

    def project(self, record: Record, version: str) -> Record:
        out: Record = {"attributes": _attributes(self.otype.name, record["Id"], version)}
        for path in self.select:
            if path.relation is None:
                out[path.fdef.name] = record.get(path.fdef.name)
                if path.fdef.type == "base64" and record.get(path.fdef.name):
                    out[path.fdef.name] = blob_url(self.otype.name, record["Id"], path.fdef.name, version)
                continue
            rel = path.relation.relationship_name or path.relation.name
            parent_id = record.get(path.relation.name)
            parent = self.lookup(parent_id) if parent_id else None
            if parent is None:
                out[rel] = None
                continue
            nested = out.get(rel) or {"attributes": _attributes(parent[0].name, parent[1]["Id"], version)}
            nested[path.fdef.name] = (
                parent[1].get(path.fdef.name) if path.fdef.name in parent[0].fields else None
            )
            out[rel] = nested
        return out


def blob_url(sobject: str, record_id: str, field_name: str, version: str) -> str:
    """Queries answer a blob field with the URL that serves its bytes, never the bytes themselves."""
    return f"/services/data/v{version}/sobjects/{sobject}/{record_id}/{field_name}"


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


_EXPECTED = {
    "datetime": "dateTime",
    "date": "date",
    "boolean": "boolean",
    "int": "number",
    "double": "number",
}


def _check_literal(fdef: FieldDef, literal: Literal) -> None:
    if literal.kind == "null":
        return
    kind = fdef.type
    ok = {
        "datetime": {"datetime", "range"},
        "date": {"date", "range"},
        "boolean": {"bool"},
        "int": {"num"},
        "double": {"num"},
        "currency": {"num"},
    }.get(kind, {"str"})
    if literal.kind not in ok:
        expected = _EXPECTED.get(kind, "string")
        quoted = (
            "should be enclosed in quotes" if expected == "string" else "should not be enclosed in quotes"
        )
        raise SalesforceError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{fdef.name}' must be of type {expected} and {quoted}",
        )
    if kind in ID_TYPES and not is_id(literal.value):
        raise SalesforceError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}")


def _as_datetime(fdef: FieldDef, value: Any) -> datetime | None:
    if fdef.type == "date":
        day = parse_date(value)
        return start_of_day(day) if day else None
    return parse_datetime(value)


def _sort_value(fdef: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if fdef.type in {"datetime", "date"}:
        return _as_datetime(fdef, value)
    if fdef.type in TEXT_TYPES:
        return str(value).lower()
    return value


def _compare(fdef: FieldDef, value: Any, op: str, literal: Literal) -> bool:
    if literal.kind == "null":
        return False
    if literal.kind == "range":
        moment = _as_datetime(fdef, value)
        if moment is None:
            return False
        first, last = literal.value, literal.end
        return {
            "=": first <= moment <= last,
            "!=": not first <= moment <= last,
            "<": moment < first,
            "<=": moment <= last,
            ">": moment > last,
            ">=": moment >= first,
        }[op]
    left: Any
    right: Any
    if fdef.type in ID_TYPES:
        left, right = str(value)[:15], str(literal.value)[:15]
    elif fdef.type in {"datetime", "date"}:
        left = _as_datetime(fdef, value)
        right = literal.value if literal.kind == "datetime" else start_of_day(literal.value)
        if fdef.type == "date" and literal.kind == "date":
            right = start_of_day(literal.value)
    elif fdef.type in TEXT_TYPES:
        left, right = str(value).lower(), str(literal.value).lower()
    else:
        left, right = value, literal.value
    if left is None:
        return False
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
