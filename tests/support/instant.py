"""Instant sync: what waits in django-q2's queue, waiting for a webhook's effect, and event bodies."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from instant.models import NotificationChannel
from instant.shared_secret import secret_hash
from syncengine.models import Provider


def _waiting_tasks() -> list[dict[str, Any]]:
    """What waits in django-q2's queue, read without taking it: the ORM broker's table, or Redis's list."""
    broker = get_broker()
    if isinstance(broker, ORM):
        return [message.task for message in OrmQ.objects.all()]
    raw = broker.connection.lrange(broker.list_key, 0, -1)  # type: ignore[attr-defined]
    return [SignedPackage.loads(item) for item in raw]


def queued_sessions(mailbox_id: int) -> list[str]:
    """The triggers of the sessions waiting in django-q2's queue for this mailbox."""
    found = []
    for task in _waiting_tasks():
        if task["func"] == "syncengine.tasks.run_mailbox_session" and task["args"][0] == mailbox_id:
            found.append(task["args"][1])
    return found


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:  # generous: shared, busy CPUs
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {check}")


def event(subject: str, day: str = "") -> dict[str, Any]:
    day = day or (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")  # always ahead of today
    return {
        "subject": subject,
        "start": {"dateTime": f"{day}T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"{day}T11:00:00", "timeZone": "UTC"},
    }


def graph_channel(mailbox: Any, secret: str, channel_id: str = "sub-1") -> NotificationChannel:
    """A Graph subscription on the mailbox's events, as opened, knowing its shared secret."""
    return NotificationChannel.objects.create(
        mailbox=mailbox,
        provider=Provider.GRAPH,
        stream="events",
        resource="me/events",
        channel_id=channel_id,
        secret_hash=secret_hash(secret),
        expires_at=datetime.now(UTC) + timedelta(days=2),
    )
