"""The retry ledger of every stream: the items whose write failed, read again and retried next session.

An item to retry is kept on its ``SyncIssue``, under ``details["pending"]``: which side to read it again
from, its id there, whether the write that failed was a deletion, how many sessions tried it, why it was
being synced, the last error and whether it is permanent. The issue's ``retry`` state is the person's
say: a hidden issue is still retried, one a person stopped is not (syncengine/services/issues.py).

One item may have several open issues (one per error code): the ledger lists it once, with the most
attempts any of them counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Q

from syncengine.models import Mailbox, RetryState, SyncIssue, SyncSession
from syncengine.services.issues import issue_record, issues_resolve_for_items

_DUE = Q(retry=RetryState.AUTO) | Q(retry=RetryState.NONE, resolved=False)


@dataclass(frozen=True)
class RetryItem:
    side: str  # where the item is read again from: "mail" or "crm"
    id: str  # its id on that side (emails: the InternetMessageId)
    deleted: bool = False  # the write that failed was a deletion
    attempts: int = 1  # sessions that tried it
    reason: str = ""  # why it was being synced (emails: "category", "folder", ...)
    problem: str = ""  # the last error
    permanent: bool = False  # the last error will not go away by itself
    thread: str = ""  # where to read it again through, when its side cannot by id (an email's conversation)


def retries_due(*, mailbox: Mailbox, stream: str, side: str) -> list[RetryItem]:
    """The items of a mailbox's stream and side to retry this session, oldest first."""
    rows = (
        SyncIssue.objects.filter(mailbox=mailbox, stream=stream, details__pending__side=side)
        .filter(_DUE)
        .order_by("first_seen_at", "pk")
        .values_list("details", flat=True)
    )
    items: dict[str, RetryItem] = {}
    for details in rows:
        item = _item(details["pending"])
        if item is None:
            continue
        known = items.get(item.id)
        if known is not None:  # the same item under another error code: one entry, its most attempts
            item = RetryItem(
                **{
                    **asdict(item),
                    "deleted": known.deleted or item.deleted,
                    "attempts": max(known.attempts, item.attempts),
                }
            )
        items[item.id] = item
    return list(items.values())


def retry_record(
    *,
    mailbox: Mailbox,
    session: SyncSession | None,
    stream: str,
    item: RetryItem,
    code: str,
    message: str,
    mail_id: str = "",
    crm_id: str = "",
    crm_object: str = "",
    label: str = "",
    details: dict[str, Any] | None = None,
) -> SyncIssue:
    """Keep the item to retry at every session: its issue is opened (or counts one more occurrence) and
    holds it. ``details``: more to show with the issue."""
    return issue_record(
        mailbox=mailbox,
        session=session,
        stream=stream,
        code=code,
        message=message,
        mail_id=mail_id,
        crm_object=crm_object,
        crm_id=crm_id,
        label=label,
        details={**(details or {}), "pending": asdict(item), "permanent": item.permanent},
        retry=RetryState.AUTO,
    )


def retry_attempt_count(*, mailbox: Mailbox, stream: str, item: RetryItem, attempts: int) -> None:
    """A retry that could not even be tried (the item could not be read again) counts as an attempt."""
    for issue in _issues_of(mailbox, stream, item):
        pending = {**issue.details["pending"], "attempts": attempts}
        SyncIssue.objects.filter(pk=issue.pk).update(details={**issue.details, "pending": pending})


def retries_settle(*, mailbox: Mailbox, stream: str, mail_ids: set[str], crm_ids: set[str]) -> int:
    """Items synced cleanly, or with nothing left to sync (deleted meanwhile): their retries end and
    their issues close. ``mail_ids``/``crm_ids`` as on the issues."""
    return issues_resolve_for_items(mailbox=mailbox, stream=stream, mail_ids=mail_ids, crm_ids=crm_ids)


def retry_give_up(
    *,
    mailbox: Mailbox,
    session: SyncSession | None,
    stream: str,
    code: str,
    message: str,
    mail_id: str = "",
    crm_id: str = "",
    label: str = "",
    details: dict[str, Any] | None = None,
) -> SyncIssue:
    """No more retries for the item: under the same code its retry issue becomes this one, which stays
    open and says why and what to do; its retry issues under other codes close."""
    issue = issue_record(
        mailbox=mailbox,
        session=session,
        stream=stream,
        code=code,
        message=message,
        mail_id=mail_id,
        crm_id=crm_id,
        label=label,
        details={**(details or {}), "gave_up": True},
    )
    SyncIssue.objects.filter(pk=issue.pk).update(retry=RetryState.NONE)
    issues_resolve_for_items(
        mailbox=mailbox, stream=stream, mail_ids={mail_id} - {""}, crm_ids={crm_id} - {""}
    )
    return issue


def _issues_of(mailbox: Mailbox, stream: str, item: RetryItem) -> list[SyncIssue]:
    rows = SyncIssue.objects.filter(mailbox=mailbox, stream=stream, details__pending__side=item.side).filter(
        _DUE
    )
    return [
        row for row in rows if (found := _item(row.details["pending"])) is not None and found.id == item.id
    ]


def _item(pending: Any) -> RetryItem | None:
    if not isinstance(pending, dict):
        return None
    legacy = pending.get("change") or {}  # kept before retries read items again
    item_id = str(pending.get("id") or legacy.get("id") or "")
    if not item_id:
        return None
    return RetryItem(
        side=str(pending.get("side") or ""),
        id=item_id,
        deleted=bool(pending.get("deleted") or legacy.get("deleted")),
        attempts=int(pending.get("attempts") or 1),
        reason=str(pending.get("reason") or ""),
        problem=str(pending.get("problem") or ""),
        permanent=bool(pending.get("permanent")),
        thread=str(pending.get("thread") or ""),
    )
