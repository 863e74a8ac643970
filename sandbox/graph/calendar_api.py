"""Graph calendar endpoints for one resolved mailbox: events CRUD, calendars, calendarView and its delta."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph import extended, recurrence, timezones
from sandbox.graph.delta import DeltaTracker, Round, WindowItem, parse_window_instant, window_items
from sandbox.graph.errors import GraphError
from sandbox.graph.events import EventStore, Mailbox, View, render_event
from sandbox.graph.odata import add_next_link, delta_page, delta_page_size, preferences, top_skip
from sandbox.graph.paging import context_url, entity, read_body

DEFAULT_DELTA_PAGE = 100


def view_of(request: Request) -> tuple[View, dict[str, str]]:
    """The caller's view and the Preference-Applied header it earns."""
    prefs = preferences(request)
    view = View(base_url=request.base_url)
    applied: list[str] = []
    if "outlook.timezone" in prefs:
        try:
            timezones.resolve(prefs["outlook.timezone"])
        except timezones.UnknownTimeZoneError as error:
            raise GraphError(
                400,
                "TimeZoneNotSupportedException",
                "A valid TimeZone value must be specified. The following TimeZone value is not "
                f"supported: '{prefs['outlook.timezone']}'.",
            ) from error
        view.time_zone = prefs["outlook.timezone"]
        applied.append(f'outlook.timezone="{view.time_zone}"')
    if prefs.get("outlook.body-content-type", "").lower() in ("text", "html"):
        view.body_type = prefs["outlook.body-content-type"].lower()
        applied.append(f'outlook.body-content-type="{view.body_type}"')
    if "$select" in request.query:
        view.select = [s.strip() for s in request.query["$select"].split(",") if s.strip()]
    return view, ({"Preference-Applied": ", ".join(applied)} if applied else {})


