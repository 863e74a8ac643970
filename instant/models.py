"""Instant sync state: the provider channels watching each mailbox, and each mailbox's wake-up debounce."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from syncengine.models import Mailbox, Organization, Provider


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


class InstantSettings(models.Model):
    """An organization's instant sync (the reference's InstantSyncEnabled and TriggerSyncOn* names in
    the help texts). The server's operator decides whether instant sync can run at all
    (INSTANT_SYNC_ENABLED: the webhooks need an address the providers can reach); each organization
    decides whether it does, and on what."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="instant_settings"
    )
    enabled = models.BooleanField(
        "Instant sync from mailboxes",
        default=True,
        help_text="InstantSyncEnabled: a change in a mailbox starts its session within seconds, instead "
        "of at the next scheduled one. Off: mailboxes sync on the schedule only.",
    )
    from_salesforce = models.BooleanField(
        "Instant sync from Salesforce",
        default=True,
        help_text="A change to an Event, Task or Contact in Salesforce starts the owner's session within "
        "seconds (Change Data Capture, when it is on for the org). Off: Salesforce changes reach "
        "mailboxes at the next scheduled session.",
    )
    trigger_on_add = models.BooleanField(
        "On new items", default=True, help_text="TriggerSyncOnAdd: an item created on either side."
    )
    trigger_on_update = models.BooleanField(
        "On changed items", default=True, help_text="TriggerSyncOnUpdate: an item changed on either side."
    )
    trigger_on_delete = models.BooleanField(
        "On deleted items", default=True, help_text="TriggerSyncOnDelete: an item deleted on either side."
    )
    min_seconds_between = models.PositiveIntegerField(
        "Shortest time between two instant sessions of a mailbox (seconds)",
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(3600)],
        help_text="A burst of changes makes one session; changes within this time of the last instant "
        "session wait for the next (the reference: 1 to 3 minutes).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "instant sync settings"
        verbose_name_plural = "instant sync settings"

    def __str__(self) -> str:
        return f"{self.organization}: instant sync {'on' if self.enabled else 'off'}"

    def triggers(self, change_type: str) -> bool:
        """Whether a change of this kind (Graph's changeType, or a change event's created / updated /
        deleted) starts a session; an unknown kind does."""
        return {
            "created": self.trigger_on_add,
            "updated": self.trigger_on_update,
            "deleted": self.trigger_on_delete,
        }.get(change_type, True)


class ListenerState(models.TextChoices):
    STARTING = "starting", "Starting"
    LISTENING = "listening", "Listening"
    RECONNECTING = "reconnecting", "Reconnecting"
    UNAVAILABLE = "unavailable", "Not available: on the schedule"  # e.g. CDC not enabled for the org
    FAILED = "failed", "Failed: retrying"
    STOPPED = "stopped", "Stopped"


class ListenerLease(models.Model):
    """One long-lived listener (an organization's change event subscriber, a group of Exchange
    mailboxes' stream): which process holds it until when, where it is in its stream, and how it is.

    The row outlives its holders: a process that takes the lease over resumes from ``position``.
    """

    name = models.CharField(max_length=200, unique=True)  # e.g. "salesforce-cdc:org:5"
    kind = models.CharField(max_length=40)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="listeners"
    )
    holder = models.CharField(max_length=200, blank=True)  # "host:pid:random" of the process holding it
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    beat_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=ListenerState.choices, default=ListenerState.STARTING)
    message = models.CharField(max_length=500, blank=True)
    position = models.TextField(blank=True)  # the stream's resume point (a replay id in hex, a watermark)
    position_at = models.DateTimeField(null=True, blank=True)
    events = models.PositiveBigIntegerField(default=0)  # changes received since the row was made
    wakes = models.PositiveBigIntegerField(default=0)  # mailbox sessions those changes asked for
    last_event_at = models.DateTimeField(null=True, blank=True)
    takeovers = models.PositiveIntegerField(default=0)  # times another process took it from a dead holder

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"listener {self.name} ({self.state})"
