"""A calendar item, task or contact as a change read reports it, the same way for every provider whose
items come as JSON (Graph, Google): the provider says which properties hold what."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from syncengine.core.records import ItemChange

Convert = Callable[[Mapping[str, Any]], dict[str, Any]]


def json_change(
    item: Mapping[str, Any],
    removed: bool,
    label: str,
    values: Convert,
    *,
    version: str,
    modified: str,
    meta: Convert | None = None,
) -> ItemChange:
    """``item``'s change: only its id when it has left the read's scope (``removed``); else its
    ``version`` and ``modified`` properties, its neutral ``values``, its ``label`` and, for calendar
    items, what decides their scope (``meta``)."""
    if removed:
        return ItemChange(id=str(item["id"]), removed=True)
    return ItemChange(
        id=str(item["id"]),
        version=str(item.get(version) or ""),
        values=values(item),
        modified_at=str(item.get(modified) or ""),
        label=label,
        meta=meta(item) if meta else {},
    )
