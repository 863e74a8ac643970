"""Expanding an RRULE (RFC 5545 subset) into occurrence start times, in the event's own zone.

Supports FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT, UNTIL and (weekly) BYDAY, plus
EXDATE lines. Wall-clock times stay fixed in the zone, so occurrences follow DST as Google does.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.google.errors import bad_request

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_OCCURRENCES = 3000


def parse(lines: list[str]) -> tuple[dict[str, str], set[str]]:
    """The RRULE's parts and the EXDATE values (as written); 400 for a rule we cannot read."""
    rule: dict[str, str] = {}
    exdates: set[str] = set()
    for line in lines:
        name, _, value = line.partition(":")
        head = name.split(";")[0].upper()
        if head == "RRULE":
            for part in value.split(";"):
                key, _, val = part.partition("=")
                rule[key.upper()] = val.upper()
        elif head == "EXDATE":
            exdates.update(v.strip() for v in value.split(","))
        elif head not in ("RDATE", "EXRULE"):
            raise bad_request(f"Invalid recurrence rule: {line}")
    if rule and rule.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise bad_request(f"Invalid recurrence rule: FREQ={rule.get('FREQ')}")
    return rule, exdates


def _days(first: date, rule: dict[str, str]) -> Iterator[date]:
    interval = max(1, int(rule.get("INTERVAL") or 1))
    freq = rule["FREQ"]
    if freq == "DAILY":
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    elif freq == "WEEKLY":
        wanted = sorted({DAYS.index(d[-2:]) for d in rule.get("BYDAY", "").split(",") if d[-2:] in DAYS})
        wanted = wanted or [first.weekday()]
        week = first - timedelta(days=first.weekday())
        while True:
            for offset in wanted:
                day = week + timedelta(days=offset)
                if day >= first:
                    yield day
            week += timedelta(weeks=interval)
    else:
        months = first.year * 12 + first.month - 1
        step = interval if freq == "MONTHLY" else 12 * interval
        while True:
            year, month = divmod(months, 12)
            if first.day <= calendar.monthrange(year, month + 1)[1]:  # RFC 5545: invalid dates skipped
                yield date(year, month + 1, first.day)
            months += step


def _until(value: str, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    if "T" in value:
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
        return moment.replace(tzinfo=UTC) if value.endswith("Z") else moment.replace(tzinfo=tz)
    return datetime.strptime(value, "%Y%m%d").replace(tzinfo=tz) + timedelta(days=1) - timedelta(seconds=1)


def starts(first: datetime, tz: ZoneInfo, lines: list[str], until: datetime) -> Iterator[datetime]:
    """Occurrence starts (aware, UTC) from ``first`` (the series' first start) up to ``until``."""
    rule, exdates = parse(lines)
    if not rule:
        yield first
        return
    local = first.astimezone(tz)
    count = int(rule["COUNT"]) if rule.get("COUNT") else None
    stop = _until(rule.get("UNTIL", ""), tz)
    made = 0
    for day in _days(local.date(), rule):
        moment = datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)
        if (stop is not None and moment > stop) or moment >= until or made >= MAX_OCCURRENCES:
            return
        if count is not None and made >= count:
            return
        made += 1
        written = {moment.strftime("%Y%m%dT%H%M%SZ"), moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")}
        if written & exdates or day.strftime("%Y%m%d") in exdates:
            continue
        yield moment
