"""Recording per-item problems so a person sees them and the item is retried, never dropped."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from syncengine.models import Mailbox, SyncIssue, SyncSession

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
) -> SyncIssue:
    """Open an issue, or count one more occurrence of the same open issue for the same item."""
    now = timezone.now()
    existing = SyncIssue.objects.filter(
        mailbox=mailbox, stream=stream, code=code, mail_id=mail_id, crm_id=crm_id, resolved=False
    ).first()
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
        first_seen_at=now,
        last_seen_at=now,
    )


def issues_resolve_for_items(*, mailbox: Mailbox, stream: str, mail_ids: set[str], crm_ids: set[str]) -> int:
    """Items that synced cleanly close their open retry issues."""
    if not mail_ids and not crm_ids:
        return 0
    open_issues = SyncIssue.objects.filter(
        mailbox=mailbox, stream=stream, resolved=False, details__has_key="pending"
    )
    by_mail = open_issues.filter(mail_id__in=mail_ids) if mail_ids else open_issues.none()
    by_crm = open_issues.filter(crm_id__in=crm_ids) if crm_ids else open_issues.none()
    return (by_mail | by_crm).update(resolved=True, last_seen_at=timezone.now())


def issue_dismiss(*, issue: SyncIssue) -> None:
    """A person has seen it: close the issue (a retryable item is then no longer retried)."""
    SyncIssue.objects.filter(pk=issue.pk).update(resolved=True, last_seen_at=timezone.now())
