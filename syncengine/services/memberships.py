"""What ends with a membership: a person who left an organization syncs nothing of it any more."""

from __future__ import annotations

import logging

from syncengine.models import Mailbox, Organization
from syncengine.services.failures import USER_SUSPENDED
from syncengine.services.mailboxes import mailbox_suspend

log = logging.getLogger(__name__)

NOT_A_MEMBER = "NOT_A_MEMBER"


def membership_ended(*, user_id: int, organization_id: int) -> int:
    """Suspend the person's mailboxes of the organization and take their leases away, so a session
    running now cannot commit (its fenced commit finds the lease gone). A mailbox its owner suspended
    keeps their suspension and its reason: it is theirs to resume if they are added again (it syncs
    nothing meanwhile: leases and the queue ask for a member). Returns how many were suspended."""
    organization = Organization.objects.get(pk=organization_id)
    mailboxes = list(
        Mailbox.objects.filter(owner_id=user_id, organization_id=organization_id).exclude(
            suspended=True, cause_code=USER_SUSPENDED
        )
    )
    for mailbox in mailboxes:
        mailbox_suspend(
            mailbox=mailbox,
            reason=(
                f"The owner is no longer a member of {organization.name}. Nothing is synced; an org "
                "admin can add them again and resume the mailbox, with its sync state kept."
            ),
            automatic=True,
            code=NOT_A_MEMBER,
        )
    Mailbox.objects.filter(owner_id=user_id, organization_id=organization_id).update(
        lease_token="", lease_expires_at=None, queued_at=None
    )
    if mailboxes:
        log.info(
            "membership of user %s in organization %s ended: %d mailbox(es) suspended",
            user_id,
            organization_id,
            len(mailboxes),
        )
    return len(mailboxes)
