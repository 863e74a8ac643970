"""Receivers that hold a rule whatever path changes the data (pages, the Django admin, the shell)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from syncengine.models import Membership, Organization
from syncengine.services.memberships import membership_ended


@receiver(post_delete, sender=Membership, dispatch_uid="syncengine.membership_ended")
def _membership_deleted(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    # An organization being deleted takes its mailboxes with it: nothing left to suspend.
    if not Organization.objects.filter(pk=instance.organization_id).exists():
        return
    with transaction.atomic():
        membership_ended(user_id=instance.user_id, organization_id=instance.organization_id)
