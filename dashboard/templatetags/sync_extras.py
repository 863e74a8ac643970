"""Small display helpers for the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def direction_counts(counts: dict[str, Any] | None) -> list[tuple[str, str, dict[str, int]]]:
    """Flatten {"events": {"to_crm": {...}}} into rows (stream, direction, counts) for a table."""
    names = {"to_crm": "to Salesforce", "to_mail": "to mailbox", "pairs": "links"}
    rows = []
    for stream, directions in (counts or {}).items():
        for direction, numbers in directions.items():
            if any(numbers.values()):
                rows.append((stream, names.get(direction, direction), numbers))
    return rows
