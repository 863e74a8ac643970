"""The audit log: every change staff make outside the product's own pages, kept for the org's admins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    ADD = "add", "Added"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"


class AuditEntry(models.Model):
    """Who changed what, when, from what to what. Append-only: nothing edits or deletes an entry
    except the retention clean-up (``AUDIT_RETENTION_DAYS``)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The actor may be deleted later; their name stays with what they did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    # The organization concerned (None: objects of no organization, such as users or schedules). No
    # database constraint and nothing done on delete: an organization's deletion is itself audited, and
    # the entries about it keep saying whose they were (its id here, its name below).
    organization = models.ForeignKey(
        "syncengine.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit",
    )
    organization_name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, default="admin")  # where it was done: "admin", ...
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100)  # "syncengine.mailbox"
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    # {field: [before, after]}; secrets are never written here, only that they changed.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organization", "-at"], name="audit_org_recent")]

    def __str__(self) -> str:
        return (
            f"{self.actor_name} {self.action} {self.object_type} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"
        )
