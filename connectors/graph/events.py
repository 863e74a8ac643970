"""Graph event JSON <-> neutral event values (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.neutral.items import json_change
from connectors.neutral.text import html_to_text
from connectors.neutral.times import UnknownTimeZoneError
from mapping.converters import parse_instant
from mapping.timezones import ConversionError, local_to_utc
from syncengine.core.records import ItemChange


def instant(value: Mapping[str, Any] | None) -> str | None:
    """A Graph dateTimeTimeZone as a neutral UTC instant. We ask Graph for UTC, but honour the
    Windows or IANA zone it names; a zone without an exact match is an error, never a guess."""
    if not value or not value.get("dateTime"):
        return None
    zone = str(value.get("timeZone") or "UTC")
    try:
        return local_to_utc(str(value["dateTime"]), zone)
    except ConversionError as error:
        raise UnknownTimeZoneError(str(error)) from error


def to_neutral(event: Mapping[str, Any]) -> dict[str, Any]:
    body = event.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() == "html":
        content = html_to_text(content)
    location = event.get("location") or {}
    return {
        "subject": str(event.get("subject") or ""),
        "body": content.strip(),
        "start": instant(event.get("start")),
        "end": instant(event.get("end")),
        "is_all_day": bool(event.get("isAllDay")),
        "location": str(location.get("displayName") or ""),
        "show_as": str(event.get("showAs") or "busy"),
        "sensitivity": str(event.get("sensitivity") or "normal"),
    }


def to_change(event: Mapping[str, Any]) -> ItemChange:
    removed, subject = "@removed" in event, str(event.get("subject") or "")
    if event.get("isCancelled") and not removed:
        return ItemChange(id=str(event["id"]), deleted=True, label=subject)
    return json_change(
        event,
        removed,
        subject,
        to_neutral,
        version="changeKey",
        modified="lastModifiedDateTime",
        meta=scope_meta,
    )


def _organizer_address(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return (event.get("organizer") or {}).get("emailAddress") or {}


def scope_meta(event: Mapping[str, Any]) -> dict[str, Any]:
    """What decides whether the item is saved at all (see syncengine.core.scope)."""
    people = [a for a in event.get("attendees") or [] if str(a.get("type") or "").lower() != "resource"]
    attendees = [str((a.get("emailAddress") or {}).get("address") or "") for a in people]
    # Rooms and equipment are booked as "resource" attendees: they are not people to relate.
    resources = [
        str((a.get("emailAddress") or {}).get("address") or "")
        for a in event.get("attendees") or []
        if str(a.get("type") or "").lower() == "resource"
    ]
    organizer = str(_organizer_address(event).get("address") or "")
    response = str((event.get("responseStatus") or {}).get("response") or "")
    if event.get("isOrganizer"):
        response = "organizer"
    return {
        "categories": list(event.get("categories") or []),
        "sensitivity": str(event.get("sensitivity") or "normal"),
        "attendees": [a for a in attendees if a],
        "resources": [r for r in resources if r],
        # Each attendee's answer, for their relation's status in Salesforce.
        "responses": {
            str((a.get("emailAddress") or {}).get("address") or "").lower(): str(
                (a.get("status") or {}).get("response") or "none"
            )
            for a in people
            if (a.get("emailAddress") or {}).get("address")
        },
        "names": {  # address -> the display name the invitation gives
            str(e.get("address")).lower(): str(e.get("name"))
            for e in (*(a.get("emailAddress") or {} for a in people), _organizer_address(event))
            if e.get("address") and e.get("name")
        },
        "organizer": organizer,
        "response": response,
        "ical_uid": str(event.get("iCalUId") or ""),
        "series_master_id": str(event.get("seriesMasterId") or ""),
    }


def from_neutral(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Graph event properties for the given neutral values (only the keys present). ``current`` (the
    event as read) is needed for ``add_attendees``: Graph writes the attendee list whole."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "add_attendees":
            attendees = list((current or {}).get("attendees") or [])
            have = {str((a.get("emailAddress") or {}).get("address") or "").lower() for a in attendees}
            for address in value or []:
                if address.lower() not in have:  # added in Salesforce: the attendance is not known yet
                    attendees.append({"emailAddress": {"address": address}, "type": "required"})
            out["attendees"] = attendees
            continue
        if key == "subject":
            out["subject"] = value or ""
        elif key == "body":
            out["body"] = {"contentType": "text", "content": value or ""}
        elif key in ("start", "end"):
            parsed = parse_instant(value)
            if parsed is not None:
                out[key] = {"dateTime": parsed.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}
        elif key == "is_all_day":
            out["isAllDay"] = bool(value)
        elif key == "location":
            out["location"] = {"displayName": value or ""}
        elif key == "show_as":
            out["showAs"] = value or "busy"
        elif key == "sensitivity":
            out["sensitivity"] = value or "normal"
        elif key == "categories":
            out["categories"] = list(value or [])
    return out


def window_param(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
