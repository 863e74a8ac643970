"""OData options the Graph endpoints share: ``Prefer``, ``$top``/``$skip`` and delta pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sandbox.base import Request, Response, json_response
from sandbox.graph.delta import DeltaTracker, Round
from sandbox.graph.errors import GraphError

DEFAULT_TOP = 10
MAX_TOP = 1000


def preferences(request: Request) -> dict[str, str]:
    """``Prefer: outlook.timezone="X", odata.maxpagesize=5`` -> {name: value}; repeated headers are joined."""
    found: dict[str, str] = {}
    for match in re.finditer(r'([\w.-]+)\s*=\s*(?:"([^"]*)"|([^,;\s]+))', request.header("prefer")):
        found[match.group(1).lower()] = match.group(2) if match.group(2) is not None else match.group(3)
    return found


def int_option(request: Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for query option '{name}'.")
    return int(raw)


def top_skip(request: Request) -> tuple[int, int]:
    """``$top`` (10 unless given, at most 1000) and ``$skip`` of a list request."""
    top = min(int_option(request, "$top", DEFAULT_TOP), MAX_TOP) or DEFAULT_TOP
    return top, int_option(request, "$skip", 0)


def add_next_link(request: Request, payload: dict[str, Any], top: int, skip: int, total: int) -> None:
    """The ``@odata.nextLink`` to the next ``$skip`` when the page did not reach the end."""
    if skip + top < total:
        query = {k: v for k, v in request.query.items() if k not in ("$top", "$skip")}
        query.update({"$top": str(top), "$skip": str(skip + top)})
        payload["@odata.nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"


def delta_page_size(request: Request, default: int, headers: dict[str, str]) -> int:
    """``Prefer: odata.maxpagesize`` when a positive number (noted in ``headers``), else ``default``."""
    wanted = preferences(request).get("odata.maxpagesize", "")
    if not (wanted.isdigit() and int(wanted) > 0):
        return default
    page_size = int(wanted)
    applied = headers.get("Preference-Applied")
    headers["Preference-Applied"] = ", ".join(filter(None, [applied, f"odata.maxpagesize={page_size}"]))
    return page_size


def delta_page(
    request: Request,
    tracker: DeltaTracker,
    round_: Round,
    offset: int,
    page_size: int,
    odata_type: str,
    render: Callable[[Any], dict[str, Any]],
    headers: dict[str, str],
) -> Response:
    """One page of a delta round: changed items rendered, removed ids marked, then a next or delta link."""
    values: list[dict[str, Any]] = []
    for item in round_.items[offset : offset + page_size]:
        if isinstance(item, str):
            values.append({"@odata.type": odata_type, "id": item, "@removed": {"reason": "deleted"}})
        else:
            values.append({"@odata.type": odata_type, **render(item)})
    payload: dict[str, Any] = {
        "@odata.context": f"{request.base_url}/v1.0/$metadata#Collection({odata_type.rsplit('.', 1)[-1]})",
        "value": values,
    }
    link = f"{request.base_url}{request.path}?"
    if offset + page_size < len(round_.items):
        payload["@odata.nextLink"] = f"{link}$skiptoken={tracker.page_token(round_, offset + page_size)}"
    else:
        payload["@odata.deltaLink"] = f"{link}$deltatoken={tracker.delta_token(round_)}"
    return json_response(200, payload, headers)
