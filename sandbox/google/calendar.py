"""Calendar events: storage, validation and rendering as Calendar v3 resources (with instances)."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.google import rrule
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, google_error, not_found
from sandbox.google.sync import Tokens
from sandbox.google.times import now, stamp, with_offset, zone

# Event fields kept as the client wrote them (start, end, attendees, organizer are handled apart).
KEPT = (
    "summary",
    "description",
    "location",
    "colorId",
    "transparency",
    "visibility",
    "recurrence",
    "extendedProperties",
    "reminders",
    "status",
    "guestsCanModify",
    "anyoneCanAddSelf",
)
RESPONSES = ("needsAction", "declined", "tentative", "accepted")
BASE32HEX = set("0123456789abcdefghijklmnopqrstuv")


@dataclass
class When:
    """An event's start or end: a date (all-day), an instant in a zone, or a time in an unknown zone."""

    day: date | None = None
    instant: datetime | None = None
    zone: str = ""
    raw: str = ""  # wall-clock time in a zone this sandbox cannot resolve (imported events only)

    def moment(self, calendar_zone: str) -> datetime:
        """For ordering and windows: the instant (all-day dates start at midnight in the calendar's zone)."""
        if self.day is not None:
            return datetime.combine(self.day, datetime.min.time(), tzinfo=zone(calendar_zone) or UTC)
        if self.instant is not None:
            return self.instant
        return datetime.fromisoformat(self.raw).replace(tzinfo=UTC)

    def render(self, calendar_zone: str) -> dict[str, Any]:
        if self.day is not None:
            return {"date": self.day.isoformat()}
        if self.raw:
            return {"dateTime": self.raw, "timeZone": self.zone}
        assert self.instant is not None
        out: dict[str, Any] = {"dateTime": with_offset(self.instant, self.zone or calendar_zone)}
        if self.zone:
            out["timeZone"] = self.zone
        return out

    def shifted(self, delta: timedelta) -> When:
        if self.day is not None:
            return When(day=self.day + delta)
        if self.instant is not None:
            return When(instant=self.instant + delta, zone=self.zone)
        return self


def parse_when(value: Any, what: str, allow_unknown_zone: bool = False) -> When:
    if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
        raise bad_request(f"Missing {what} time.")
    if value.get("date"):
        try:
            return When(day=date.fromisoformat(str(value["date"])))
        except ValueError:
            raise bad_request(f"Invalid {what} date.") from None
    text, zone_name = str(value["dateTime"]), str(value.get("timeZone") or "")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Invalid {what} time.") from None
    tz = zone(zone_name)
    if zone_name and tz is None:
        if allow_unknown_zone and parsed.tzinfo is None:
            return When(zone=zone_name, raw=parsed.strftime("%Y-%m-%dT%H:%M:%S"))
        raise bad_request(f"Invalid time zone definition for {what} time.")
    if parsed.tzinfo is None:
        if tz is None:
            raise bad_request(f"Missing time zone definition for {what} time.")
        parsed = parsed.replace(tzinfo=tz)
    return When(instant=parsed.astimezone(UTC), zone=zone_name)


@dataclass
class StoredEvent:
    id: str
    owner: str  # the user id whose primary calendar holds it
    fields: dict[str, Any]
    start: When
    end: When
    ical_uid: str
    organizer: dict[str, Any]
    attendees: list[dict[str, Any]]
    created: datetime
    updated: datetime
    seq: int
    sequence: int = 0
    deleted: bool = False
    # Instances changed on their own, by instance key: changed fields, or None when cancelled.
    overrides: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def recurring(self) -> bool:
        return bool(self.fields.get("recurrence"))


def instance_key(start: When) -> str:
    if start.day is not None:
        return start.day.strftime("%Y%m%d")
    assert start.instant is not None
    return start.instant.strftime("%Y%m%dT%H%M%SZ")


def etag(seq: int) -> str:
    return f'"{3181161784700000 + seq}"'


