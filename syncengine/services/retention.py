"""The daily clean-up: what the dashboard, support and audits no longer need goes, in small batches,
with what feature apps registered (syncengine/extensions.py).

Kept whatever their age: each mailbox's latest sessions (the dashboard shows them), open issues,
undecided held deletions, and audit entries younger than AUDIT_RETENTION_DAYS.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django_q.models import Failure, Success

from audit.models import AuditEntry
from syncengine.extensions import retention_steps
from syncengine.models import HeldDeletion, SyncIssue, SyncSession

log = logging.getLogger(__name__)

BATCH = 1000


def delete_in_batches(rows: QuerySet[Any]) -> int:
    """Delete by primary key in batches, so no single statement locks a large table for long."""
    total = 0
    while True:
        ids = list(rows.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return total
        rows.model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)


def _old_sessions(cutoff: datetime) -> QuerySet[SyncSession]:
    keep = settings.RETENTION_KEEP_SESSIONS
    # The started_at of each mailbox's keep-th newest session: anything older than that and the cutoff goes.
    boundary = (
        SyncSession.objects.filter(mailbox_id=OuterRef("mailbox_id"))
        .order_by("-started_at")
        .values("started_at")[keep - 1 : keep]
    )
    return (
        SyncSession.objects.filter(started_at__lt=cutoff)
        .exclude(finished_at__isnull=True)
        .annotate(boundary=Subquery(boundary))
        # Fewer sessions than ``keep``: no boundary (NULL), nothing of that mailbox goes.
        .filter(started_at__lt=F("boundary"))
    )


def retention_cleanup(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    removed = {
        "sessions": delete_in_batches(_old_sessions(cutoff)),
        "issues": delete_in_batches(SyncIssue.objects.filter(resolved=True, last_seen_at__lt=cutoff)),
        "held_deletions": delete_in_batches(
            HeldDeletion.objects.exclude(decision="").filter(decided_at__lt=cutoff)
        ),
        "task_results": delete_in_batches(Success.objects.filter(stopped__lt=cutoff))
        + delete_in_batches(Failure.objects.filter(stopped__lt=cutoff)),
        # Sign-in records far older than any cool-off: they lock nobody out any more.
        "sign_in_records": sum(
            delete_in_batches(model.objects.filter(attempt_time__lt=cutoff))
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        ),
        "audit_entries": delete_in_batches(
            AuditEntry.objects.filter(at__lt=now - timedelta(days=settings.AUDIT_RETENTION_DAYS))
        ),
    }
    for name, clean_up in retention_steps().items():  # what feature apps keep (notifications, ...)
        removed[name] = clean_up(cutoff)
    log.info("retention clean-up: %s", removed)
    return removed
