"""Receivers that hold a rule whatever path changes the data (pages, the Django admin, the shell)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver

from syncengine.models import Membership
from syncengine.services.memberships import membership_ended


def _deleted_as_membership(origin: object) -> bool:
    """Was the deletion of the membership itself (one row, or a queryset of them)? A user's or an
    organization's deletion takes the memberships with it, and their mailboxes too: nothing to suspend."""
    if isinstance(origin, Membership):
        return True
    return isinstance(origin, QuerySet) and origin.model is Membership


@receiver(post_delete, sender=Membership, dispatch_uid="syncengine.membership_ended")
def _membership_deleted(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    if not _deleted_as_membership(kwargs.get("origin")):
        return
    with transaction.atomic():
        membership_ended(user_id=instance.user_id, organization_id=instance.organization_id)