class CalendarStore:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.events: dict[str, StoredEvent] = {}

    # -- reads -------------------------------------------------------------------------------------
    def of(self, user: User) -> list[StoredEvent]:
        return [e for e in self.events.values() if e.owner == user.id]

    def find(self, user: User, event_id: str) -> tuple[StoredEvent, str]:
        """The stored event and, for an instance id (``master_20261128T100000Z``), its key."""
        event = self.events.get(event_id)
        if event is not None and event.owner == user.id:
            return event, ""
        master_id, _, key = event_id.rpartition("_")
        master = self.events.get(master_id)
        if (
            master is not None
            and master.owner == user.id
            and master.recurring
            and any(instance_key(s) == key for s, _ in self._occurrences(master, user, None, None, key))
        ):
            return master, key
        raise not_found()

    # -- writes ------------------------------------------------------------------------------------
    def insert(
        self,
        user: User,
        body: dict[str, Any],
        *,
        allow_unknown_zone: bool = False,
        organizer: dict[str, Any] | None = None,
        ical_uid: str = "",
    ) -> StoredEvent:
        if not isinstance(body, dict):
            raise bad_request("Bad Request")
        event_id = str(body.get("id") or secrets.token_hex(13))
        if not set(event_id) <= BASE32HEX or not 5 <= len(event_id) <= 1024:
            raise bad_request("Invalid resource id value.")
        if event_id in self.events:
            raise google_error(409, "The requested identifier already exists.", "duplicate", "ALREADY_EXISTS")
        start = parse_when(body.get("start"), "start", allow_unknown_zone)
        end = parse_when(body.get("end"), "end", allow_unknown_zone)
        _check_range(start, end, user)
        when = now()
        event = StoredEvent(
            id=event_id,
            owner=user.id,
            fields={k: copy.deepcopy(body[k]) for k in KEPT if k in body},
            start=start,
            end=end,
            ical_uid=str(body.get("iCalUID") or ical_uid or f"{event_id}@google.com"),
            organizer=organizer or {"email": user.email, "displayName": user.name},
            attendees=_attendees(body.get("attendees")),
            created=when,
            updated=when,
            seq=self.tokens.next_seq(),
        )
        if event.recurring:
            rrule.parse(list(event.fields["recurrence"]))
        self.events[event_id] = event
        return event

    def patch(self, user: User, event_id: str, body: dict[str, Any], *, replace: bool = False) -> StoredEvent:
        event, key = self.find(user, event_id)
        if event.deleted:
            raise google_error(410, "Resource has been deleted", "deleted", "GONE")
        if not isinstance(body, dict):
            raise bad_request("Bad Request")
        if key:
            override = event.overrides.get(key) or {}
            if event.overrides.get(key, {}) is None:
                raise google_error(410, "Resource has been deleted", "deleted", "GONE")
            override.update(copy.deepcopy({k: v for k, v in body.items() if k in (*KEPT, "start", "end")}))
            for name in ("start", "end"):
                if name in body:
                    override[name] = parse_when(body[name], name)
            event.overrides[key] = override
        else:
            start = parse_when(body["start"], "start") if "start" in body else event.start
            end = parse_when(body["end"], "end") if "end" in body else event.end
            if replace and ("start" not in body or "end" not in body):
                raise bad_request("Missing end time." if "start" in body else "Missing start time.")
            _check_range(start, end, user)
            fields = {} if replace else event.fields
            for name in KEPT:
                if name in body:
                    fields[name] = _merged(fields.get(name), body[name]) if not replace else body[name]
            if fields.get("recurrence"):
                rrule.parse(list(fields["recurrence"]))
            event.fields, event.start, event.end = fields, start, end
            if "attendees" in body or replace:
                event.attendees = _attendees(body.get("attendees"), event.attendees)
        event.updated = now()
        event.sequence += 1
        event.seq = self.tokens.next_seq()
        return event

    def delete(self, user: User, event_id: str) -> None:
        event, key = self.find(user, event_id)
        if event.deleted or (key and key in event.overrides and event.overrides[key] is None):
            raise google_error(410, "Resource has been deleted", "deleted", "GONE")
        if key:
            event.overrides[key] = None
        else:
            event.deleted = True
        event.updated = now()
        event.seq = self.tokens.next_seq()

    def respond(self, user: User, event_id: str, response: str) -> StoredEvent:
        """The user answers an invitation (what the Calendar UI's Yes/Maybe/No does)."""
        if response not in RESPONSES:
            raise bad_request(f"Invalid responseStatus {response!r}")
        event, _ = self.find(user, event_id)
        for attendee in event.attendees:
            if attendee["email"].lower() == user.email.lower():
                attendee["responseStatus"] = response
        event.updated = now()
        event.seq = self.tokens.next_seq()
        return event

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, event: StoredEvent, user: User) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "calendar#event",
            "etag": etag(event.seq),
            "id": event.id,
            "status": "cancelled" if event.deleted else str(event.fields.get("status") or "confirmed"),
            "htmlLink": f"https://calendar.google.com/calendar/event?eid={event.id}",
            "created": stamp(event.created),
            "updated": stamp(event.updated),
        }
        out.update({k: copy.deepcopy(v) for k, v in event.fields.items() if k != "status"})
        out["creator"] = {"email": event.organizer["email"]}
        out["organizer"] = dict(event.organizer)
        if event.organizer["email"].lower() == user.email.lower():
            out["creator"]["self"] = out["organizer"]["self"] = True
        out["start"] = event.start.render(user.time_zone)
        out["end"] = event.end.render(user.time_zone)
        if event.attendees:
            out["attendees"] = [self._attendee(a, event, user) for a in event.attendees]
        out["iCalUID"] = event.ical_uid
        out["sequence"] = event.sequence
        out.setdefault("reminders", {"useDefault": True})
        out["eventType"] = "default"
        return out

    @staticmethod
    def _attendee(attendee: dict[str, Any], event: StoredEvent, user: User) -> dict[str, Any]:
        out = dict(attendee)
        if out["email"].lower() == user.email.lower():
            out["self"] = True
        if out["email"].lower() == event.organizer["email"].lower():
            out["organizer"] = True
        return out

    def instances(
        self, event: StoredEvent, user: User, lo: datetime | None, hi: datetime | None
    ) -> list[dict[str, Any]]:
        """The occurrences of a series overlapping [lo, hi), as singleEvents=true lists them."""
        master = self.render(event, user)
        out = []
        for start, end in self._occurrences(event, user, lo, hi):
            key = instance_key(start)
            item = {k: copy.deepcopy(v) for k, v in master.items() if k != "recurrence"}
            item["id"] = f"{event.id}_{key}"
            item["recurringEventId"] = event.id
            item["originalStartTime"] = start.render(user.time_zone)
            item["start"], item["end"] = start.render(user.time_zone), end.render(user.time_zone)
            if key in event.overrides:
                override = event.overrides[key]
                if override is None:
                    item["status"] = "cancelled"
                else:
                    for name, value in override.items():
                        item[name] = value.render(user.time_zone) if isinstance(value, When) else value
            out.append(item)
        return out

    def _occurrences(
        self, event: StoredEvent, user: User, lo: datetime | None, hi: datetime | None, key: str = ""
    ) -> list[tuple[When, When]]:
        first = event.start.moment(user.time_zone)
        length = event.end.moment(user.time_zone) - first
        tz = zone(event.start.zone) or zone(user.time_zone) or zone("UTC")
        assert tz is not None
        until = hi or (now() + timedelta(days=730))
        out = []
        for moment in rrule.starts(first, tz, list(event.fields.get("recurrence") or []), until):
            when = (
                When(day=moment.astimezone(tz).date())
                if event.start.day
                else When(instant=moment, zone=event.start.zone)
            )
            if key and instance_key(when) != key:
                continue
            if lo is not None and moment + length <= lo:
                continue
            out.append(
                (
                    when,
                    when.shifted(length)
                    if event.start.day
                    else When(instant=moment + length, zone=event.end.zone),
                )
            )
        return out

    def overlaps(self, event: StoredEvent, user: User, lo: datetime | None, hi: datetime | None) -> bool:
        start, end = event.start.moment(user.time_zone), event.end.moment(user.time_zone)
        return (lo is None or end > lo) and (hi is None or start < hi)


