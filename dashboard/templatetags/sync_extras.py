"""Small display helpers for the dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from syncengine.core.code_words import CODE_WORDS, words_for

register = template.Library()

NAMES = {"to_crm": "to Salesforce", "to_mail": "to mailbox", "pairs": "links"}


@register.filter
def direction_counts(counts: dict[str, Any] | None) -> list[tuple[str, str, dict[str, int]]]:
    """Flatten {"events": {"to_crm": {...}}} into rows (stream, direction, counts) for a table; a count
    kept under a reason's code ("left alone": {"internal_or_blocked": 2}) is named in words. The largest
    count comes first: PostgreSQL's jsonb does not keep the order the session wrote its keys in."""
    rows = []
    for stream, directions in (counts or {}).items():
        for direction, numbers in directions.items():
            if any(numbers.values()):
                ordered = sorted(numbers.items(), key=lambda item: (-item[1], item[0]))
                named = {_named(key): value for key, value in ordered}
                rows.append((stream, NAMES.get(direction, direction), named))
    return rows


def _named(key: str) -> str:
    words = CODE_WORDS.get(key)
    return words.text.rstrip(".") if words is not None else key.replace("_", " ")


@register.filter
def ago(value: datetime | None) -> str:
    """ "just now" for under a minute (never "0 minutes ago"), else "5 minutes ago"."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"


@register.filter
def todo(code: str) -> str:
    """What to do about a code (syncengine/core/code_words.py); "" when nothing is needed."""
    return words_for(code).todo if code else ""
