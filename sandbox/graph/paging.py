"""Paging shared by the contacts and To Do endpoints: ``$top``/``$skip`` lists and delta rounds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from sandbox.base import Request, Response, json_response
from sandbox.graph import extended
from sandbox.graph.calendar_api import preferences
from sandbox.graph.delta import DeltaTracker, Round, Tracked
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox

DEFAULT_TOP = 10
MAX_TOP = 1000
DEFAULT_DELTA_PAGE = 100

Render = Callable[[Any], dict[str, Any]]


def int_option(request: Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for query option '{name}'.")
    return int(raw)


def selected(request: Request, shape: dict[str, Any]) -> dict[str, Any]:
    """``$select``: the named properties, plus ``@odata.etag`` and ``id`` as Graph always keeps them."""
    if "$select" not in request.query:
        return shape
    keep = {"@odata.etag", "@odata.type", "id"} | {
        s.strip() for s in request.query["$select"].split(",") if s.strip()
    }
    return {k: v for k, v in shape.items() if k in keep}


def context_url(request: Request, mailbox: Mailbox, what: str) -> str:
    return f"{request.base_url}/v1.0/$metadata#users('{mailbox.user_id}')/{what}"


def read_body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as error:
        raise GraphError(
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
            "is of valid JSON format.",
        ) from error


def list_page(
    request: Request,
    items: Sequence[Any],
    render: Render,
    context: str,
    stored: Callable[[Any], extended.Stored] | None = None,
) -> Response:
    """One page of a list; ``stored``: the items' extended properties ($filter and $expand on them)."""
    top = min(int_option(request, "$top", DEFAULT_TOP), MAX_TOP) or DEFAULT_TOP
    skip = int_option(request, "$skip", 0)
    if stored is not None:
        items = extended.filtered(request, items, stored)
    payload: dict[str, Any] = {
        "@odata.context": context,
        "value": [
            extended.expanded(request, selected(request, render(i)), stored(i))
            if stored is not None
            else selected(request, render(i))
            for i in items[skip : skip + top]
        ],
    }
    if skip + top < len(items):
        query = {k: v for k, v in request.query.items() if k not in ("$top", "$skip")}
        query.update({"$top": str(top), "$skip": str(skip + top)})
        payload["@odata.nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"
    return json_response(200, payload)


def delta_round(
    request: Request,
    mailbox: Mailbox,
    tracker: DeltaTracker,
    collection: str,
    live: Sequence[Tracked],
    render: Render,
    odata_type: str,
) -> Response:
    """One page of a collection delta: a fresh round, a resumed one ($deltatoken), or a later page."""
    headers: dict[str, str] = {}
    page_size = DEFAULT_DELTA_PAGE
    max_page = preferences(request).get("odata.maxpagesize", "")
    if max_page.isdigit() and int(max_page) > 0:
        page_size = int(max_page)
        headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
    offset = 0
    round_: Round
    if "$skiptoken" in request.query:
        round_, offset = tracker.page(mailbox, request.query["$skiptoken"], collection)
    elif "$deltatoken" in request.query:
        round_ = tracker.resume_collection(mailbox, collection, request.query["$deltatoken"], live)
    else:
        round_ = tracker.start_collection_round(mailbox, collection, live, since=None)
    values: list[dict[str, Any]] = []
    for item in round_.items[offset : offset + page_size]:
        if isinstance(item, str):
            values.append({"@odata.type": odata_type, "id": item, "@removed": {"reason": "deleted"}})
        else:
            values.append({"@odata.type": odata_type, **selected(request, render(item))})
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
