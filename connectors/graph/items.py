"""Calendar items, To Do tasks and contacts of one Graph mailbox, read and written as neutral records.

Reads use (calendarView) delta: one delta read per container when nothing changed. Writes go in
``$batch`` requests of up to 20 (``GraphClient.batch``), each item retried on its own 429.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from connectors.base import ConnectorError, CursorInvalidError, ItemStreams, WriteResult, within
from connectors.graph import events as graph_events
from connectors.graph.client import GraphClient, json_request, write_result
from connectors.graph.errors import graph_error
from connectors.graph.streams import STREAMS, GraphStream
from connectors.neutral.cursors import stored_state
from connectors.neutral.times import UnknownTimeZoneError, Window, utc_instant
from connectors.stamp import GRAPH_PROPERTY_ID, odata_literal
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)


class GraphItems(ItemStreams):
    """The calendar, task and contact streams of one mailbox (``connectors.base.ItemStreams``)."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self._containers: dict[str, str] = {}  # stream -> folder or list id, known after a read

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changed items since ``cursor`` (a stored delta link), inside ``window`` for events.

        A cursor made for another window, or one Graph no longer accepts (410), starts a full
        read; the engine then treats unseen pairs as candidates to confirm.
        """
        spec = _spec(stream)
        state = stored_state(cursor, f"Graph {stream}")
        scope = [utc_instant(window.start), utc_instant(window.end)] if spec.windowed and window else None
        container = state.get("container") or self._ensure_container(spec)
        self._containers[stream] = container
        if state.get("delta") and not within(state["delta"], self.client.config.api_url):
            log.warning("stored Graph delta link for %s names another host; reading in full", stream)
            state = {**state, "delta": ""}
        if state.get("delta") and state.get("window") == scope:
            try:
                return self._read_delta(spec, state["delta"], container, scope, full=False)
            except CursorInvalidError:
                log.info("Graph delta token for %s no longer valid; reading in full", stream)
        url = self.client.url(self.client.mailbox + spec.delta(container))
        if scope is not None and window is not None:
            start, end = graph_events.window_param(window.start), graph_events.window_param(window.end)
            url += f"?startDateTime={start}&endDateTime={end}"
        return self._read_delta(spec, url, container, scope, full=True)

    def container(self, stream: str) -> str:
        """The stream's folder or list id: known after a read, else looked up (writes without a read)."""
        if stream not in self._containers:
            self._containers[stream] = self._ensure_container(_spec(stream))
        return self._containers[stream]

    def _ensure_container(self, spec: GraphStream) -> str:
        """The dedicated folder or list of a stream (made when missing); "" for the calendar."""
        if not spec.container:
            return ""
        listing = self.client.call(
            f"list {spec.container}", "GET", self.client.url(f"{self.client.mailbox}/{spec.container}")
        ).json()
        for item in listing.get("value", []):
            if str(item.get("displayName", "")).casefold() == spec.container_name.casefold():
                return str(item["id"])
        made = self.client.call(
            f"create {spec.container}",
            "POST",
            self.client.url(f"{self.client.mailbox}/{spec.container}"),
            json={"displayName": spec.container_name},
        ).json()
        return str(made["id"])

    def _read_delta(
        self, spec: GraphStream, url: str, container: str, scope: list[str] | None, *, full: bool
    ) -> ChangeSet:
        headers = {
            "Prefer": f'odata.maxpagesize={self.client.config.page_size}, outlook.timezone="UTC", '
            'outlook.body-content-type="text"'
        }
        changes: list[ItemChange] = []
        while True:
            page = self.client.call(f"{spec.name} delta", "GET", url, headers=headers).json()
            for item in page.get("value", []):
                try:
                    changes.append(spec.to_change(item))
                except (UnknownTimeZoneError, ValueError) as error:
                    label = str(item.get("subject") or item.get("title") or item.get("displayName") or "")
                    changes.append(ItemChange(id=str(item["id"]), label=label, values={"_error": str(error)}))
            if "@odata.nextLink" in page:
                url = page["@odata.nextLink"]
                continue
            delta = page.get("@odata.deltaLink", "")
            cursor = json.dumps({"delta": delta, "window": scope, "container": container})
            return ChangeSet(changes=changes, next_cursor=cursor, full=full)

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        answers = self._get_items(stream, ids, select="id")
        out: dict[str, bool] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200:
                out[item_id] = True
            elif status == 404:
                out[item_id] = False
            else:
                raise graph_error(status, body)
        return out

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them (one $batch call per 20); an item
        that no longer exists reads as deleted. The engine retries failed items with this."""
        headers = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
        spec = _spec(stream)
        out: list[ItemChange] = []
        for item_id, (status, body) in zip(ids, self._get_items(stream, ids, headers=headers), strict=True):
            if status == 404:
                out.append(ItemChange(id=item_id, deleted=True))
            elif status != 200:
                raise graph_error(status, body)
            else:
                try:
                    out.append(spec.to_change(body or {}))
                except (UnknownTimeZoneError, ValueError) as error:
                    label = str((body or {}).get("subject") or (body or {}).get("displayName") or "")
                    out.append(ItemChange(id=item_id, label=label, values={"_error": str(error)}))
        return out

    def _get_items(
        self, stream: str, ids: Sequence[str], select: str = "", headers: Mapping[str, str] | None = None
    ) -> list[tuple[int, Any]]:
        spec, container = _spec(stream), self.container(stream)
        query = f"?$select={select}" if select else ""
        extra = {"headers": dict(headers)} if headers else {}
        return self.client.batch(
            [
                {"method": "GET", "url": self.client.mailbox + spec.item(container, i) + query, **extra}
                for i in ids
            ]
        )

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items stamped with these sync keys: one filtered list per key (the filter Graph documents
        for extended properties), 20 to a $batch call; the stamp comes back expanded to be checked."""
        if not intents:
            return {}
        spec, container = _spec(stream), self.container(stream)
        headers = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
        reqs = []
        for intent in intents:
            prop, value = odata_literal(GRAPH_PROPERTY_ID), odata_literal(intent.sync_key)
            query = {
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq {prop} and ep/value eq {value})",
                "$expand": f"singleValueExtendedProperties($filter=id eq {prop})",
                "$top": "10",
            }
            url = (
                self.client.mailbox
                + spec.create(container)
                + "?"
                + urlencode(query, quote_via=quote, safe="$")
            )
            reqs.append({"method": "GET", "url": url, "headers": headers})
        found: dict[str, ItemChange] = {}
        for intent, (status, body) in zip(intents, self.client.batch(reqs), strict=True):
            if status != 200:
                raise graph_error(status, body)
            for item in (body or {}).get("value", []):
                stamps = {
                    str(p.get("id", "")).casefold(): p.get("value")
                    for p in item.get("singleValueExtendedProperties") or []
                }
                stamp = stamps.get(GRAPH_PROPERTY_ID.casefold())
                if str(item.get("id")) in paired or stamp != intent.sync_key:
                    continue
                try:
                    found[intent.sync_key] = spec.to_change(item)
                except (UnknownTimeZoneError, ValueError):
                    found[intent.sync_key] = ItemChange(id=str(item["id"]), values={"_error": "unreadable"})
                break
        return found

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        bodies = [spec.from_neutral(v) for v in items]
        for body, key in zip(bodies, sync_keys or [""] * len(bodies), strict=True):
            if key:  # the engine's stamp: a single-value extended property of its own
                body["singleValueExtendedProperties"] = [{"id": GRAPH_PROPERTY_ID, "value": key}]
        reqs = [json_request("POST", self.client.mailbox + spec.create(container), body) for body in bodies]
        return [write_result(s, b) for s, b in self.client.batch(reqs)]

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        current = self._current_for_lists(stream, spec, items)
        reqs = [
            json_request(
                "PATCH",
                self.client.mailbox + spec.item(container, item_id),
                spec.from_neutral(v, current.get(item_id)),
            )
            for item_id, v in items
        ]
        answers = self.client.batch(reqs)
        return [write_result(s, b, fallback_id=i) for (s, b), (i, _) in zip(answers, items, strict=True)]

    def _current_for_lists(
        self, stream: str, spec: GraphStream, items: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> dict[str, Any]:
        """Graph list properties (emails, phones) are written whole: read the ones we rewrite, so
        entries the mapping does not cover survive (one $batch read per 20 such items)."""
        ids = [item_id for item_id, values in items if spec.list_keys & set(values)]
        if not ids:
            return {}
        answers = self._get_items(stream, ids)
        return {i: body for i, (status, body) in zip(ids, answers, strict=True) if status == 200}

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec, container = _spec(stream), self.container(stream)
        answers = self.client.batch(
            [{"method": "DELETE", "url": self.client.mailbox + spec.item(container, i)} for i in ids]
        )
        # Already gone is what we wanted.
        return [
            WriteResult(ok=True, id=i) if s in (204, 404) else write_result(s, b, fallback_id=i)
            for (s, b), i in zip(answers, ids, strict=True)
        ]


def _spec(stream: str) -> GraphStream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Microsoft 365 mailboxes cannot sync {stream!r}", permanent=True, code="UNSUPPORTED_STREAM"
        )
    return STREAMS[stream]
