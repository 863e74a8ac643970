"""Reads for pages and the API, always scoped to who is asking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower

from syncengine.models import (
    HeldDecision,
    HeldDeletion,
    ItemPair,
    Mailbox,
    Membership,
    Organization,
    Role,
    SalesforceConnection,
    SyncIssue,
    SyncSession,
)
from syncengine.services.failures import USER_SUSPENDED


def owner_is_member() -> Exists:
    """True for a mailbox whose owner is (still) a member of the mailbox's organization: nothing of a
    mailbox is shown, synced or queued once its owner's membership is gone."""
    return Exists(
        Membership.objects.filter(user_id=OuterRef("owner_id"), organization_id=OuterRef("organization_id"))
    )


def member_mailboxes() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(owner_is_member())


def synced_users(*, organization_id: int, addresses: Iterable[str]) -> dict[str, list[int]]:
    """Which of these addresses are the organization's synced users: address (lower case) -> the ids
    of their mailboxes. A synced user's mailbox is in the organization, its owner is still a member
    and connected to Salesforce, and it is not suspended by its user (one suspended for a lost
    sign-in keeps its sync state and comes back with a reconnect: it still counts)."""
    wanted = {a.strip().lower() for a in addresses if a and a.strip()}
    if not wanted:
        return {}
    connected = SalesforceConnection.objects.filter(
        user_id=OuterRef("owner_id"), organization_id=OuterRef("organization_id")
    )
    rows = (
        member_mailboxes()
        .filter(Exists(connected), organization_id=organization_id)
        .annotate(lowered=Lower("address"))
        .filter(lowered__in=wanted)
        .exclude(suspended=True, cause_code=USER_SUSPENDED)
        .order_by("pk")
        .values_list("lowered", "pk")
    )
    found: dict[str, list[int]] = {}
    for address, pk in rows:
        found.setdefault(address, []).append(pk)
    return found


def saved_meetings(
    *, mailbox_ids: Iterable[int], stream: str, sync_keys: Iterable[str]
) -> set[tuple[int, str]]:
    """(mailbox id, sync key) of these meetings that these mailboxes have saved (paired with a record)."""
    ids, keys = set(mailbox_ids), set(sync_keys)
    if not ids or not keys:
        return set()
    rows = (
        ItemPair.objects.filter(mailbox_id__in=ids, stream=stream, sync_key__in=keys, tombstone="")
        .exclude(crm_id="")
        .exclude(mail_id="")
        .values_list("mailbox_id", "sync_key")
    )
    return set(rows)


def mailboxes_of(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Mailbox]:
    """The mailboxes a user may see and act on: their own, in the organizations they are a member of."""
    if not user.is_authenticated:
        return Mailbox.objects.none()
    return member_mailboxes().filter(owner_id=user.pk).select_related("organization").order_by("address")


def salesforce_connection_of(
    *, user: AbstractBaseUser, organization: Organization
) -> SalesforceConnection | None:
    """The user's Salesforce connection in this organization (one per user and organization)."""
    return SalesforceConnection.objects.filter(user_id=user.pk, organization=organization).first()


def salesforce_connection_for(*, mailbox: Mailbox) -> SalesforceConnection | None:
    """The Salesforce a mailbox syncs with: its owner's connection in the mailbox's own organization,
    never one the owner made for another organization."""
    return SalesforceConnection.objects.filter(
        user_id=mailbox.owner_id, organization_id=mailbox.organization_id
    ).first()


def salesforce_connections_of(
    *, user: AbstractBaseUser | AnonymousUser
) -> list[tuple[Organization, SalesforceConnection | None]]:
    """Each organization the user is a member of, with their Salesforce connection there (or None)."""
    if not user.is_authenticated:
        return []
    organizations = Organization.objects.filter(memberships__user_id=user.pk).order_by("name", "pk")
    connections = {c.organization_id: c for c in SalesforceConnection.objects.filter(user_id=user.pk)}
    return [(organization, connections.get(organization.pk)) for organization in organizations]


def recent_sessions(*, mailbox: Mailbox, limit: int = 10) -> list[SyncSession]:
    return list(SyncSession.objects.filter(mailbox=mailbox).order_by("-started_at")[:limit])


def open_issues(*, mailbox: Mailbox, limit: int = 50) -> list[SyncIssue]:
    return list(SyncIssue.objects.filter(mailbox=mailbox, resolved=False).order_by("-last_seen_at")[:limit])


def held_deletions(*, mailbox: Mailbox, sample: int = 5) -> list[dict[str, object]]:
    """Per stream, the deletions that wait for the owner's decision: how many, where, a few names."""
    waiting = HeldDeletion.objects.filter(mailbox=mailbox, decision=HeldDecision.UNDECIDED).order_by("pk")
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for held in waiting:
        group = groups.setdefault(
            (held.stream, held.side),
            {"stream": held.stream, "side": held.get_side_display(), "count": 0, "labels": []},
        )
        group["count"] = int(group["count"]) + 1  # type: ignore[call-overload]
        labels = group["labels"]
        if isinstance(labels, list) and len(labels) < sample:
            labels.append(held.item_label or "(no title)")
    return list(groups.values())


def open_issue_count(*, mailbox: Mailbox) -> int:
    return SyncIssue.objects.filter(mailbox=mailbox, resolved=False).count()


def issues_of(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SyncIssue]:
    """Issues of the mailboxes the user may see."""
    return SyncIssue.objects.filter(mailbox__in=mailboxes_of(user=user))


def administered_organizations(*, user: Any) -> QuerySet[Organization]:
    """The organizations this user is an org admin of. One filter() call on purpose: the user and the
    admin role must be on the same membership (two calls would let any member of an organization that
    has an admin through)."""
    return Organization.objects.filter(
        memberships__user_id=user.pk, memberships__role=Role.ORG_ADMIN
    ).order_by("name", "pk")
