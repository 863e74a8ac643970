"""Safe resync of one item: read it again on both sides at the next session and sync it by the usual
rules (which never undo a person's deletion, never delete what no one deleted, and keep the pair).

Nothing is written to either side here: the item goes into the retry ledger for each side it is
known on, a session is queued (Force sync, with its cool-down), and the request is kept and audited.
An item whose two sides already agree stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from console.models import ResyncRequest, ResyncState
from syncengine.models import Mailbox, Side
from syncengine.services.mailboxes import mailbox_force_sync
from syncengine.services.retries import RetryItem, retry_record

RESYNC_REQUESTED = "RESYNC_REQUESTED"


@dataclass(frozen=True)
class ResyncTarget:
    mailbox: Mailbox
    stream: str
    sync_key: str
    mail_id: str
    crm_id: str
    label: str


def resync_request(*, actor: Any, target: ResyncTarget) -> ResyncRequest:
    mailbox = Mailbox.objects.get(pk=target.mailbox.pk)
    sides = [(Side.MAIL, target.mail_id), (Side.CRM, target.crm_id)]
    known = [(side, item_id) for side, item_id in sides if item_id and not item_id.startswith("crm:")]
    refused = ""
    if target.stream == "emails":
        refused = "An email is saved once and never written again: there is nothing to resync."
    elif mailbox.suspended:
        refused = f"The mailbox is suspended ({mailbox.suspended_reason}): resume it first."
    elif not known:
        refused = "Nothing identifies this item on either side any more: there is nothing to read again."
    with transaction.atomic():
        if not refused:
            for side, item_id in known:
                retry_record(
                    mailbox=mailbox,
                    session=None,
                    stream=target.stream,
                    item=RetryItem(side=side, id=item_id, reason="resync"),
                    code=RESYNC_REQUESTED,
                    message=f"Read again on both sides at the next session, as {_name(actor)} asked.",
                    mail_id=target.mail_id if side == Side.MAIL else "",
                    crm_id=target.crm_id if side == Side.CRM else "",
                    label=target.label,
                )
        request = ResyncRequest.objects.create(
            mailbox=mailbox,
            stream=target.stream,
            sync_key=target.sync_key,
            mail_id=target.mail_id[:512],
            crm_id=target.crm_id[:18] if not target.crm_id.startswith("crm:") else "",
            item_label=target.label[:300],
            asked_by=actor if getattr(actor, "pk", None) else None,
            asked_by_name=_name(actor),
            state=ResyncState.REFUSED if refused else ResyncState.QUEUED,
            message=refused or _queued_message(mailbox),
        )
        audit_record(
            actor=actor,
            organization_id=mailbox.organization_id,
            action=AuditAction.ADD,
            obj=request,
            changes={"state": ["", request.state], "item": ["", target.label or target.sync_key]},
            source="console",
        )
    return request


def _queued_message(mailbox: Mailbox) -> str:
    forced = mailbox_force_sync(mailbox=mailbox)
    if forced:
        return "A session is queued now: it reads the item again on both sides."
    if forced.next_at is not None:
        return f"The next session reads it again (a Force sync may run again at {forced.next_at:%H:%M} UTC)."
    return "The session already queued reads it again."


def _name(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"
