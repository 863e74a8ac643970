"""Paging shared by the contacts and To Do endpoints: ``$top``/``$skip`` lists and delta rounds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.graph import extended
from sandbox.graph.delta import DeltaTracker, Round, Tracked
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.odata import add_next_link, delta_page, delta_page_size, top_skip

DEFAULT_DELTA_PAGE = 100

Render = Callable[[Any], dict[str, Any]]


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


def entity(
    request: Request,
    mailbox: Mailbox,
    status: int,
    what: str,
    shape: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """One entity's answer: ``shape`` under its ``@odata.context`` (``users('...')/{what}/$entity``)."""
    return json_response(
        status, {"@odata.context": context_url(request, mailbox, f"{what}/$entity"), **shape}, headers
    )


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
    top, skip = top_skip(request)
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
    add_next_link(request, payload, top, skip, len(items))
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
    page_size = delta_page_size(request, DEFAULT_DELTA_PAGE, headers)
    offset = 0
    round_: Round
    if "$skiptoken" in request.query:
        round_, offset = tracker.page(mailbox, request.query["$skiptoken"], collection)
    elif "$deltatoken" in request.query:
        round_ = tracker.resume_collection(mailbox, collection, request.query["$deltatoken"], live)
    else:
        round_ = tracker.start_collection_round(mailbox, collection, live, since=None)
    return delta_page(
        request,
        tracker,
        round_,
        offset,
        page_size,
        odata_type,
        lambda i: selected(request, render(i)),
        headers,
    )
