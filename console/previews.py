"""Dry runs and full resyncs asked for in the console. A dry run is queued to a worker and kept; a
full resync forgets the mailbox's cursors (the next session reads both sides whole, the pairs stay,
so nothing is created twice) and queues that session. Both are audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from audit.models import AuditAction
from audit.services import audit_record
from connectors.base import ConnectorError
from console.models import PreviewState, SyncPreview
from syncengine.models import Mailbox
from syncengine.services.mailboxes import mailbox_force_sync
from syncengine.services.preview import mailbox_preview
from syncengine.services.state import cursors_reset


def preview_request(*, actor: Any, mailbox: Mailbox, from_scratch: bool) -> SyncPreview:
    preview = SyncPreview.objects.create(
        mailbox=mailbox,
        from_scratch=from_scratch,
        asked_by=actor if getattr(actor, "pk", None) else None,
        asked_by_name=getattr(actor, "username", "") or "system",
    )
    audit_record(
        actor=actor,
        organization_id=mailbox.organization_id,
        action=AuditAction.ADD,
        obj=preview,
        changes={"dry run": ["", "full resync" if from_scratch else "next session"]},
        source="console",
    )
    transaction.on_commit(lambda: async_task("console.tasks.run_preview", preview.pk, group="previews"))
    return preview


def preview_run(*, preview_id: int) -> SyncPreview:
    preview = SyncPreview.objects.select_related("mailbox__organization").get(pk=preview_id)
    try:
        streams = mailbox_preview(mailbox=preview.mailbox, from_scratch=preview.from_scratch)
        preview.result = [{"stream": s.stream, "halted": s.halted, "lines": s.lines()} for s in streams]
        preview.state = PreviewState.DONE
    except ConnectorError as error:
        preview.state, preview.error = PreviewState.FAILED, error.message[:500]
    preview.finished_at = timezone.now()
    preview.save(update_fields=["result", "state", "error", "finished_at"])
    return preview


def full_resync(*, actor: Any, mailbox: Mailbox, stream: str = "") -> str:
    if mailbox.suspended:
        return f"The mailbox is suspended ({mailbox.suspended_reason}): resume it first."
    with transaction.atomic():
        forgotten = cursors_reset(mailbox=mailbox, stream=stream)
        audit_record(
            actor=actor,
            organization_id=mailbox.organization_id,
            action=AuditAction.CHANGE,
            obj=mailbox,
            changes={"full resync": ["", stream or "every stream"], "cursors forgotten": ["", forgotten]},
            source="console",
        )
        forced = mailbox_force_sync(mailbox=mailbox)
    queued = "A session is queued now" if forced else "The next session"
    what = stream or "every stream"
    return f"{queued}: it reads {what} whole on both sides; the pairs stay, so nothing is created twice."
