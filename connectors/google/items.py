"""Calendar events, Tasks and People contacts of one Google account, read and written as neutral records.

Reads page through list calls (one call per stream when nothing changed); writes go in batches of up
to 50 (``GoogleClient.batch``). What differs between the three APIs is in ``streams.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from connectors.base import ConnectorError, CursorInvalidError, ItemStreams, WriteResult
from connectors.google.client import GoogleClient
from connectors.google.errors import google_error
from connectors.google.streams import STREAMS, Stream
from connectors.neutral.cursors import stored_state
from connectors.neutral.times import Window
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)


class GoogleItems(ItemStreams):
    """The calendar, task and contact streams of one account (``connectors.base.ItemStreams``)."""

    def __init__(self, client: GoogleClient) -> None:
        self.client = client
        self._containers: dict[str, str] = {}  # stream -> task list id / contact group, known after a read

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changed items since ``cursor``, inside ``window`` (start, end) for events.

        A cursor made for another window, or one Google no longer accepts (Calendar 410, People
        EXPIRED_SYNC_TOKEN), starts a full read (``full=True``); the engine then confirms unseen pairs.
        """
        spec = _spec(stream)
        state = stored_state(cursor, f"Google {stream}")
        service = self.client.service(spec.api)
        state["container"] = state.get("container") or self._ensure_container(spec)
        self._containers[stream] = state["container"]
        if spec.cursor_expired(state, self.client.config.tasks_cursor_max_age):
            log.info("Google %s cursor too old; reading in full", stream)
            state = {"container": state["container"]}
        try:
            return spec.read(service, self.client.pages, state, window, self.client.config.page_size)
        except CursorInvalidError:
            log.info("Google sync state for %s no longer valid; reading in full", stream)
        except ConnectorError as error:
            if error.status != 404 or not spec.container_name:
                raise
            # The user deleted the engine's task list: make it again and start over.
            log.info("Google %s container %s is gone; making it again", stream, state["container"])
            state["container"] = self._containers[stream] = self._ensure_container(spec)
        fresh = {"container": state["container"]}
        return spec.read(service, self.client.pages, fresh, window, self.client.config.page_size)

    def _ensure_container(self, spec: Stream) -> str:
        """The task list or contact group the engine keeps in sync (made when missing)."""
        service = self.client.service(spec.api)
        found = spec.find_container(service, self.client.pages)
        if found:
            return found
        made = self.client.call(f"create {spec.container_name}", lambda: spec.create_container(service))
        return str(made.get("resourceName") or made["id"])

    def container(self, stream: str) -> str:
        if stream not in self._containers:
            self._containers[stream] = self._ensure_container(_spec(stream))
        return self._containers[stream]

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        spec, container = _spec(stream), self.container(stream)
        service = self.client.service(spec.api)
        answers = self.client.batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: dict[str, bool] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200:
                out[item_id] = not spec.gone(body or {})
            elif status in (404, 410):
                out[item_id] = False
            else:
                raise google_error(status, body)
        return out

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them (one batch call per 50); an item that
        no longer exists reads as deleted. The engine retries failed items with this."""
        spec, container = _spec(stream), self.container(stream)
        service = self.client.service(spec.api)
        answers = self.client.batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: list[ItemChange] = []
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status in (404, 410) or (status == 200 and spec.gone(body or {})):
                out.append(ItemChange(id=item_id, deleted=True))
            elif status != 200:
                raise google_error(status, body)
            else:
                out.append(spec.item_change(body or {}, container))
        return out

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items made for these intents: by the stamp (Calendar, People) or by content (Tasks);
        see each stream's ``find_created``."""
        if not intents:
            return {}
        spec, container = _spec(stream), self.container(stream)
        return spec.find_created(
            self.client.service(spec.api),
            container,
            intents,
            set(paired),
            self.client.pages,
            lambda makers: self.client.batch(spec.api, makers),
        )

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        service = self.client.service(spec.api)
        results: dict[int, WriteResult] = {}
        requests: list[tuple[int, Callable[..., Any]]] = []
        keys = list(sync_keys) or [""] * len(items)
        for index, values in enumerate(items):
            try:
                body = spec.body(values, None, container)
            except (ValueError, TypeError) as error:  # a value Google cannot take: this item only
                results[index] = _bad_values(error)
                continue
            if keys[index]:
                spec.stamp(body, keys[index])
            requests.append((index, lambda b=body: spec.insert(service, container, b)))
        answers = self.client.batch(spec.api, [make for _, make in requests])
        for (index, _), (status, body) in zip(requests, answers, strict=True):
            results[index] = _result(status, body)
        return [results[i] for i in range(len(items))]

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        service = self.client.service(spec.api)
        current = self._current(spec, service, container, items)
        results: dict[int, WriteResult] = {}
        requests: list[tuple[int, Callable[..., Any]]] = []
        for index, (item_id, values) in enumerate(items):
            if spec.needs_current(values) and item_id not in current:
                results[index] = current.get(f"!{item_id}") or WriteResult(
                    ok=False,
                    id=item_id,
                    code="notFound",
                    message="The item no longer exists.",
                    permanent=True,
                )
                continue
            try:
                body = spec.body(values, current.get(item_id), container)
            except (ValueError, TypeError) as error:
                results[index] = _bad_values(error, item_id)
                continue
            requests.append((index, lambda i=item_id, b=body: spec.patch(service, container, i, b)))
        answers = self.client.batch(spec.api, [make for _, make in requests])
        for (index, _), (status, body) in zip(requests, answers, strict=True):
            results[index] = _result(status, body, fallback_id=items[index][0])
        return [results[i] for i in range(len(items))]

    def _current(
        self, spec: Stream, service: Any, container: str, items: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> dict[str, Any]:
        """The items a write must start from (one batch read per 50): contacts always (etag, whole
        lists), events when only some of start/end/all-day change. ``!id``: why one could not be read."""
        ids = [item_id for item_id, values in items if spec.needs_current(values)]
        if not ids:
            return {}
        answers = self.client.batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: dict[str, Any] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200 and not spec.gone(body or {}):
                out[item_id] = body
            elif status not in (200, 404, 410):
                out[f"!{item_id}"] = _result(status, body, fallback_id=item_id)
        return out

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        service = self.client.service(spec.api)
        answers = self.client.batch(spec.api, [lambda i=i: spec.delete(service, container, i) for i in ids])
        # Already gone (404, or Calendar's 410 "deleted") is what we wanted.
        return [
            WriteResult(ok=True, id=i)
            if status in (200, 204, 404, 410)
            else _result(status, body, fallback_id=i)
            for (status, body), i in zip(answers, ids, strict=True)
        ]


def _bad_values(error: Exception, item_id: str = "") -> WriteResult:
    return WriteResult(
        ok=False,
        id=item_id,
        code="INVALID_VALUE",
        message=f"Cannot write this to Google: {error}",
        permanent=True,
    )


def _result(status: int, body: Any, fallback_id: str = "") -> WriteResult:
    if 200 <= status < 300:
        body = body or {}
        item_id = str(body.get("resourceName") or body.get("id") or fallback_id)
        return WriteResult(ok=True, id=item_id, version=str(body.get("etag") or ""))
    error = google_error(status, body)
    return WriteResult.refused(error, fallback_id)


def _spec(stream: str) -> Stream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Google accounts cannot sync {stream!r} (supported: {', '.join(STREAMS)})",
            permanent=True,
            code="UNSUPPORTED_STREAM",
        )
    return STREAMS[stream]
