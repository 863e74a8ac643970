"""The mailbox side of the email stream: saved emails tagged and moved back, and the folder cursors."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from emails.context import FOLDERS, StreamContext
from emails.models import SavedThread
from emails.services import CURSOR_SIDE, CURSOR_STREAMS
from syncengine.core.email_plan import ToSave
from syncengine.core.email_records import EmailRecord, FolderRole
from syncengine.core.scope import SALESFORCE_CATEGORY
from syncengine.models import SyncCursor
from syncengine.services.leases import lease_renew


def tag_and_move(
    ctx: StreamContext, picked: Sequence[ToSave], emails: Sequence[EmailRecord], saved: frozenset[str]
) -> None:
    """Saved emails get the "Salesforce" category (put back if it was taken off), and emails of the
    Salesforce folder go back to Inbox or Sent Items (the reference)."""
    done = ctx.saved_now | saved
    seen: dict[str, EmailRecord] = {}
    for email in [*emails, *(c.email for c in picked)]:
        if not email.removed and email.internet_message_id in done and email.folder in FOLDERS:
            seen.setdefault(email.id, email)
    tags = [
        (e.id, [*e.categories, SALESFORCE_CATEGORY])
        for e in seen.values()
        if ctx.settings.tag_saved and not e.has_category(SALESFORCE_CATEGORY)
    ]
    moves = [
        (e.id, "sentitems" if _outgoing(ctx, e) else "inbox")
        for e in seen.values()
        if e.folder == "salesforce"
    ]
    if tags:
        ctx.mail.ensure_mail_category(SALESFORCE_CATEGORY)
        results = ctx.mail.set_email_categories(tags)
        ctx.report.tagged += sum(r.ok for r in results)
    if moves:
        results = ctx.mail.move_emails(moves)
        ctx.report.moved += sum(r.ok for r in results)


def _outgoing(ctx: StreamContext, email: EmailRecord) -> bool:
    return bool(email.from_) and email.from_.address in ctx.addresses  # type: ignore[union-attr]


def commit_cursors(ctx: StreamContext, cursors: dict[FolderRole, str], completed: frozenset[str]) -> None:
    """The folder cursors, and the threads left over by earlier sessions that this one read whole."""
    now = timezone.now()
    with transaction.atomic():
        lease_renew(lease=ctx.lease, now=now)  # a session that lost its lease writes nothing
        for role, value in cursors.items():
            SyncCursor.objects.update_or_create(
                mailbox=ctx.mailbox,
                stream=CURSOR_STREAMS[role],
                side=CURSOR_SIDE,
                defaults={"value": value, "updated_at": now},
            )
        if completed:
            SavedThread.objects.filter(mailbox=ctx.mailbox, conversation_id__in=list(completed)).update(
                complete=True
            )
