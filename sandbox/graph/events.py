"""Calendar events: the per-mailbox store, validation of writes, and Graph's JSON shape."""

from __future__ import annotations

import base64
import html
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote

from sandbox.graph import extended, timezones
from sandbox.graph.errors import GraphError
from sandbox.graph.items import bad, new_change_key, new_id, not_found, writable_items

WRITABLE = {
    "subject",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "attendees",
    "categories",
    "importance",
    "sensitivity",
    "showAs",
    "isAllDay",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "recurrence",
    "responseRequested",
    "allowNewTimeProposals",
    "hideAttendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "transactionId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    extended.KEY,
}
READ_ONLY = {  # known to Graph; accepted in a body and ignored, as Graph does
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "iCalUId",
    "uid",
    "bodyPreview",
    "isCancelled",
    "isOrganizer",
    "isDraft",
    "seriesMasterId",
    "type",
    "webLink",
    "organizer",
    "responseStatus",
    "hasAttachments",
    "onlineMeeting",
    "onlineMeetingUrl",
    "occurrenceId",
    "calendar",
    "attachments",
    "extensions",
    "instances",
    "cancelledOccurrences",
    "exceptionOccurrences",
}
ENUMS = {
    "importance": ("low", "normal", "high"),
    "sensitivity": ("normal", "personal", "private", "confidential"),
    "showAs": ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown"),
}
NEVER = "0001-01-01T00:00:00Z"
HTML_HEAD = (
    '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    "</head>\r\n<body>\r\n"
)


@dataclass
class OccurrenceException:
    """One occurrence of a series changed or cancelled on its own."""

    seq: int
    change_key: str
    modified: datetime
    cancelled: bool = False
    fields: dict[str, Any] = field(default_factory=dict)  # overrides of the master's fields
    start: datetime | None = None  # a moved occurrence
    end: datetime | None = None


@dataclass
class StoredEvent:
    id: str
    created: datetime
    modified: datetime
    change_key: str
    ical_uid: str
    seq: int
    start: datetime  # aware UTC instants
    end: datetime
    start_tz: str  # the zone names as the client gave them
    end_tz: str
    fields: dict[str, Any]
    deleted: bool = False
    # Set for a meeting organised by someone else: {"organizer": {name, address}, "response": ...}
    invitation: dict[str, Any] | None = None
    # A series' changed or cancelled occurrences, by their original date (Graph "exception" type).
    exceptions: dict[date, OccurrenceException] = field(default_factory=dict)

    @property
    def is_all_day(self) -> bool:
        return bool(self.fields.get("isAllDay"))

    def overlaps(self, window_start: datetime, window_end: datetime) -> bool:
        return self.start < window_end and (self.end > window_start or self.start >= window_start)


@dataclass
class Mailbox:
    tenant_id: str
    user_id: str
    mail: str
    display_name: str
    calendar_id: str = field(default_factory=new_id)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass
class View:
    """How the caller asked to see events (Prefer headers, $select)."""

    base_url: str
    time_zone: str = "UTC"
    body_type: str = "html"
    select: list[str] | None = None


@dataclass
class Occurrence:
    id: str
    start: datetime
    end: datetime
    day: date | None = None  # its original date in the series
    exception: OccurrenceException | None = None


