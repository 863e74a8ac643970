"""How an organization's listeners are, in words, for the console and the org's instant sync page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from instant.models import ListenerLease, ListenerState
from syncengine.models import Mailbox

_MAILBOX = re.compile(r":mailbox:\d+$")  # a per-mailbox listener's name ends with its mailbox's id

KIND_LABELS = {
    "salesforce-cdc": "Salesforce change events",
    "ews-streams": "Exchange streaming notifications",
    "gmail-pubsub": "Gmail notifications (Pub/Sub)",
    "wake-flush": "Sessions owed after a busy moment",
}


@dataclass(frozen=True)
class ListenerHealth:
    name: str
    kind: str
    state: str
    healthy: bool
    holder: str  # the process holding it; "" when none does
    silent: bool  # held, but its holder stopped renewing: it is dead and is being taken over
    beat_at: datetime | None
    last_event_at: datetime | None
    events: int
    wakes: int
    takeovers: int
    message: str
    shared: bool = False  # the server's, for every organization (Gmail's Pub/Sub): its counts are everyone's
    about: str = ""  # the mailbox a per-mailbox listener (Exchange's streams) listens for


def listener_health(organization_id: int, now: datetime | None = None) -> list[ListenerHealth]:
    now = now or timezone.now()
    rows = []
    leases = list(
        ListenerLease.objects.filter(Q(organization_id=organization_id) | Q(organization__isnull=True))
    )
    mailbox_of = {
        lease.name: int(lease.name.rsplit(":", 1)[1]) for lease in leases if _MAILBOX.search(lease.name)
    }
    addresses = dict(Mailbox.objects.filter(pk__in=mailbox_of.values()).values_list("pk", "address"))
    for lease in leases:
        silent = bool(lease.holder) and (lease.expires_at is None or lease.expires_at <= now)
        held = bool(lease.holder) and not silent
        rows.append(
            ListenerHealth(
                name=lease.name,
                kind=KIND_LABELS.get(lease.kind, lease.kind),
                state=ListenerState(lease.state).label if held else "Not running: no listen process holds it",
                healthy=held and lease.state == ListenerState.LISTENING,
                holder=lease.holder if held else "",
                silent=silent,
                beat_at=lease.beat_at,
                last_event_at=lease.last_event_at,
                events=lease.events,
                wakes=lease.wakes,
                takeovers=lease.takeovers,
                message=lease.message,
                shared=lease.organization_id is None,
                about=addresses.get(mailbox_of.get(lease.name, 0), ""),
            )
        )
    return rows
