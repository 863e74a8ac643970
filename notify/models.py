"""What was told to whom: one row per notification, so each one goes once however often a session
or a digest run repeats (the episode key), and an org admin can read what was sent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    SUSPENDED = "suspended", "A mailbox was suspended"
    FAILING = "failing", "A mailbox keeps failing"
    EXPIRING = "expiring", "A sign-in is about to end"
    DIGEST = "digest", "Daily digest"


class Notification(models.Model):
    organization = models.ForeignKey("syncengine.Organization", on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(
        "syncengine.Mailbox", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What makes it one notification: the suspension's time, the failing streak's session, the day,
    # the sign-in and the moment it ends.
    episode = models.CharField(max_length=80)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # why it could not be sent (it is retried)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "episode"], name="one_notification_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.episode}: {self.subject}"


class NotificationSettings(models.Model):
    """An organization's choices; without a row, the defaults below."""

    organization = models.OneToOneField(
        "syncengine.Organization", on_delete=models.CASCADE, related_name="notification_settings"
    )
    tell_owner = models.BooleanField(default=True, help_text="Email the mailbox's owner about their mailbox")
    tell_admins = models.BooleanField(default=True, help_text="Email the org admins about every mailbox")
    daily_digest = models.BooleanField(default=False, help_text="Send the org admins a daily digest")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"notifications of {self.organization_id}"
