"""The organization's sessions and issues, filtered as the console's lists show them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from syncengine.models import Organization, SyncIssue, SyncSession

PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}


def sessions_of(
    *,
    organization: Organization,
    now: datetime,
    outcome: str = "",
    mailbox_id: int | None = None,
    period: str = "week",
) -> QuerySet[SyncSession]:
    sessions = SyncSession.objects.filter(mailbox__organization=organization).select_related("mailbox")
    if outcome:
        sessions = sessions.filter(outcome=outcome)
    if mailbox_id:
        sessions = sessions.filter(mailbox_id=mailbox_id)
    if period in PERIODS:
        sessions = sessions.filter(started_at__gte=now - PERIODS[period])
    return sessions.order_by("-started_at", "-pk")


def issues_of(
    *,
    organization: Organization,
    state: str = "open",
    code: str = "",
    stream: str = "",
    mailbox_id: int | None = None,
) -> QuerySet[SyncIssue]:
    issues = SyncIssue.objects.filter(mailbox__organization=organization).select_related("mailbox")
    if state == "open":
        issues = issues.filter(resolved=False)
    elif state == "resolved":
        issues = issues.filter(resolved=True)
    if code:
        issues = issues.filter(code=code)
    if stream:
        issues = issues.filter(stream=stream)
    if mailbox_id:
        issues = issues.filter(mailbox_id=mailbox_id)
    return issues.order_by("-last_seen_at", "-pk")
