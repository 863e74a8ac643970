"""What a person (or the engine) does to a mailbox: force a sync, suspend, resume."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from syncengine.models import Mailbox, MailboxStatus, Organization, Provider, Trigger
from syncengine.services.failures import USER_SUSPENDED
from syncengine.services.queue import enqueue_session

UNKNOWN_CAUSE = "UNKNOWN"


def mailbox_create(
    *,
    organization: Organization,
    owner: User,
    provider: str = Provider.GRAPH,
    address: str,
    provider_account: dict[str, str],
    credentials: dict[str, str],
    added_by: User | None = None,
) -> Mailbox:
    """A new mailbox starts at a random point of its interval, so mailboxes do not sync in step."""
    interval = settings.SYNC_INTERVAL_MINUTES
    return Mailbox.objects.create(
        organization=organization,
        owner=owner,
        provider=provider,
        address=address,
        provider_account=provider_account,
        credentials=credentials,
        added_by=added_by,
        sync_interval_minutes=interval,
        next_due_at=timezone.now() + timedelta(seconds=random.uniform(0, min(interval * 60, 120))),
    )


@dataclass(frozen=True)
class ForceSync:
    """What a Force sync did: queued a session, or why not (and when the next may run)."""

    queued: bool
    refused: str = ""  # "" | "suspended" | "already_queued" | "too_soon"
    next_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.queued


def force_sync_next_at(mailbox: Mailbox, now: datetime | None = None) -> datetime | None:
    """When the mailbox's next Force sync may run; None when it may run now."""
    if mailbox.forced_at is None:
        return None
    next_at = mailbox.forced_at + timedelta(seconds=settings.FORCE_SYNC_COOLDOWN_SECONDS)
    return next_at if next_at > (now or timezone.now()) else None


def mailbox_force_sync(*, mailbox: Mailbox) -> ForceSync:
    """Queue a session now, at most one per mailbox and one per cool-down (a conditional UPDATE, so
    concurrent clicks cannot both win). A queued mark older than a lease is a lost message: retaken."""
    now = timezone.now()
    free = Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(seconds=settings.SYNC_LEASE_SECONDS))
    rested = Q(forced_at__isnull=True) | Q(
        forced_at__lte=now - timedelta(seconds=settings.FORCE_SYNC_COOLDOWN_SECONDS)
    )
    won = Mailbox.objects.filter(free, rested, pk=mailbox.pk, suspended=False).update(
        queued_at=now, forced_at=now, next_due_at=now
    )
    if won:
        transaction.on_commit(lambda: enqueue_session(mailbox_id=mailbox.pk, trigger=Trigger.FORCE))
        return ForceSync(queued=True, next_at=now + timedelta(seconds=settings.FORCE_SYNC_COOLDOWN_SECONDS))
    current = Mailbox.objects.get(pk=mailbox.pk)
    if current.suspended:
        return ForceSync(queued=False, refused="suspended")
    next_at = force_sync_next_at(current, now)
    if next_at is not None:
        return ForceSync(queued=False, refused="too_soon", next_at=next_at)
    return ForceSync(queued=False, refused="already_queued")


def mailbox_suspend(*, mailbox: Mailbox, reason: str, automatic: bool = False, code: str = "") -> None:
    """``code`` names the cause (failures.py); a person's own suspension is ``USER_SUSPENDED``."""
    prefix = "" if automatic else "Suspended by user: "
    Mailbox.objects.filter(pk=mailbox.pk).update(
        suspended=True,
        cause_code=(code or (UNKNOWN_CAUSE if automatic else USER_SUSPENDED))[:60],
        suspended_reason=(prefix + reason)[:500],
        suspended_at=timezone.now(),
        status=MailboxStatus.SUSPENDED,
    )
    mailbox.refresh_from_db()


def mailbox_resume(*, mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        suspended=False,
        suspended_reason="",
        suspended_at=None,
        consecutive_failures=0,
        cause_code="",
        # The last failure's message is no longer the mailbox's state: a "Synced" badge beside it
        # would say two things at once.
        status_message="",
        status=MailboxStatus.NEW if mailbox.last_synced_at is None else MailboxStatus.OK,
        next_due_at=timezone.now(),
    )
    mailbox.refresh_from_db()
    transaction.on_commit(lambda: enqueue_session(mailbox_id=mailbox.pk, trigger=Trigger.RESUME))


def mailbox_autosave_set(*, mailbox: Mailbox, meetings: bool, appointments: bool) -> None:
    """The owner's own auto-save choices for calendar items; the next session reads them."""
    Mailbox.objects.filter(pk=mailbox.pk).update(
        autosave_meetings=meetings, autosave_appointments=appointments
    )
    mailbox.autosave_meetings, mailbox.autosave_appointments = meetings, appointments
