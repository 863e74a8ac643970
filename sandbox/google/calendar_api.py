"""Calendar v3 over HTTP: ``/calendar/v3/calendars/{calendarId}/events[...]`` on the primary calendar."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.calendar import CalendarStore, StoredEvent
from sandbox.google.errors import bad_request, google_error, json_body, not_found
from sandbox.google.listing import paged
from sandbox.google.sync import SyncState, page_size
from sandbox.google.times import now, parse_rfc3339, stamp

COLLECTION = "calendar:primary"
NOT_WITH_SYNC = (
    "timeMin",
    "timeMax",
    "updatedMin",
    "orderBy",
    "iCalUID",
    "q",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)
SEND_UPDATES = ("all", "externalOnly", "none", "")
# A delta of a series read without a window expands it over this span (Google keeps it bounded too).
DEFAULT_SPAN = (timedelta(days=-365), timedelta(days=730))


class CalendarApi:
    def __init__(self, store: CalendarStore) -> None:
        self.store = store
        self.tokens = store.tokens

    @staticmethod
    def _calendar(request: Request, user: User) -> None:
        calendar_id = request.params["calendar"]
        if calendar_id not in ("primary", user.email):
            raise not_found()

    def list(self, request: Request, user: User) -> Response:
        self._calendar(request, user)
        q = request.query
        single = q.get("singleEvents", "false").lower() == "true"
        show_deleted = q.get("showDeleted", "false").lower() == "true"
        if q.get("orderBy") == "startTime" and not single:
            raise bad_request("The requested ordering is not available for the particular query.")
        since: int | None = None
        if q.get("syncToken"):
            clash = [name for name in NOT_WITH_SYNC if q.get(name)]
            if clash:
                raise bad_request(f"Sync token cannot be used with other request restrictions ({clash[0]}).")
            state = self.tokens.sync_state(q["syncToken"], user.id, COLLECTION)
            if state is None:
                raise google_error(
                    410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired", "GONE"
                )
            since = state.seq
            window = state.params["window"]
            lo = datetime.fromisoformat(window[0]) if window[0] else None
            hi = datetime.fromisoformat(window[1]) if window[1] else None
        else:
            lo = parse_rfc3339(q["timeMin"], "timeMin") if q.get("timeMin") else None
            hi = parse_rfc3339(q["timeMax"], "timeMax") if q.get("timeMax") else None
            if lo and hi and hi <= lo:
                raise google_error(400, "The specified time range is empty.", "timeRangeEmpty")
        updated_min = parse_rfc3339(q["updatedMin"], "updatedMin") if q.get("updatedMin") else None
        wanted = _property_constraints(request)
        key = json.dumps({k: v for k, v in sorted(q.items()) if k not in ("pageToken", "maxResults")})

        def items(page: Any) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            order = sorted(self.store.of(user), key=lambda e: (e.start.moment(user.time_zone), e.id))
            for event in order:
                if since is not None and event.seq <= since:
                    continue
                if updated_min is not None and event.updated < updated_min:
                    continue
                if not _has_properties(event.fields.get("extendedProperties"), wanted):
                    continue
                out.extend(
                    self._listed(event, user, single, since is not None or show_deleted, since, lo, hi)
                )
            if q.get("orderBy") == "startTime":
                out.sort(key=lambda e: (e["start"].get("dateTime") or e["start"].get("date"), e["id"]))
            return out

        window = [lo.isoformat() if lo else "", hi.isoformat() if hi else ""]
        page = paged(
            self.tokens,
            key=key,
            page_token=q.get("pageToken", ""),
            size=page_size(q.get("maxResults", ""), 250, 2500),
            sync=None,
            items=items,
            new_sync=lambda seq: SyncState(user.id, COLLECTION, seq, {"window": window, "single": single}),
        )
        envelope = {
            "kind": "calendar#events",
            "etag": f'"{self.tokens.seq}"',
            "summary": user.email,
            "updated": stamp(now()),
            "timeZone": user.time_zone,
            "accessRole": "owner",
            "defaultReminders": [],
        }
        return json_response(200, {**envelope, **page})

    def _listed(
        self,
        event: StoredEvent,
        user: User,
        single: bool,
        with_deleted: bool,
        since: int | None,
        lo: datetime | None,
        hi: datetime | None,
    ) -> list[dict[str, Any]]:
        if event.deleted and not with_deleted:
            return []
        if not (single and event.recurring):
            # A delta reports every changed event, wherever it lies now; a full read keeps to the window.
            if since is None and not self.store.overlaps(event, user, lo, hi):
                return []
            return [self.store.render(event, user)]
        if since is not None and lo is None and hi is None:
            lo, hi = now() + DEFAULT_SPAN[0], now() + DEFAULT_SPAN[1]
        out = []
        for item in self.store.instances(event, user, lo, hi):
            if event.deleted:
                item["status"] = "cancelled"
            if item["status"] == "cancelled" and not with_deleted:
                continue
            out.append(item)
        return out

    def get(self, request: Request, user: User) -> Response:
        self._calendar(request, user)
        event, key = self.store.find(user, request.params["event"])
        if key:
            found = [
                i for i in self.store.instances(event, user, None, None) if i["id"] == request.params["event"]
            ]
            if not found:
                raise not_found()
            return json_response(200, found[0])
        return json_response(200, self.store.render(event, user))

    def insert(self, request: Request, user: User) -> Response:
        self._calendar(request, user)
        _send_updates(request)
        event = self.store.insert(user, _body(request))
        return json_response(200, self.store.render(event, user))

    def patch(self, request: Request, user: User) -> Response:
        return self._change(request, user, replace=False)

    def update(self, request: Request, user: User) -> Response:
        return self._change(request, user, replace=True)

    def _change(self, request: Request, user: User, replace: bool) -> Response:
        self._calendar(request, user)
        _send_updates(request)
        event_id = request.params["event"]
        event = self.store.patch(user, event_id, _body(request), replace=replace)
        if event.id != event_id:
            return self.get(request, user)
        return json_response(200, self.store.render(event, user))

    def delete(self, request: Request, user: User) -> Response:
        self._calendar(request, user)
        _send_updates(request)
        self.store.delete(user, request.params["event"])
        return Response(204)


def _property_constraints(request: Request) -> list[tuple[str, str, str]]:
    """``privateExtendedProperty`` / ``sharedExtendedProperty`` (``name=value``, repeatable: an event
    must match all of them) as (scope, name, value)."""
    out: list[tuple[str, str, str]] = []
    for scope in ("private", "shared"):
        for constraint in request.repeated.get(f"{scope}ExtendedProperty", []):
            name, equals, value = constraint.partition("=")
            if not equals or not name:
                raise bad_request(f"Invalid {scope}ExtendedProperty constraint: {constraint}")
            out.append((scope, name, value))
    return out


def _has_properties(stored: Any, wanted: list[tuple[str, str, str]]) -> bool:
    properties = stored if isinstance(stored, dict) else {}
    return all((properties.get(scope) or {}).get(name) == value for scope, name, value in wanted)


def _send_updates(request: Request) -> None:
    if request.query.get("sendUpdates", "") not in SEND_UPDATES:
        raise bad_request(f"Invalid value for sendUpdates: {request.query['sendUpdates']}")


def _body(request: Request) -> dict[str, Any]:
    return json_body(request)
