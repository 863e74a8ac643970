"""Dispatching sessions to django-q2 workers. The database says what is due; the queue only
dispatches, so a lost message delays a session and never loses it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.tasks import async_task

from syncengine.models import Mailbox, Trigger
from syncengine.selectors import owner_is_member

log = logging.getLogger(__name__)


def enqueue_session(*, mailbox_id: int, trigger: str) -> None:
    async_task(
        "syncengine.tasks.run_mailbox_session",
        mailbox_id,
        trigger,
        task_name=f"sync mailbox {mailbox_id} ({trigger})",
        group="sync-sessions",
    )


def sessions_enqueue_due() -> int:
    """Queue every mailbox whose session is due and not running; returns how many were queued."""
    now = timezone.now()
    # Due before the next tick counts as due now: otherwise every session starts up to a tick late.
    horizon = now + timedelta(minutes=settings.SYNC_SCHEDULER_TICK_MINUTES) / 2
    due = list(
        Mailbox.objects.filter(owner_is_member(), suspended=False, next_due_at__lte=horizon)
        .exclude(lease_expires_at__gt=now)
        .values_list("pk", flat=True)
    )
    if not due:
        return 0
    # Push the due time past the queue's retry window so the next tick does not queue it twice;
    # the session sets the real next due time when it finishes.
    Mailbox.objects.filter(pk__in=due).update(
        next_due_at=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS), queued_at=now
    )
    for mailbox_id in due:
        enqueue_session(mailbox_id=mailbox_id, trigger=Trigger.SCHEDULE)
    log.info("queued %d due sync sessions", len(due))
    return len(due)