def _check_range(start: When, end: When, user: User) -> None:
    if (start.day is None) != (end.day is None):
        raise bad_request("Start and end times must either both be date or both be dateTime.")
    if end.moment(user.time_zone) <= start.moment(user.time_zone) and not (start.raw or end.raw):
        raise google_error(400, "The specified time range is empty.", "timeRangeEmpty")


def _attendees(value: Any, current: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("Invalid attendees.")
    known = {a["email"].lower(): a for a in current or []}
    out = []
    for item in value:
        email = str((item or {}).get("email") or "").strip()
        if "@" not in email:
            raise bad_request("Invalid attendee email.")
        attendee = {"email": email, "responseStatus": "needsAction"}
        if email.lower() in known:
            attendee["responseStatus"] = known[email.lower()]["responseStatus"]
        for name in ("displayName", "optional", "responseStatus", "comment"):
            if name in item:
                attendee[name] = item[name]
        if attendee["responseStatus"] not in RESPONSES:
            raise bad_request(f"Invalid responseStatus {attendee['responseStatus']!r}")
        out.append(attendee)
    return out


def _merged(current: Any, change: Any) -> Any:
    """PATCH semantics: objects merge key by key, everything else is replaced."""
    if isinstance(current, dict) and isinstance(change, dict):
        out = dict(current)
        for key, value in change.items():
            out[key] = _merged(current.get(key), value)
        return out
    return copy.deepcopy(change)
