"""Recurring calendar items: a master's occurrences in a time range, with edited and deleted ones.

Occurrences are numbered from 1 in series order (EWS's InstanceIndex) and have ids of their own that
GetItem, UpdateItem and DeleteItem accept; editing one makes it an exception kept on the master,
deleting one removes it from the series. Times repeat on the wall clock of the master's zone.
"""

from __future__ import annotations

import base64
import binascii
import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sandbox.ews.soap import ItemError, leaf, local, t
from sandbox.ews.store import Item, utc_text
from sandbox.graph.timezones import resolve  # the same Windows zone table as the Graph sandbox

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_OCCURRENCES = 2000  # a series is expanded no further (Exchange caps views similarly)


@dataclass(frozen=True)
class Occurrence:
    index: int
    start: datetime
    end: datetime


def occurrence_id(master_id: str, index: int) -> str:
    return base64.urlsafe_b64encode(f"OCC|{master_id}|{index}".encode()).decode("ascii")


def parse_occurrence_id(item_id: str) -> tuple[str, int] | None:
    try:
        text = base64.urlsafe_b64decode(item_id.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, _, rest = text.partition("|")
    master, _, index = rest.rpartition("|")
    return (master, int(index)) if kind == "OCC" and index.isdigit() else None


def _when(props: dict[str, ET.Element], name: str) -> datetime:
    return datetime.fromisoformat(utc_text(props[name].text or "", name).replace("Z", "+00:00"))


def _dates(recurrence: ET.Element, first: date) -> Iterator[date]:
    pattern = next(
        (
            c
            for c in recurrence
            if local(c.tag).endswith("Recurrence")
            and "Date" not in local(c.tag)
            and local(c.tag) not in ("NumberedRecurrence", "NoEndRecurrence")
        ),
        None,
    )
    if pattern is None:
        raise ItemError("ErrorInvalidRecurrence", "The recurrence has no pattern.")
    kind, interval = local(pattern.tag), max(1, int(pattern.findtext(t("Interval")) or "1"))
    if kind == "DailyRecurrence":
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    elif kind == "WeeklyRecurrence":
        wanted = {DAYS.index(d) for d in (pattern.findtext(t("DaysOfWeek")) or "").split() if d in DAYS}
        week = first - timedelta(days=first.weekday())
        while True:
            for offset in range(7):
                day = week + timedelta(days=offset)
                if day >= first and day.weekday() in wanted:
                    yield day
            week += timedelta(weeks=interval)
    elif kind == "AbsoluteMonthlyRecurrence":
        day_of_month = int(pattern.findtext(t("DayOfMonth")) or "1")
        year, month = first.year, first.month
        while True:
            last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            day = date(year, month, min(day_of_month, last))
            if day >= first:
                yield day
            month += interval
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    else:
        raise ItemError("ErrorInvalidRecurrence", f"{kind} series are not supported by this server.")


def expand(master: Item, start: datetime, end: datetime) -> list[Occurrence]:
    """The master's occurrences overlapping [start, end), deleted ones left out, exceptions as edited."""
    props = master.props
    recurrence = props["Recurrence"]
    zone_name = props["StartTimeZone"].get("Id", "UTC") if "StartTimeZone" in props else "UTC"
    zone = resolve(zone_name)
    first_start = _when(props, "Start").astimezone(zone)
    length = _when(props, "End") - _when(props, "Start")
    boundary = next(
        (
            c
            for c in recurrence
            if local(c.tag) in ("NoEndRecurrence", "EndDateRecurrence", "NumberedRecurrence")
        ),
        None,
    )
    if boundary is None:
        raise ItemError("ErrorInvalidRecurrence", "The recurrence has no range.")
    range_start = date.fromisoformat(
        (boundary.findtext(t("StartDate")) or first_start.date().isoformat())[:10]
    )
    last_day = boundary.findtext(t("EndDate"))
    count = int(boundary.findtext(t("NumberOfOccurrences")) or "0")
    found: list[Occurrence] = []
    for index, day in enumerate(_dates(recurrence, range_start), start=1):
        if (
            index > MAX_OCCURRENCES
            or (count and index > count)
            or (last_day and day > date.fromisoformat(last_day[:10]))
        ):
            break
        local_start = datetime.combine(day, first_start.time(), tzinfo=zone)
        occurrence_start = local_start.astimezone(UTC)
        if occurrence_start >= end and index not in master.exceptions:
            break
        if index in master.deleted_occurrences:
            continue
        if index in master.exceptions:
            edited = master.exceptions[index]
            occurrence = Occurrence(index, _when(edited, "Start"), _when(edited, "End"))
        else:
            occurrence = Occurrence(index, occurrence_start, occurrence_start + length)
        if occurrence.start < end and occurrence.end > start:
            found.append(occurrence)
    return found


def occurrence_props(master: Item, index: int) -> dict[str, ET.Element]:
    """An occurrence as its own calendar item: the master's properties at the occurrence's times."""
    if index < 1 or index in master.deleted_occurrences:
        raise ItemError(
            "ErrorCalendarOccurrenceIsDeletedFromRecurrence", "The occurrence was deleted from the series."
        )
    natural = _natural(master, index)
    if natural is None:
        raise ItemError("ErrorItemNotFound", "The series has no such occurrence.")
    if index in master.exceptions:
        props = copy.deepcopy(master.exceptions[index])
    else:
        props = {k: copy.deepcopy(v) for k, v in master.props.items() if k != "Recurrence"}
        props["Start"] = leaf(t("Start"), _z(natural.start))
        props["End"] = leaf(t("End"), _z(natural.end))
    props.pop("Recurrence", None)
    props["OriginalStart"] = leaf(t("OriginalStart"), _z(natural.start))
    props["CalendarItemType"] = leaf(
        t("CalendarItemType"), "Exception" if index in master.exceptions else "Occurrence"
    )
    props["IsRecurring"] = leaf(t("IsRecurring"), "true")
    return props


def _natural(master: Item, index: int) -> Occurrence | None:
    """Where the series puts its ``index``-th occurrence, edits and deletions aside."""
    plain = Item(master.id, master.kind, master.folder_id, master.props)
    found = [
        o
        for o in expand(plain, _when(master.props, "Start"), datetime.max.replace(tzinfo=UTC))
        if o.index == index
    ]
    return found[0] if found else None


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def virtual(master: Item, index: int) -> Item:
    """The occurrence as an item (not stored): its id, the master's folder and change key."""
    return Item(
        occurrence_id(master.id, index),
        master.kind,
        master.folder_id,
        occurrence_props(master, index),
        master.change_key,
        master.seq,
    )
