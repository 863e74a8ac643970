"""A mailbox's last weeks as a chart: items synced per day (to Salesforce, to the mailbox), with the
days that had a failed session marked. Counted in the database, drawn as inline SVG on the server
(console/stats.py's stacked bars): no script, no CDN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate

from console.stats import TO_MAILBOX, TO_SALESFORCE, Bar, stacked_bars
from syncengine.models import JournalEntry, Mailbox, Outcome, SyncSession

DAYS = 28
WIDTH, HEIGHT = 640, 120
COLORS = {"to Salesforce": "#0b5cad", "to the mailbox": "#1b7f4b"}
FAILED_COLOR = "#b3261e"


@dataclass(frozen=True)
class Marker:
    """A failed day: a mark under its bar."""

    x: float
    title: str


@dataclass(frozen=True)
class HistoryChart:
    bars: list[Bar]
    markers: list[Marker]
    first_day: date
    last_day: date
    to_salesforce: int
    to_mailbox: int
    failed_days: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not (self.to_salesforce or self.to_mailbox or self.failed_days)


def history_chart(*, mailbox: Mailbox, now: datetime, days: int = DAYS) -> HistoryChart:
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [(since + timedelta(days=n)).date() for n in range(days)]
    items: dict[date, dict[str, int]] = {d: {} for d in dates}
    entries = JournalEntry.objects.filter(mailbox=mailbox, at__gte=since)
    for row in entries.annotate(day=TruncDate("at")).values("day", "what").annotate(n=Count("pk")):
        side = (
            "to Salesforce"
            if row["what"] in TO_SALESFORCE
            else "to the mailbox"
            if row["what"] in TO_MAILBOX
            else ""
        )
        if side and row["day"] in items:
            items[row["day"]][side] = items[row["day"]].get(side, 0) + row["n"]
    failed = (
        SyncSession.objects.filter(mailbox=mailbox, started_at__gte=since, outcome=Outcome.FAILED)
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    failed_on = {row["day"]: row["n"] for row in failed if row["day"] in items}
    columns = [(f"{d:%b %d}", items[d]) for d in dates]
    step = WIDTH / days
    markers = [
        Marker(dates.index(d) * step + step / 2, f"{d:%b %d}: {n} failed session{'s' if n > 1 else ''}")
        for d, n in sorted(failed_on.items())
    ]
    return HistoryChart(
        bars=stacked_bars(columns, COLORS, width=WIDTH, height=HEIGHT),
        markers=markers,
        first_day=dates[0],
        last_day=dates[-1],
        to_salesforce=sum(c.get("to Salesforce", 0) for c in items.values()),
        to_mailbox=sum(c.get("to the mailbox", 0) for c in items.values()),
        failed_days=len(failed_on),
    )
