"""A mailbox's health as the people who run the sync see it, worked out from what is stored (pure):
the console's lists, the API and the notifications' digest say it the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from syncengine.models import Mailbox
from syncengine.services.failures import MAIL_SIGN_IN_CODES, SALESFORCE_SIGN_IN_CODES, USER_SUSPENDED


@dataclass(frozen=True)
class Health:
    key: str  # one of HEALTH_LABELS, what filters use
    label: str
    why: str = ""  # the cause, in words, where there is one


HEALTH_LABELS = {
    "synced": "Synced",
    "issues": "Synced, items need attention",
    "failing": "Failing (the engine keeps trying)",
    "reconnect": "Reconnect needed",
    "suspended": "Suspended",
    "never": "Never synced",
    "stale": "Not synced for a long time",
}


def mailbox_health(
    *,
    suspended: bool,
    suspended_reason: str,
    cause_code: str,
    status_message: str,
    consecutive_failures: int,
    last_synced_at: datetime | None,
    open_issues: int,
    salesforce_connected: bool,
    interval_minutes: int,
    now: datetime,
) -> Health:
    """The one state a mailbox is in, worst first: a fix a person must make comes before a wait."""
    if cause_code in MAIL_SIGN_IN_CODES | SALESFORCE_SIGN_IN_CODES or not salesforce_connected:
        side = "the mailbox" if cause_code in MAIL_SIGN_IN_CODES else "Salesforce"
        why = suspended_reason or status_message or f"{side} must be connected again"
        return Health("reconnect", HEALTH_LABELS["reconnect"], f"Reconnect {side}: {why}")
    if suspended:
        who = "by its owner" if cause_code == USER_SUSPENDED else "by the engine"
        return Health("suspended", HEALTH_LABELS["suspended"], f"Suspended {who}: {suspended_reason}")
    if consecutive_failures:
        return Health(
            "failing",
            HEALTH_LABELS["failing"],
            f"{consecutive_failures} failed session(s) in a row: {status_message}",
        )
    if last_synced_at is None:
        return Health("never", HEALTH_LABELS["never"], "No session has finished yet.")
    # Several intervals without a session: the schedule or the workers are not reaching it.
    if now - last_synced_at > timedelta(minutes=max(interval_minutes, 1) * 4):
        return Health("stale", HEALTH_LABELS["stale"], f"Last synced {last_synced_at:%Y-%m-%d %H:%M} UTC.")
    if open_issues:
        return Health("issues", HEALTH_LABELS["issues"], f"{open_issues} open issue(s).")
    return Health("synced", HEALTH_LABELS["synced"])


def health_of(
    mailbox: Mailbox, *, now: datetime, salesforce_connected: bool, open_issues: int | None = None
) -> Health:
    issues = open_issues if open_issues is not None else getattr(mailbox, "open_issues", 0)
    return mailbox_health(
        suspended=mailbox.suspended,
        suspended_reason=mailbox.suspended_reason,
        cause_code=mailbox.cause_code,
        status_message=mailbox.status_message,
        consecutive_failures=mailbox.consecutive_failures,
        last_synced_at=mailbox.last_synced_at,
        open_issues=issues,
        salesforce_connected=salesforce_connected,
        interval_minutes=mailbox.sync_interval_minutes,
        now=now,
    )
