"""Deletions the mass-delete guard stopped: kept until a person confirms them or restores the items.

The guard (syncengine/core/planner.py) hands back the deletions it refused; they are stored here, not
applied and not forgotten, while the stream's cursor moves on. The mailbox's owner decides on the
dashboard; the next session carries the decision out (deletes, or makes the lost items again) under
the mailbox's lease, like every other write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from syncengine.core.planner import Action, Held, Kind
from syncengine.models import HeldDecision, HeldDeletion, HeldSide, Mailbox, SyncIssue
from syncengine.services.mailboxes import mailbox_force_sync

MASS_DELETE_HALTED = "MASS_DELETE_HALTED"


def deletions_held(*, mailbox: Mailbox, stream: str) -> list[Held]:
    """The stream's held deletions, as the planner takes them."""
    return [
        Held(sync_key=h.sync_key, side=h.side, decision=h.decision, label=h.item_label)
        for h in HeldDeletion.objects.filter(mailbox=mailbox, stream=stream).order_by("pk")
    ]


def deletions_hold(*, mailbox: Mailbox, stream: str, actions: Sequence[Action]) -> int:
    """Keep the deletions the guard stopped (a deletion already held stays as it is)."""
    rows = [
        HeldDeletion(
            mailbox=mailbox,
            stream=stream,
            sync_key=a.sync_key,
            side=HeldSide.CRM if a.kind is Kind.DELETE_CRM else HeldSide.MAIL,
            mail_id=a.mail_id,
            crm_id=a.crm_id,
            item_label=a.label[:300],
        )
        for a in actions
    ]
    HeldDeletion.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def deletions_settle(*, mailbox: Mailbox, stream: str, sync_keys: Iterable[str]) -> int:
    """Decisions carried out (or pairs gone by other means): drop their holds; when none is left,
    the stream's halt is over and its issue closes."""
    keys = list(sync_keys)
    settled = 0
    if keys:
        settled, _ = HeldDeletion.objects.filter(mailbox=mailbox, stream=stream, sync_key__in=keys).delete()
    if not HeldDeletion.objects.filter(mailbox=mailbox, stream=stream).exists():
        SyncIssue.objects.filter(
            mailbox=mailbox, stream=stream, code=MASS_DELETE_HALTED, resolved=False
        ).update(resolved=True, last_seen_at=timezone.now())
    return settled


@transaction.atomic
def deletions_decide(
    *, mailbox: Mailbox, stream: str, decision: str, user: AbstractBaseUser
) -> tuple[int, bool]:
    """A person's decision on a stream's waiting deletions: confirm (delete them) or restore (make the
    items again on the side that lost them). Returns (how many, whether a session was queued)."""
    if decision not in (HeldDecision.CONFIRM, HeldDecision.RESTORE):
        raise ValueError(f"unknown decision {decision!r}")
    decided = HeldDeletion.objects.filter(
        mailbox=mailbox, stream=stream, decision=HeldDecision.UNDECIDED
    ).update(decision=decision, decided_by=user, decided_at=timezone.now())
    if decided:
        SyncIssue.objects.filter(
            mailbox=mailbox, stream=stream, code=MASS_DELETE_HALTED, resolved=False
        ).update(resolved=True, last_seen_at=timezone.now())
    return decided, bool(decided) and bool(mailbox_force_sync(mailbox=mailbox))
