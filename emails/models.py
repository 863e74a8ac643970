"""Email saving: the org's settings, each mailbox's auto-save choice, the ledger of saved emails, the
threads being saved whole and the emails waiting for a retry. Writes go through emails/services.py
(settings) and emails/saving.py (the ledger).

The ledger (``SavedEmail``) is keyed by (organization, InternetMessageId): one email is one Salesforce
record for the whole org, however many of its mailboxes hold and save it. A row is written *before* the
Salesforce write, as an intent (no record id yet), so a crash between the write and our commit leaves a
trace, and the upsert on the sync key finds the record again instead of making a twin.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from syncengine.core.linking import LinkFilters
from syncengine.models import Mailbox, Organization, SyncIssue

_DEFAULTS = LinkFilters()
MAX_ATTACHMENT_MB = 25  # Salesforce's limit for one file
MAX_BACKFILL_DAYS = 30
# The applied record filters: EmailSettings stores each under the name of its LinkFilters field.
LINK_FILTER_FIELDS = (
    "link_opportunities",
    "opportunity_closed_within_days",
    "opportunity_close_within_days",
    "case_open_only",
    "case_created_within_days",
    "account_by_domain",
)


class SaveAs(models.TextChoices):
    EMAIL_MESSAGE = "email_message", "Enhanced Email (EmailMessage with relations)"
    TASK = "task", "Completed Task"


class AutoTrack(models.TextChoices):
    """What auto-save waits for before saving an email (the reference's default: a person record)."""

    PEOPLE = "people", "General: a participant is a Contact or Lead"
    FORCED = "forced", "Forced: a participant is from outside and not blocklisted (new people are made)"
    SMART = "smart", "Smart: as General, or a participant's company has an Account (new people are made)"
    RECORDS = "records", "Useful: a participant is a Contact or Lead, or the email links to any record"
    ALL = "all", "Every email with an external participant, linked or not"


class AutoSave(models.TextChoices):
    OFF = "off", "Off: only emails I tag, file or thread"
    INBOUND = "inbound", "Incoming emails (Inbox)"
    OUTBOUND = "outbound", "Outgoing emails (Sent Items)"
    BOTH = "both", "Incoming and outgoing emails"


class EmailSettings(models.Model):
    """An organization's email saving options; the link filters default to the reference's."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="email_settings")
    enabled = models.BooleanField(
        default=False,
        help_text="Save emails to Salesforce (needs the engine's External ID field on the object saved to)",
    )
    save_as = models.CharField(max_length=16, choices=SaveAs.choices, default=SaveAs.EMAIL_MESSAGE)
    auto_track = models.CharField(
        "auto-save waits for", max_length=10, choices=AutoTrack.choices, default=AutoTrack.PEOPLE
    )
    save_threads = models.BooleanField(
        default=True, help_text="Once one email of a thread is saved, save the thread's other emails too"
    )
    tag_saved = models.BooleanField(default=True, help_text="Give saved emails the 'Salesforce' category")
    save_attachments = models.BooleanField(default=True)
    max_attachment_mb = models.PositiveIntegerField(
        "attachment size limit (MB)",
        default=MAX_ATTACHMENT_MB,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTACHMENT_MB)],
    )
    backfill_days = models.PositiveIntegerField(
        default=6,
        validators=[MaxValueValidator(MAX_BACKFILL_DAYS)],
        help_text="When auto-save is switched on, Inbox and Sent Items of this many past days are saved",
    )
    salesforce_folder = models.CharField(
        max_length=100, default="Salesforce emails", help_text="Emails moved into this folder are saved"
    )
    # The applied record filters (syncengine.core.linking.LinkFilters).
    link_opportunities = models.BooleanField(default=_DEFAULTS.link_opportunities)
    opportunity_closed_within_days = models.PositiveIntegerField(
        default=_DEFAULTS.opportunity_closed_within_days, validators=[MaxValueValidator(3650)]
    )
    opportunity_close_within_days = models.PositiveIntegerField(
        default=_DEFAULTS.opportunity_close_within_days, validators=[MaxValueValidator(3650)]
    )
    case_open_only = models.BooleanField(default=_DEFAULTS.case_open_only)
    case_created_within_days = models.PositiveIntegerField(
        default=_DEFAULTS.case_created_within_days, validators=[MaxValueValidator(3650)]
    )
    account_by_domain = models.BooleanField(
        default=_DEFAULTS.account_by_domain, help_text="Fall back to the Account whose website is the domain"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "email settings"

    def __str__(self) -> str:
        return f"email settings of {self.organization}"

    def link_filters(self) -> LinkFilters:
        return LinkFilters(**{name: getattr(self, name) for name in LINK_FILTER_FIELDS})

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_mb * 1024 * 1024


class MailboxEmailSettings(models.Model):
    """A mailbox owner's auto-save choice (the reference's per-user "Enable Auto-Saving")."""

    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, related_name="email_settings")
    auto_save = models.CharField(max_length=10, choices=AutoSave.choices, default=AutoSave.OFF)
    # When auto-save was first switched on: that switch starts the historical backfill.
    activated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.mailbox}: auto-save {self.auto_save}"


class SavedEmail(models.Model):
    """One email of the organization in Salesforce (or about to be: ``crm_id`` empty = an intent)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="saved_emails")
    internet_message_id = models.CharField(max_length=998)
    sync_key = models.CharField(max_length=80)  # the External ID value on the Salesforce record
    crm_object = models.CharField(max_length=40)
    crm_id = models.CharField(max_length=18, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    conversation_id = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "internet_message_id"], name="one_saved_email_per_message"
            ),
            models.UniqueConstraint(fields=["organization", "sync_key"], name="one_saved_email_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.subject[:40]} -> {self.crm_object} {self.crm_id or '(intent)'}"


class SavedEmailMailbox(models.Model):
    """Which mailbox saved the email (its relations are on the record), and why."""

    saved_email = models.ForeignKey(SavedEmail, on_delete=models.CASCADE, related_name="savers")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="saved_emails")
    mail_id = models.CharField(max_length=512, blank=True)
    reason = models.CharField(max_length=20)  # category / folder / auto / thread / retry
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["saved_email", "mailbox"], name="one_save_per_mailbox"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} saved {self.saved_email_id} ({self.reason})"


class SavedThread(models.Model):
    """A conversation of a mailbox whose emails are all saved ("Save all emails in a thread")."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="saved_threads")
    conversation_id = models.CharField(max_length=512)
    # The business record the thread's first saved email was linked to: the thread's later emails are
    # linked to it too (the reference: "all emails in the thread get linked to the same records").
    what_id = models.CharField(max_length=18, blank=True)
    # False while its other emails wait for a conversation read that a session had no room for
    # (MAX_THREAD_READS): the next sessions read it, so a backfill's threads are saved whole, only later.
    complete = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "conversation_id"], name="one_saved_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox}: thread {self.conversation_id[:16]}…"


class EmailRetryManager(models.Manager["EmailRetry"]):
    def get_queryset(self) -> models.QuerySet[EmailRetry]:
        return super().get_queryset().filter(stream="emails", details__has_key="pending")


class EmailRetry(SyncIssue):
    """An email that was to be saved and could not be, as the retry ledger holds it (on its issue:
    syncengine/services/retries.py): the next sessions read it again and retry it."""

    objects = EmailRetryManager()

    class Meta:
        proxy = True
        verbose_name = "email waiting for a retry"

    @property
    def pending(self) -> dict[str, object]:
        pending = (self.details or {}).get("pending")
        return pending if isinstance(pending, dict) else {}
