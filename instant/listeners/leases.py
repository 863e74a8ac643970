"""Who holds a listener: a lease in the database, so several ``listen`` processes on several
machines never run one listener twice, and a dead holder's listeners are taken over once its lease
runs out.

Taking and renewing are single conditional UPDATEs (holder is us, or the lease has run out), which
both SQLite and PostgreSQL do atomically: two processes racing for one row cannot both win.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from instant.models import ListenerLease, ListenerState

LEASE_SECONDS = 30  # a holder that has not renewed for this long is taken to be dead (the setting's default)


def holder_name() -> str:
    """This process, as other processes see it in the lease table: host, pid and a random part (a
    restarted process with the same pid is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_take(
    *,
    name: str,
    kind: str,
    organization_id: int | None,
    holder: str,
    now: datetime | None = None,
    seconds: int = LEASE_SECONDS,
) -> bool:
    """Take the listener's lease if it is free, ours, or run out. True when we hold it now."""
    now = now or timezone.now()
    ListenerLease.objects.get_or_create(
        name=name, defaults={"kind": kind, "organization_id": organization_id}
    )
    free = Q(holder="") | Q(expires_at__isnull=True) | Q(expires_at__lte=now)
    ours = Q(holder=holder)
    was = ListenerLease.objects.filter(name=name).values_list("holder", "expires_at").first()
    taken = (
        ListenerLease.objects.filter(name=name)
        .filter(free | ours)
        .update(
            holder=holder,
            expires_at=now + timedelta(seconds=seconds),
            taken_at=now,
            beat_at=now,
            state=ListenerState.STARTING,
            message="",
            kind=kind,
            organization_id=organization_id,
        )
    )
    if taken and was and was[0] and was[0] != holder:  # a holder died (or stopped) and we carry on
        ListenerLease.objects.filter(name=name, holder=holder).update(takeovers=F("takeovers") + 1)
    return bool(taken)


def lease_renew(*, name: str, holder: str, now: datetime | None = None, seconds: int = LEASE_SECONDS) -> bool:
    """Extend our lease. False when it is no longer ours (it ran out and another process took it):
    the listener must stop at once."""
    now = now or timezone.now()
    return bool(
        ListenerLease.objects.filter(name=name, holder=holder).update(
            expires_at=now + timedelta(seconds=seconds), beat_at=now
        )
    )


def lease_release(*, name: str, holder: str, state: str = ListenerState.STOPPED, message: str = "") -> None:
    """Give the lease up (a clean stop): another process may take it at once."""
    ListenerLease.objects.filter(name=name, holder=holder).update(
        holder="", expires_at=None, state=state, message=message[:500]
    )


def lease_held_by(name: str) -> str:
    """The live holder of a listener ('' when none)."""
    row = ListenerLease.objects.filter(name=name).values_list("holder", "expires_at").first()
    if row is None or not row[0] or row[1] is None or row[1] <= timezone.now():
        return ""
    return str(row[0])