class CalendarApi:
    def __init__(self, store: EventStore, delta: DeltaTracker) -> None:
        self.store = store
        self.delta = delta

    # -- calendars ---------------------------------------------------------------------------------
    def _calendar(self, mailbox: Mailbox) -> dict[str, Any]:
        return {
            "id": mailbox.calendar_id,
            "name": "Calendar",
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": True,
            "changeKey": "DwAAABYAAAA=",
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "isRemovable": False,
            "isTallyingResponses": True,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "owner": {"name": mailbox.display_name, "address": mailbox.mail},
        }

    def list_calendars(self, request: Request, mailbox: Mailbox) -> Response:
        return json_response(
            200,
            {
                "@odata.context": context_url(request, mailbox, "calendars"),
                "value": [self._calendar(mailbox)],
            },
        )

    def get_calendar(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        return entity(request, mailbox, 200, "calendars", self._calendar(mailbox))

    @staticmethod
    def _check_calendar(request: Request, mailbox: Mailbox) -> None:
        calendar = request.params.get("calendar")
        if calendar is not None and unquote(calendar) != mailbox.calendar_id:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    # -- events ------------------------------------------------------------------------------------
    def list_events(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        top, skip = top_skip(request)
        events = extended.filtered(request, self.store.live(mailbox), extended.of)
        payload: dict[str, Any] = {
            "@odata.context": context_url(request, mailbox, "events"),
            "value": [
                extended.expanded(request, render_event(e, mailbox, view), extended.of(e))
                for e in events[skip : skip + top]
            ],
        }
        add_next_link(request, payload, top, skip, len(events))
        return json_response(200, payload, headers)

    def create_event(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        event = self.store.create(mailbox, read_body(request))
        shape = render_event(event, mailbox, view)
        return entity(request, mailbox, 201, "events", shape, {**headers, "ETag": shape["@odata.etag"]})

    def get_event(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        event_id = unquote(request.params["event"])
        found = recurrence.find_occurrence(self.store.live(mailbox), event_id)
        if found is not None:
            shape = render_event(found[0], mailbox, view, found[1])
        else:
            event = self.store.get(mailbox, event_id)
            shape = extended.expanded(request, render_event(event, mailbox, view), extended.of(event))
        return entity(request, mailbox, 200, "events", shape, headers)

    def update_event(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        found = self._occurrence(mailbox, request)
        if found is not None:  # one occurrence changed: it becomes an exception of its series
            master, occurrence = found
            self.store.update_occurrence(mailbox, master, occurrence, read_body(request))
            master, occurrence = self._occurrence(mailbox, request) or found
            shape = render_event(master, mailbox, view, occurrence)
            return entity(request, mailbox, 200, "events", shape, headers)
        event = self.store.update(mailbox, self._event_id(mailbox, request), read_body(request))
        shape = render_event(event, mailbox, view)
        return entity(request, mailbox, 200, "events", shape, {**headers, "ETag": shape["@odata.etag"]})

    def respond_event(self, request: Request, mailbox: Mailbox) -> Response:
        action = request.params["action"]
        response = {"accept": "accepted", "tentativelyAccept": "tentativelyAccepted", "decline": "declined"}
        self.store.respond(mailbox, self._event_id(mailbox, request), response[action])
        return json_response(202, None)

    def delete_event(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        found = self._occurrence(mailbox, request)
        if found is not None:  # one occurrence cancelled; the series goes on
            self.store.cancel_occurrence(mailbox, *found)
        else:
            self.store.delete(mailbox, self._event_id(mailbox, request))
        return json_response(204, None)

    def _occurrence(self, mailbox: Mailbox, request: Request) -> tuple[Any, Any] | None:
        return recurrence.find_occurrence(self.store.live(mailbox), unquote(request.params["event"]))

    def _event_id(self, mailbox: Mailbox, request: Request) -> str:
        event_id = unquote(request.params["event"])
        if recurrence.find_occurrence(self.store.live(mailbox), event_id) is not None:
            raise GraphError(
                400, "ErrorInvalidRequest", "Answer the series' invitation, not one of its occurrences."
            )
        return event_id

    # -- calendarView ------------------------------------------------------------------------------
    @staticmethod
    def _window(request: Request) -> tuple[Any, Any]:
        start, end = request.query.get("startDateTime"), request.query.get("endDateTime")
        if not start or not end:
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime.",
            )
        return parse_window_instant("startDateTime", start), parse_window_instant("endDateTime", end)

    @staticmethod
    def _item(item: WindowItem, mailbox: Mailbox, view: View) -> dict[str, Any]:
        return render_event(item.event, mailbox, view, item.occurrence)

    def calendar_view(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        start, end = self._window(request)
        top, skip = top_skip(request)
        items = sorted(
            window_items(mailbox, start, end).values(),
            key=lambda i: (i.occurrence.start if i.occurrence else i.event.start, i.id),
        )
        payload: dict[str, Any] = {
            "@odata.context": context_url(request, mailbox, "calendarView"),
            "value": [self._item(i, mailbox, view) for i in items[skip : skip + top]],
        }
        add_next_link(request, payload, top, skip, len(items))
        return json_response(200, payload, headers)

    def calendar_view_delta(self, request: Request, mailbox: Mailbox) -> Response:
        self._check_calendar(request, mailbox)
        view, headers = view_of(request)
        page_size = delta_page_size(request, DEFAULT_DELTA_PAGE, headers)
        offset = 0
        round_: Round
        if "$skiptoken" in request.query:
            round_, offset = self.delta.page(mailbox, request.query["$skiptoken"])
        elif "$deltatoken" in request.query:
            round_ = self.delta.resume(mailbox, request.query["$deltatoken"])
        else:
            start, end = self._window(request)
            round_ = self.delta.start_round(mailbox, start, end, since=None)
        return delta_page(
            request,
            self.delta,
            round_,
            offset,
            page_size,
            "#microsoft.graph.event",
            lambda item: self._item(item, mailbox, view),
            headers,
        )
