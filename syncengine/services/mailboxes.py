"""What a person (or the engine) does to a mailbox: force a sync, suspend, resume."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from syncengine.models import Mailbox, MailboxStatus, Organization, Provider, Trigger
from syncengine.services.failures import USER_SUSPENDED
from syncengine.services.queue import enqueue_session

UNKNOWN_CAUSE = "UNKNOWN"


def mailbox_create(
    *,
    organization: Organization,
    owner: object,
    provider: str = Provider.GRAPH,
    address: str,
    provider_account: dict[str, str],
    credentials: dict[str, str],
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
        sync_interval_minutes=interval,
        next_due_at=timezone.now() + timedelta(seconds=random.uniform(0, min(interval * 60, 120))),
    )


def mailbox_force_sync(*, mailbox: Mailbox) -> bool:
    """Queue a session now. False when the mailbox is suspended (resume it first)."""
    if mailbox.suspended:
        return False
    Mailbox.objects.filter(pk=mailbox.pk).update(next_due_at=timezone.now())
    transaction.on_commit(lambda: enqueue_session(mailbox_id=mailbox.pk, trigger=Trigger.FORCE))
    return True


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
        status=MailboxStatus.NEW if mailbox.last_synced_at is None else MailboxStatus.OK,
        next_due_at=timezone.now(),
    )
    mailbox.refresh_from_db()
    transaction.on_commit(lambda: enqueue_session(mailbox_id=mailbox.pk, trigger=Trigger.FORCE))
