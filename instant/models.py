"""Instant sync state: the provider channels watching each mailbox, and each mailbox's wake-up debounce."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from syncengine.models import Mailbox, Provider


class NotificationChannel(models.Model):
    """One provider subscription (Graph) or watch channel (Google) on one resource of one mailbox."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="notification_channels")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    stream = models.CharField(max_length=20)  # the engine stream it wakes: events, contacts, tasks, emails
    resource = models.CharField(max_length=500)  # what the provider watches: "me/events", "primary"
    channel_id = models.CharField(max_length=200, unique=True)  # Graph subscription id / Google channel id
    resource_id = models.CharField(max_length=200, blank=True)  # Google's X-Goog-Resource-ID (to stop it)
    # The shared secret (clientState / channel token) as a SHA-256 hex digest: a database leak does
    # not let anyone forge notifications.
    secret_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    renewed_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    notifications = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "stream"], name="one_channel_per_mailbox_stream")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.stream} channel of mailbox {self.mailbox_id}"


class MailboxWake(models.Model):
    """When a notification last queued a session for a mailbox, so a burst queues only one."""

    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, related_name="instant_wake")
    queued_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    # A change arrived after the queued session had started reading: one more session is owed.
    pending = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"wake state of mailbox {self.mailbox_id}"
