"""django-q2 entry points of the notifications (scheduled hourly by notify's migration)."""

from __future__ import annotations

from notify.services import notifications_hourly


def send_notifications() -> int:
    return notifications_hourly()