# -- validation --------------------------------------------------------------------------------------
def _enum(name: str, value: Any) -> str:
    allowed = {v.lower(): v for v in ENUMS[name]}
    if not isinstance(value, str) or value.lower() not in allowed:
        raise bad(f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.{name}'.")
    return allowed[value.lower()]


def _zone_problem(name: str) -> GraphError:
    return GraphError(
        400,
        "TimeZoneNotSupportedException",
        f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'.",
    )


def _date_time_zone(name: str, value: Any) -> tuple[datetime, str]:
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise bad(
            f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.dateTimeTimeZone' "
            f"of property '{name}'."
        )
    zone = value.get("timeZone")
    if not isinstance(zone, str) or not zone:
        raise _zone_problem(str(zone))
    try:
        return timezones.to_instant(value["dateTime"], zone), zone
    except timezones.UnknownTimeZoneError as error:
        raise _zone_problem(zone) from error
    except ValueError as error:
        raise bad(
            f"Cannot convert the literal '{value['dateTime']}' to the expected type 'Edm.DateTimeOffset'."
        ) from error


def _location(value: Any) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise bad("Cannot convert the literal to the expected type 'microsoft.graph.location'.")
    name = str(value.get("displayName") or "")
    location = {
        "displayName": name,
        "locationType": value.get("locationType", "default"),
        "uniqueIdType": "private" if name else "unknown",
        "address": value.get("address", {}),
        "coordinates": value.get("coordinates", {}),
    }
    if name:
        location["uniqueId"] = value.get("uniqueId", name)
    for key in ("locationUri", "locationEmailAddress"):
        if key in value:
            location[key] = value[key]
    return location


def _attendee(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("emailAddress"), dict):
        raise bad("Cannot convert the literal to the expected type 'microsoft.graph.attendee'.")
    address = str(value["emailAddress"].get("address") or "")
    kind = str(value.get("type") or "required")
    if kind not in ("required", "optional", "resource"):
        raise bad(f"Cannot convert the literal '{kind}' to the expected type 'microsoft.graph.attendeeType'.")
    status = value.get("status") or {}
    return {
        "type": kind,
        "status": {"response": status.get("response", "none"), "time": status.get("time", NEVER)},
        "emailAddress": {"name": value["emailAddress"].get("name") or address, "address": address},
    }


def _body(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise bad("Cannot convert the literal to the expected type 'microsoft.graph.itemBody'.")
    kind = str(value.get("contentType") or "text").lower()
    if kind not in ("text", "html"):
        raise bad(f"Cannot convert the literal '{kind}' to the expected type 'microsoft.graph.bodyType'.")
    return {"contentType": kind, "content": str(value.get("content") or "")}


def _recurrence(value: Any, start_tz: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("pattern"), dict):
        raise bad("Cannot convert the literal to the expected type 'microsoft.graph.patternedRecurrence'.")
    pattern, rng = value["pattern"], value.get("range") or {}
    kinds = ("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly")
    if pattern.get("type") not in kinds:
        raise bad(
            f"Cannot convert the literal '{pattern.get('type')}' to the expected type "
            "'microsoft.graph.recurrencePatternType'."
        )
    if rng.get("type") not in ("endDate", "noEnd", "numbered"):
        raise bad(
            f"Cannot convert the literal '{rng.get('type')}' to the expected type "
            "'microsoft.graph.recurrenceRangeType'."
        )
    if not rng.get("startDate"):
        raise GraphError(
            400, "ErrorPropertyValidationFailure", "The recurrence range start date is required."
        )
    return {
        "pattern": {
            "type": pattern["type"],
            "interval": int(pattern.get("interval") or 1),
            "month": int(pattern.get("month") or 0),
            "dayOfMonth": int(pattern.get("dayOfMonth") or 0),
            "daysOfWeek": [str(d).lower() for d in pattern.get("daysOfWeek") or []],
            "firstDayOfWeek": str(pattern.get("firstDayOfWeek") or "sunday").lower(),
            "index": str(pattern.get("index") or "first"),
        },
        "range": {
            "type": rng["type"],
            "startDate": rng["startDate"],
            "endDate": rng.get("endDate") or "0001-01-01",
            "recurrenceTimeZone": rng.get("recurrenceTimeZone") or start_tz,
            "numberOfOccurrences": int(rng.get("numberOfOccurrences") or 0),
        },
    }


def _normalized_fields(body: dict[str, Any], start_tz: str) -> dict[str, Any]:
    """The writable properties of a request body except start/end, normalized; raises on bad input."""
    fields: dict[str, Any] = {}
    for key, value in writable_items(body, "event", WRITABLE, READ_ONLY | {"start", "end"}):
        if key in ENUMS:
            fields[key] = _enum(key, value)
        elif key == "body":
            fields[key] = _body(value)
        elif key == "location":
            fields[key] = _location(value)
        elif key == "locations":
            fields[key] = [_location(v) for v in value or []]
        elif key == "attendees":
            fields[key] = [_attendee(v) for v in value or []]
        elif key == "categories":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise bad("Cannot convert the literal to the expected type 'Collection(Edm.String)'.")
            fields[key] = list(value)
        elif key == "recurrence":
            fields[key] = _recurrence(value, start_tz)
        elif key == extended.KEY:
            fields[key] = extended.parse(value)
        elif key == "reminderMinutesBeforeStart":
            if not isinstance(value, int) or isinstance(value, bool):
                raise bad(f"Cannot convert the literal '{value}' to the expected type 'Edm.Int32'.")
            fields[key] = value
        elif key in (
            "isAllDay",
            "isReminderOn",
            "responseRequested",
            "allowNewTimeProposals",
            "hideAttendees",
            "isOnlineMeeting",
        ):
            if not isinstance(value, bool):
                raise bad(f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'.")
            fields[key] = value
        else:
            fields[key] = value
    if "location" in fields and "locations" not in fields:
        fields["locations"] = [fields["location"]] if fields["location"]["displayName"] else []
    elif "locations" in fields and "location" not in fields:
        fields["location"] = fields["locations"][0] if fields["locations"] else _location({})
    return fields


def _check_times(start: datetime, end: datetime, start_tz: str, is_all_day: bool) -> None:
    if end < start:
        raise GraphError(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The end time must be later than the start time.",
        )
    if is_all_day:
        local_start = start.astimezone(timezones.resolve(start_tz))
        local_end = end.astimezone(timezones.resolve(start_tz))
        if local_start.time() != time(0) or local_end.time() != time(0) or end <= start:
            raise GraphError(
                400,
                "ErrorPropertyValidationFailure",
                "Your request can't be completed. If the event is an all-day event, the start "
                "and end time must be set to midnight and be at least one day apart.",
            )


# -- store -------------------------------------------------------------------------------------------
class EventStore:
    def __init__(self) -> None:
        self.mailboxes: dict[tuple[str, str], Mailbox] = {}

    def mailbox(self, tenant_id: str, user_id: str, mail: str, display_name: str) -> Mailbox:
        key = (tenant_id, user_id)
        if key not in self.mailboxes:
            self.mailboxes[key] = Mailbox(tenant_id, user_id, mail, display_name)
        return self.mailboxes[key]

    @staticmethod
    def get(mailbox: Mailbox, event_id: str) -> StoredEvent:
        event = mailbox.events.get(event_id)
        if event is None or event.deleted:
            raise not_found()
        return event

    @staticmethod
    def live(mailbox: Mailbox) -> list[StoredEvent]:
        return sorted((e for e in mailbox.events.values() if not e.deleted), key=lambda e: (e.created, e.id))

    @staticmethod
    def create(mailbox: Mailbox, body: Any) -> StoredEvent:
        if not isinstance(body, dict):
            raise bad("The request body is not a valid event.")
        if "start" not in body or "end" not in body:
            raise GraphError(
                400,
                "ErrorPropertyValidationFailure",
                "Your request can't be completed. The start and end time are required.",
            )
        start, start_tz = _date_time_zone("start", body["start"])
        end, end_tz = _date_time_zone("end", body["end"])
        fields = _normalized_fields(body, start_tz)
        _check_times(start, end, start_tz, bool(fields.get("isAllDay")))
        now = datetime.now(UTC)
        event = StoredEvent(
            id=new_id(),
            created=now,
            modified=now,
            change_key=new_change_key(),
            ical_uid="040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(26).upper(),
            seq=mailbox.next_seq(),
            start=start,
            end=end,
            start_tz=start_tz,
            end_tz=end_tz,
            fields=fields,
        )
        mailbox.events[event.id] = event
        return event

    def update(self, mailbox: Mailbox, event_id: str, body: Any) -> StoredEvent:
        event = self.get(mailbox, event_id)
        if not isinstance(body, dict):
            raise bad("The request body is not a valid event.")
        start, start_tz = (
            _date_time_zone("start", body["start"]) if "start" in body else (event.start, event.start_tz)
        )
        end, end_tz = _date_time_zone("end", body["end"]) if "end" in body else (event.end, event.end_tz)
        fields = _normalized_fields(body, start_tz)
        merged = {**event.fields, **fields}
        if extended.KEY in fields:
            merged[extended.KEY] = extended.merged(event.fields.get(extended.KEY), fields[extended.KEY])
        _check_times(start, end, start_tz, bool(merged.get("isAllDay")))
        event.start, event.start_tz, event.end, event.end_tz = start, start_tz, end, end_tz
        event.fields = merged
        event.modified = datetime.now(UTC)
        event.change_key = new_change_key()
        event.seq = mailbox.next_seq()
        return event

    def invite(
        self, mailbox: Mailbox, body: Any, organizer: dict[str, str], ical_uid: str | None = None
    ) -> StoredEvent:
        """A meeting someone else organised lands in this calendar, not yet answered."""
        event = self.create(mailbox, body)
        if ical_uid:
            event.ical_uid = ical_uid
        event.invitation = {"organizer": organizer, "response": "notResponded"}
        return event

    def respond(self, mailbox: Mailbox, event_id: str, response: str) -> StoredEvent:
        """accept / tentativelyAccept / decline, as the user does on an invitation."""
        event = self.get(mailbox, event_id)
        if event.invitation is None:
            raise GraphError(400, "ErrorInvalidRequest", "You can't respond to a meeting you organised.")
        event.invitation["response"] = response
        event.modified = datetime.now(UTC)
        event.change_key = new_change_key()
        event.seq = mailbox.next_seq()
        return event

    def delete(self, mailbox: Mailbox, event_id: str) -> None:
        event = self.get(mailbox, event_id)
        event.deleted = True
        event.seq = mailbox.next_seq()

    @staticmethod
    def update_occurrence(mailbox: Mailbox, master: StoredEvent, occurrence: Occurrence, body: Any) -> None:
        """Change one occurrence: it becomes an exception of its series, the rest stay as they are."""
        if not isinstance(body, dict):
            raise bad("The request body is not a valid event.")
        if body.get("recurrence"):
            raise bad("An occurrence of a series cannot have its own recurrence.")
        assert occurrence.day is not None
        known = master.exceptions.get(occurrence.day)
        start, _ = _date_time_zone("start", body["start"]) if "start" in body else (occurrence.start, "")
        end, _ = _date_time_zone("end", body["end"]) if "end" in body else (occurrence.end, "")
        fields = {**(known.fields if known else {}), **_normalized_fields(body, master.start_tz)}
        _check_times(start, end, master.start_tz, bool({**master.fields, **fields}.get("isAllDay")))
        master.exceptions[occurrence.day] = OccurrenceException(
            seq=mailbox.next_seq(),
            change_key=new_change_key(),
            modified=datetime.now(UTC),
            fields=fields,
            start=start,
            end=end,
        )

    @staticmethod
    def cancel_occurrence(mailbox: Mailbox, master: StoredEvent, occurrence: Occurrence) -> None:
        assert occurrence.day is not None
        master.exceptions[occurrence.day] = OccurrenceException(
            seq=mailbox.next_seq(), change_key=new_change_key(), modified=datetime.now(UTC), cancelled=True
        )


# -- shape -------------------------------------------------------------------------------------------
def _text_of(content: str) -> str:
    content = re.sub(r"(?is)<(head|style|script)\b.*?</\1>", "", content)
    content = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", content)
    text = html.unescape(re.sub(r"<[^>]+>", "", content))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _html_of(content: str) -> str:
    lines = "<br>\r\n".join(html.escape(line) for line in content.splitlines())
    return f"{HTML_HEAD}<div>{lines}</div>\r\n</body>\r\n</html>\r\n"


def body_as(body: dict[str, str], wanted: str) -> dict[str, str]:
    if body["contentType"] == wanted:
        return dict(body)
    if wanted == "text":
        return {"contentType": "text", "content": _text_of(body["content"])}
    return {"contentType": "html", "content": _html_of(body["content"])}


def _when(instant: datetime, event: StoredEvent, zone_of_event: str, view: View) -> dict[str, str]:
    if event.is_all_day:  # all-day events float: midnight of their own date in whatever zone is asked for
        day = instant.astimezone(timezones.resolve(zone_of_event)).date()
        return {
            "dateTime": timezones.format_local(datetime.combine(day, time(0))),
            "timeZone": view.time_zone,
        }
    return timezones.render(instant, view.time_zone)


def render_event(
    event: StoredEvent, mailbox: Mailbox, view: View, occurrence: Occurrence | None = None
) -> dict[str, Any]:
    exception = occurrence.exception if occurrence else None
    f = {**event.fields, **exception.fields} if exception else event.fields
    body = f.get("body") or {"contentType": "text", "content": ""}
    event_id = occurrence.id if occurrence else event.id
    start, end = (occurrence.start, occurrence.end) if occurrence else (event.start, event.end)
    recurrence = event.fields.get("recurrence")
    kind = "occurrence" if occurrence else ("seriesMaster" if recurrence else "singleInstance")
    if exception is not None:
        kind = "exception"
    change_key = exception.change_key if exception else event.change_key
    modified = max(event.modified, exception.modified) if exception else event.modified
    organizer = {"emailAddress": {"name": mailbox.display_name, "address": mailbox.mail}}
    response = "organizer"
    if event.invitation is not None:
        organizer = {"emailAddress": event.invitation["organizer"]}
        response = event.invitation["response"]
    shape: dict[str, Any] = {
        "@odata.etag": f'W/"{change_key}"',
        "id": event_id,
        "createdDateTime": timezones.utc_stamp(event.created),
        "lastModifiedDateTime": timezones.utc_stamp(modified),
        "changeKey": change_key,
        "categories": f.get("categories", []),
        "transactionId": f.get("transactionId"),
        "originalStartTimeZone": f.get("originalStartTimeZone", event.start_tz),
        "originalEndTimeZone": f.get("originalEndTimeZone", event.end_tz),
        # Graph: iCalUId differs per occurrence of a series (by its original date); uid is the series'.
        "iCalUId": _ical_uid(event, occurrence),
        "uid": event.ical_uid,
        "reminderMinutesBeforeStart": f.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": f.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": f.get("subject", ""),
        "bodyPreview": " ".join(_text_of(body["content"]).split())[:255],
        "importance": f.get("importance", "normal"),
        "sensitivity": f.get("sensitivity", "normal"),
        "isAllDay": event.is_all_day,
        "isCancelled": False,
        "isOrganizer": event.invitation is None,
        "responseRequested": f.get("responseRequested", True),
        "seriesMasterId": event.id if occurrence else None,
        "showAs": f.get("showAs", "busy"),
        "type": kind,
        "webLink": f"https://outlook.office365.com/owa/?itemid={quote(event_id, safe='')}&exvsurl=1"
        "&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": f.get("isOnlineMeeting", False),
        "onlineMeetingProvider": f.get("onlineMeetingProvider", "unknown"),
        "allowNewTimeProposals": f.get("allowNewTimeProposals", True),
        "occurrenceId": None,
        "isDraft": False,
        "hideAttendees": f.get("hideAttendees", False),
        "responseStatus": {"response": response, "time": NEVER},
        "body": body_as(body, view.body_type),
        "start": _when(start, event, event.start_tz, view),
        "end": _when(end, event, event.end_tz, view),
        "location": f.get("location") or _location({}),
        "locations": f.get("locations", []),
        "recurrence": None if occurrence else recurrence,
        "attendees": f.get("attendees", []),
        "organizer": organizer,
        "onlineMeeting": None,
    }
    if view.select:
        keep = {"@odata.etag", "id", *view.select}
        shape = {k: v for k, v in shape.items() if k in keep}
    return shape


def _ical_uid(event: StoredEvent, occurrence: Occurrence | None) -> str:
    if occurrence is None:
        return event.ical_uid
    return f"{event.ical_uid}{occurrence.day or occurrence.start.date():%Y%m%d}"


def occurrence_id(master_id: str, day: date) -> str:
    """A stable id per occurrence (master + original date), opaque like Graph's."""
    seed = uuid.uuid5(uuid.NAMESPACE_URL, f"{master_id}|{day.isoformat()}").bytes
    raw = b"\x07\x00" + seed * 6 + day.strftime("%Y%m%d").encode()
    return "AAMkA" + base64.urlsafe_b64encode(raw).decode("ascii")
