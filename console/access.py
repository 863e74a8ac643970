"""Who may open the console for which organization, checked in one place.

An org admin sees their own organization; a member with the Support role sees the organizations
they support; a server operator holding ``console.support_every_organization`` sees every one.
Anyone else gets 404 for an organization, so its existence is not even confirmed. A plain user is
never let in: their page is the dashboard.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from syncengine.models import Membership, Organization, Role

CONSOLE_ROLES = (Role.ORG_ADMIN, Role.SUPPORT)
EVERY_ORGANIZATION = "console.support_every_organization"


def console_organizations(*, user: Any) -> QuerySet[Organization]:
    """The organizations this user may open in the console, by name."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    if user.has_perm(EVERY_ORGANIZATION):
        return Organization.objects.order_by("name", "pk")
    # One filter() call: the user and the role must be on the same membership.
    return (
        Organization.objects.filter(memberships__user_id=user.pk, memberships__role__in=CONSOLE_ROLES)
        .distinct()
        .order_by("name", "pk")
    )


def console_role(*, user: Any, organization: Organization) -> str:
    """How the user sees the organization: "org_admin", "support" or "operator"."""
    role = (
        Membership.objects.filter(user_id=user.pk, organization=organization, role__in=CONSOLE_ROLES)
        .values_list("role", flat=True)
        .first()
    )
    return role or "operator"


def is_org_admin(*, user: Any, organization: Organization) -> bool:
    """Who may change who is in the organization and who is told: its own admins, not support."""
    return console_role(user=user, organization=organization) == Role.ORG_ADMIN


def console_organization_or_404(request: HttpRequest, organization_id: int) -> Organization:
    """The organization, when the request's user may open it in the console; anyone else gets 404."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(console_organizations(user=request.user), pk=organization_id)
