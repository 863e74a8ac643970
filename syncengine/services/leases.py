"""One session per mailbox at a time, whatever the number of workers: a lease on the row.

Taken by a conditional UPDATE whose row count says who won; it expires on its own, so a worker
killed mid-session blocks its mailbox only until the lease runs out. A session that lives renews it
at each stream boundary and before each commit (``lease_renew``). The renewal is also the commit's
fencing token: a conditional UPDATE on "the row still holds my token", run inside the commit's
transaction, so the row stays locked until the commit ends and a session whose lease ran out and was
taken by another writes nothing (``LeaseLostError``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from syncengine.models import Mailbox
from syncengine.selectors import owner_is_member


class LeaseLostError(Exception):
    """This session ran past its lease and another session took the mailbox: it must write nothing more."""

    def __init__(self, mailbox_id: int) -> None:
        super().__init__(
            f"mailbox {mailbox_id}: this session ran past its lease and another session took over the "
            "mailbox; nothing more of this session was committed (the other session carries on from the "
            "last commit)."
        )
        self.mailbox_id = mailbox_id


@dataclass(frozen=True)
class Lease:
    """What a session holds: proof that it, and no other, may commit for this mailbox."""

    mailbox_id: int
    token: str


def _expiry(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SYNC_LEASE_SECONDS)


def lease_claim(*, mailbox_id: int, now: datetime | None = None) -> str | None:
    token = secrets.token_hex(16)
    now = now or timezone.now()
    claimed = (
        # Only a mailbox whose owner is still a member of its organization syncs.
        Mailbox.objects.filter(owner_is_member(), pk=mailbox_id, suspended=False)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        # The queued session (if any) is the one starting now: the next may be queued again.
        .update(lease_token=token, lease_expires_at=_expiry(now), queued_at=None)
    )
    return token if claimed == 1 else None


def lease_renew(*, lease: Lease, now: datetime | None = None) -> None:
    """Extend the lease, or raise ``LeaseLostError`` when another session holds the mailbox now.

    Called inside a commit's transaction, it fences the commit: the UPDATE locks the row until the
    transaction ends, so no claim slips in between this check and the commit's writes.
    """
    held = Mailbox.objects.filter(pk=lease.mailbox_id, lease_token=lease.token).update(
        lease_expires_at=_expiry(now or timezone.now())
    )
    if held != 1:
        raise LeaseLostError(lease.mailbox_id)


def lease_release(*, mailbox_id: int, token: str) -> None:
    Mailbox.objects.filter(pk=mailbox_id, lease_token=token).update(lease_token="", lease_expires_at=None)
