"""An organization's statistics over the last days, aggregated in the database (an org of thousands
of mailboxes has millions of session rows): sessions per day by outcome, items synced per stream and
direction from the journal, failures, and Salesforce API use against the org's allocation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate

from syncengine.core import journal
from syncengine.models import JournalEntry, Organization, Outcome, SalesforceConnection, SyncSession

TO_SALESFORCE = {journal.CREATED_IN_CRM, journal.UPDATED_IN_CRM, journal.DELETED_IN_CRM, journal.LINKED}
TO_MAILBOX = {journal.CREATED_IN_MAIL, journal.UPDATED_IN_MAIL, journal.DELETED_IN_MAIL}


@dataclass
class Day:
    day: date
    outcomes: dict[str, int] = field(default_factory=dict)
    to_salesforce: dict[str, int] = field(default_factory=dict)  # stream -> items
    to_mailbox: dict[str, int] = field(default_factory=dict)
    failed_items: int = 0
    crm_calls: int = 0

    @property
    def sessions(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class ApiUse:
    username: str
    used: int
    allowed: int  # the org's daily allocation, from Salesforce's last answer (Sforce-Limit-Info)


@dataclass(frozen=True)
class Stats:
    days: list[Day]
    api_use: list[ApiUse]

    @property
    def allocation(self) -> ApiUse | None:
        """The org's most recent use of its daily allocation (each connection sees the same org)."""
        return max(self.api_use, key=lambda a: a.used, default=None)


def organization_stats(*, organization: Organization, now: datetime, days: int = 14) -> Stats:
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    by_day = {
        (since + timedelta(days=n)).date(): Day((since + timedelta(days=n)).date()) for n in range(days)
    }
    sessions = SyncSession.objects.filter(mailbox__organization=organization, started_at__gte=since)
    for row in (
        sessions.annotate(day=TruncDate("started_at")).values("day", "outcome").annotate(n=Count("pk"))
    ):
        if row["day"] in by_day:
            by_day[row["day"]].outcomes[row["outcome"]] = row["n"]
    calls = sessions.annotate(
        day=TruncDate("started_at"), crm=Cast(KeyTextTransform("crm", "api_calls"), IntegerField())
    )
    for spent in calls.values("day").annotate(n=Sum("crm")):
        if spent["day"] in by_day:
            by_day[spent["day"]].crm_calls = spent["n"] or 0
    entries = JournalEntry.objects.filter(mailbox__organization=organization, at__gte=since)
    per_kind = entries.annotate(day=TruncDate("at")).values("day", "stream", "what").annotate(n=Count("pk"))
    for kind in per_kind:
        day = by_day.get(kind["day"])
        stream, n = kind["stream"], kind["n"]
        if day is None:
            continue
        if kind["what"] in TO_SALESFORCE:
            day.to_salesforce[stream] = day.to_salesforce.get(stream, 0) + n
        elif kind["what"] in TO_MAILBOX:
            day.to_mailbox[stream] = day.to_mailbox.get(stream, 0) + n
        elif kind["what"] == journal.FAILED:
            day.failed_items += n
    return Stats(days=list(by_day.values()), api_use=_api_use(organization))


def _api_use(organization: Organization) -> list[ApiUse]:
    found = []
    for username, usage in SalesforceConnection.objects.filter(organization=organization).values_list(
        "username", "api_usage"
    ):
        used, _, allowed = (usage or "").partition("/")
        if used.isdigit() and allowed.isdigit():
            found.append(ApiUse(username, int(used), int(allowed)))
    return found


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


def stacked_bars(
    columns: list[tuple[str, dict[str, int]]], colors: dict[str, str], *, width: int = 640, height: int = 160
) -> list[Bar]:
    """SVG rectangles for one stacked bar per column (pure): served inline, no script, no CDN."""
    tallest = max((sum(parts.values()) for _, parts in columns), default=0) or 1
    step = width / max(len(columns), 1)
    bars = []
    for index, (label, parts) in enumerate(columns):
        top = float(height)
        for key, color in colors.items():
            value = parts.get(key, 0)
            if not value:
                continue
            h = height * value / tallest
            top -= h
            bars.append(Bar(index * step + 2, top, max(step - 4, 1), h, color, f"{label}: {value} {key}"))
    return bars


OUTCOME_COLORS = {
    Outcome.SUCCEEDED: "#1b7f4b",
    Outcome.PARTIAL: "#a66a00",
    Outcome.HALTED: "#7a4fb3",
    Outcome.FAILED: "#b3261e",
}
