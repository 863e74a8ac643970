"""django-q2 task entry points: thin, they take ids and call one service."""

from __future__ import annotations

from syncengine.models import Trigger
from syncengine.services.queue import sessions_enqueue_due
from syncengine.services.retention import retention_cleanup
from syncengine.services.sessions import session_run


def run_mailbox_session(mailbox_id: int, trigger: str = Trigger.SCHEDULE) -> str:
    session = session_run(mailbox_id=mailbox_id, trigger=trigger)
    return (
        "skipped (lease held or suspended)" if session is None else f"session {session.pk}: {session.outcome}"
    )


def enqueue_due_sessions() -> int:
    return sessions_enqueue_due()


def clean_up_old_records() -> dict[str, int]:
    return retention_cleanup()
