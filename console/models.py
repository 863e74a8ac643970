"""What the console itself keeps: the resyncs people asked for (who, which item, what came of it),
and the operator-wide support permission."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from syncengine.models import Role


class ResyncState(models.TextChoices):
    QUEUED = "queued", "Queued: the next session reads it again"
    REFUSED = "refused", "Refused"


class ResyncRequest(models.Model):
    """One person's request to read an item again on both sides and sync it by the usual rules."""

    mailbox = models.ForeignKey("syncengine.Mailbox", on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=20)
    sync_key = models.CharField(max_length=80, blank=True)
    mail_id = models.CharField(max_length=512, blank=True)
    crm_id = models.CharField(max_length=18, blank=True)
    item_label = models.CharField(max_length=300, blank=True)
    # The asker may be deleted later; their name stays with what they asked.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_by_name = models.CharField(max_length=150)
    state = models.CharField(max_length=10, choices=ResyncState.choices)
    message = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        permissions = [
            (
                "support_every_organization",
                "Can see and support every organization in the operations console (server operators)",
            )
        ]

    def __str__(self) -> str:
        return f"resync {self.stream} {self.item_label or self.sync_key} by {self.asked_by_name}"


class Invitation(models.Model):
    """An org admin's invitation of someone by email: a link that makes them a member, once, within
    ``INVITATION_DAYS``. Only a hash of the link's token is stored."""

    organization = models.ForeignKey("syncengine.Organization", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organization_id} as {self.role}"

    def usable(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class PreviewState(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SyncPreview(models.Model):
    """A dry run asked for in the console: what the mailbox's next session, or a full resync, would
    do on each side. It runs on a worker (it reads both sides whole) and is kept to read."""

    mailbox = models.ForeignKey("syncengine.Mailbox", on_delete=models.CASCADE, related_name="+")
    from_scratch = models.BooleanField(default=True)  # a full resync's (or first sync's) read
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_by_name = models.CharField(max_length=150)
    state = models.CharField(max_length=10, choices=PreviewState.choices, default=PreviewState.RUNNING)
    # [{"stream": "events", "halted": "", "lines": [[words, count, [examples]], ...]}, ...]
    result = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"preview of {self.mailbox_id} ({self.state})"
