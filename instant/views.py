"""Webhooks the providers call. CSRF-exempt because the caller is a provider, not a browser: each
call proves itself with the channel's shared secret instead (checked in constant time). They
answer at once; the session runs on a worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from instant.services.notifications import (
    google_notification_accept,
    graph_lifecycle_accept,
    graph_notifications_accept,
)

MAX_BODY = 1_000_000  # Graph batches notifications; a megabyte is far beyond any real batch
# Graph batches a subscription's notifications; a real batch is far smaller than this. A larger
# one is refused whole, before any query: it can only be a flood.
MAX_ITEMS = 1000


def _enabled(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """With instant sync off the hooks do not exist: 404, no query, no log line."""

    def guarded(request: HttpRequest) -> HttpResponse:
        if not settings.INSTANT_SYNC_ENABLED:
            raise Http404
        return view(request)

    return guarded


def _graph(accept: Callable[[list[dict[str, Any]]], int]) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    @_enabled
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        token = request.GET.get("validationToken")
        if token is not None:
            # Graph's handshake: echo the token, as plain text, to prove we own this URL.
            return HttpResponse(token, content_type="text/plain; charset=utf-8")
        items = _items(request)
        if items is None:
            return HttpResponse(
                "Expected a JSON object with a value list.", status=400, content_type="text/plain"
            )
        if not accept(items):
            return HttpResponse(status=403)
        return HttpResponse(status=202)

    return view


def _items(request: HttpRequest) -> list[dict[str, Any]] | None:
    if len(request.body) > MAX_BODY:
        return None
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    items = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > MAX_ITEMS or not all(isinstance(i, dict) for i in items):
        return None
    return items


graph_hook = _graph(graph_notifications_accept)
graph_lifecycle_hook = _graph(graph_lifecycle_accept)


@csrf_exempt
@_enabled
@require_POST
def google_hook(request: HttpRequest) -> HttpResponse:
    channel_id = request.headers.get("X-Goog-Channel-ID", "")
    state = request.headers.get("X-Goog-Resource-State", "")
    if not channel_id or not state:
        return HttpResponse("Not a Google push message.", status=400, content_type="text/plain")
    accepted = google_notification_accept(
        channel_id=channel_id, token=request.headers.get("X-Goog-Channel-Token", ""), state=state
    )
    return HttpResponse(status=200 if accepted else 403)
