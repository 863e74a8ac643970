"""One session per mailbox at a time, whatever the number of workers: a lease on the row.

Taken by a conditional UPDATE whose row count says who won; it expires on its own, so a worker
killed mid-session blocks its mailbox only until the lease runs out.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from syncengine.models import Mailbox


def lease_claim(*, mailbox_id: int) -> str | None:
    token = secrets.token_hex(16)
    now = timezone.now()
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, suspended=False)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(lease_token=token, lease_expires_at=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS))
    )
    return token if claimed == 1 else None


def lease_release(*, mailbox_id: int, token: str) -> None:
    Mailbox.objects.filter(pk=mailbox_id, lease_token=token).update(lease_token="", lease_expires_at=None)
