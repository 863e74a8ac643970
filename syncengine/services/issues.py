"""Recording per-item problems so a person sees them and the item is retried, never dropped."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from syncengine.models import Mailbox, RetryState, SyncIssue, SyncSession
from syncengine.services.mailboxes import mailbox_force_sync

# Codes for problems that are not about one write failing.
CONFLICT_RESOLVED = "CONFLICT_RESOLVED"


def issue_record(
    *,
    mailbox: Mailbox,
    session: SyncSession | None,
    stream: str,
    code: str,
    message: str,
    mail_id: str = "",
    crm_object: str = "",
    crm_id: str = "",
    label: str = "",
    details: dict[str, Any] | None = None,
    retry: str = RetryState.NONE,
) -> SyncIssue:
    """Open an issue, or count one more occurrence of the same issue for the same item: an open one,
    or one a person hid while its retries go on (it stays hidden)."""
    now = timezone.now()
    existing = (
        SyncIssue.objects.filter(mailbox=mailbox, stream=stream, code=code, mail_id=mail_id, crm_id=crm_id)
        .filter(Q(resolved=False) | Q(retry=RetryState.AUTO))
        .order_by("resolved", "-last_seen_at")
        .first()
    )
    if existing is not None and code != CONFLICT_RESOLVED:
        SyncIssue.objects.filter(pk=existing.pk).update(
            occurrences=F("occurrences") + 1,
            last_seen_at=now,
            message=message,
            session=session,
            details=details or existing.details,
        )
        existing.refresh_from_db()
        return existing
    return SyncIssue.objects.create(
        mailbox=mailbox,
        session=session,
        stream=stream,
        code=code,
        message=message,
        mail_id=mail_id,
        crm_object=crm_object,
        crm_id=crm_id,
        item_label=label[:300],
        details=details or {},
        retry=retry,
        first_seen_at=now,
        last_seen_at=now,
    )


def issues_resolve_for_items(*, mailbox: Mailbox, stream: str, mail_ids: set[str], crm_ids: set[str]) -> int:
    """Items that synced cleanly close their open retry issues."""
    if not mail_ids and not crm_ids:
        return 0
    open_issues = SyncIssue.objects.filter(mailbox=mailbox, stream=stream, details__has_key="pending").filter(
        Q(resolved=False) | Q(retry=RetryState.AUTO)
    )
    by_mail = open_issues.filter(mail_id__in=mail_ids) if mail_ids else open_issues.none()
    by_crm = open_issues.filter(crm_id__in=crm_ids) if crm_ids else open_issues.none()
    return (by_mail | by_crm).update(resolved=True, retry=RetryState.NONE, last_seen_at=timezone.now())


def issue_dismiss(*, issue: SyncIssue) -> bool:
    """A person has seen it: hide the issue. Its item's retries go on (only "Stop trying" ends them);
    returns whether they do."""
    retries = issue.retries
    SyncIssue.objects.filter(pk=issue.pk).update(
        resolved=True,
        retry=RetryState.AUTO if retries else issue.retry,
        last_seen_at=timezone.now(),
    )
    return retries


def issue_stop_retrying(*, issue: SyncIssue) -> None:
    """A person chose to stop: the item is not tried again, and stays unsynced until it changes on its
    side (or is tagged again), when it syncs as any change does."""
    SyncIssue.objects.filter(pk=issue.pk).update(
        resolved=True, retry=RetryState.STOPPED, last_seen_at=timezone.now()
    )


def issue_retry_now(*, issue: SyncIssue) -> bool:
    """Try the item again at once: a session is queued (False: the mailbox is suspended)."""
    if "pending" in (issue.details or {}):
        SyncIssue.objects.filter(pk=issue.pk).update(retry=RetryState.AUTO)
    return bool(mailbox_force_sync(mailbox=issue.mailbox))
