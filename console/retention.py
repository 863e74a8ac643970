"""What the console keeps (resync requests, dry runs, used or expired invitations) goes with age;
the audit log keeps its own record of each for longer (AUDIT_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from console.models import Invitation, ResyncRequest, SyncPreview
from syncengine.services.retention import delete_in_batches


def console_clean_up(cutoff: datetime) -> int:
    return (
        delete_in_batches(ResyncRequest.objects.filter(at__lt=cutoff))
        + delete_in_batches(SyncPreview.objects.filter(created_at__lt=cutoff))
        + delete_in_batches(
            Invitation.objects.filter(created_at__lt=cutoff).filter(
                Q(accepted_at__isnull=False) | Q(revoked_at__isnull=False) | Q(expires_at__lt=cutoff)
            )
        )
    )
