"""The organization's people and their mailboxes, with each mailbox's health: the console's reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Q

from syncengine.models import (
    ConnectionStatus,
    Mailbox,
    Membership,
    Organization,
    SalesforceConnection,
)
from syncengine.services.health import Health, health_of


@dataclass(frozen=True)
class MailboxRow:
    mailbox: Mailbox
    health: Health
    open_issues: int


@dataclass(frozen=True)
class PersonRow:
    user: User
    role: str
    role_label: str
    mailboxes: list[MailboxRow] = field(default_factory=list)

    @property
    def worst(self) -> str:
        keys = [row.health.key for row in self.mailboxes]
        for key in ("reconnect", "suspended", "failing", "stale", "never", "issues", "synced"):
            if key in keys:
                return key
        return "none"


def people_rows(
    *, organization: Organization, now: datetime, query: str = "", health: str = ""
) -> list[PersonRow]:
    """Every member, with their mailboxes in this organization; ``query`` matches a name, username or
    mailbox address, ``health`` keeps the people with a mailbox in that state ("none": no mailbox)."""
    memberships = (
        Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")
    )
    if query:
        memberships = memberships.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__mailboxes__organization=organization, user__mailboxes__address__icontains=query)
        ).distinct()
    members = list(memberships)
    user_ids = [m.user_id for m in members]
    mailboxes = (
        Mailbox.objects.filter(organization=organization, owner_id__in=user_ids)
        .annotate(open_issues=Count("issues", filter=Q(issues__resolved=False)))
        .order_by("address")
    )
    connected = set(
        SalesforceConnection.objects.filter(organization=organization, user_id__in=user_ids)
        .exclude(status=ConnectionStatus.REVOKED)
        .values_list("user_id", flat=True)
    )
    by_owner: dict[int, list[MailboxRow]] = {}
    for mailbox in mailboxes:
        row = MailboxRow(
            mailbox,
            health_of(mailbox, now=now, salesforce_connected=mailbox.owner_id in connected),
            mailbox.open_issues,
        )
        by_owner.setdefault(mailbox.owner_id, []).append(row)
    rows = [PersonRow(m.user, m.role, m.get_role_display(), by_owner.get(m.user_id, [])) for m in members]
    if health == "none":
        return [r for r in rows if not r.mailboxes]
    if health:
        return [r for r in rows if any(mb.health.key == health for mb in r.mailboxes)]
    return rows
