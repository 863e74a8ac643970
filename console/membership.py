"""An organization's people: inviting someone by email (a single-use link, only its hash stored),
taking the invitation, and removing a member. Each is audited. A removed member's mailboxes stop
syncing at once (syncengine.selectors.owner_is_member) and keep their state, should they come back."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from console.models import Invitation
from syncengine.models import Membership, Organization, Role

INVITATION_DAYS = 7


def invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    link: str  # shown once to the admin too, should the email not arrive
    sent: bool


def invite(*, actor: Any, organization: Organization, email: str, role: str) -> Invited:
    if role not in Role.values:
        raise ValueError(f"no role {role!r}")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.strip().lower(),
        role=role,
        digest=invitation_digest(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("console:join", args=[token])
    audit_record(
        actor=actor,
        organization_id=organization.pk,
        action=AuditAction.ADD,
        obj=invitation,
        changes={"email": ["", invitation.email], "role": ["", role]},
        source="console",
    )
    try:
        send_mail(
            f"You are invited to sync your mailbox with {organization}'s Salesforce",
            f"{getattr(actor, 'username', 'An admin')} invited you to {organization} as "
            f"{Role(role).label}.\n\nJoin within {INVITATION_DAYS} days: {link}\n",
            None,
            [invitation.email],
        )
        sent = True
    except Exception:  # the mail server is down: the admin still has the link to pass on
        sent = False
    return Invited(invitation, link, sent)


def pending_invitations(organization: Organization) -> list[Invitation]:
    now = timezone.now()
    waiting = Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    )
    return [i for i in waiting if i.usable(now)]


def invitation_for(token: str, now: datetime | None = None) -> Invitation | None:
    found = Invitation.objects.select_related("organization").filter(digest=invitation_digest(token)).first()
    return found if found is not None and found.usable(now or timezone.now()) else None


def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    """Once: a second use of the same link, or one racing it, finds it taken."""
    with transaction.atomic():
        taken = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if not taken:
            raise PermissionError("This invitation was already used or withdrawn.")
        membership, created = Membership.objects.get_or_create(
            user=user, organization=invitation.organization, defaults={"role": invitation.role}
        )
        audit_record(
            actor=user,
            organization_id=invitation.organization_id,
            action=AuditAction.ADD if created else AuditAction.CHANGE,
            obj=membership,
            changes={"joined by invitation": ["", invitation.email], "role": ["", membership.role]},
            source="console",
        )
    return membership


def member_remove(*, actor: Any, membership: Membership) -> None:
    """The last org admin cannot be removed: someone must be left to run the organization."""
    if membership.role == Role.ORG_ADMIN:
        admins = Membership.objects.filter(organization=membership.organization, role=Role.ORG_ADMIN)
        if admins.count() <= 1:
            raise PermissionError("The organization's last org admin cannot be removed.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            organization_id=membership.organization_id,
            action=AuditAction.DELETE,
            obj=membership,
            changes={"member": [membership.user.username, ""], "role": [membership.role, ""]},
            source="console",
        )
        membership.delete()
