"""Salesforce record ids: 15 case-sensitive characters plus a 3-character case-safe checksum."""

from __future__ import annotations

import itertools
import re
import secrets
import threading

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")

_counter = itertools.count(1)
_counter_lock = threading.Lock()
_POD = "Dn" + secrets.choice("ABCDEFGH")  # a per-process "instance" so ids differ between runs


def checksum(id15: str) -> str:
    out = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out += _SUFFIX[bits]
    return out


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(_ALNUM[rest])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A fresh 18-character id with the given 3-character key prefix."""
    with _counter_lock:
        n = next(_counter)
    id15 = prefix + _POD + _base62(n, 8) + _ALNUM[secrets.randbelow(62)]
    return id15 + checksum(id15)


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID_RE.match(value) is not None


def to18(value: str) -> str:
    """The 18-character form of a 15- or 18-character id (no validation beyond shape)."""
    return value[:15] + checksum(value[:15])
