"""The engine's persistent state. Writes go through services (syncengine/services/), not save()."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from syncengine.crypto import EncryptedJSONField


class Organization(models.Model):
    """The tenant: one company, its Salesforce org and its mailboxes."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class ConflictPolicy(models.TextChoices):
    NEWEST = "newest", "The newest change wins"
    MAIL = "mail", "The mailbox wins"
    CRM = "crm", "Salesforce wins"


class SyncDirection(models.TextChoices):
    BOTH = "both", "Both ways"
    TO_CRM = "to_crm", "Mailbox -> Salesforce only (Salesforce edits are reverted)"
    TO_MAIL = "to_mail", "Salesforce -> mailbox only (mailbox edits are reverted)"


class SyncSettings(models.Model):
    """An organization's sync settings, set by its org admins (defaults follow the reference)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="sync_settings")
    sync_events = models.BooleanField(default=True, help_text="Calendar items <-> Salesforce Events")
    sync_tasks = models.BooleanField(
        default=True, help_text="The 'Salesforce Tasks' list <-> Salesforce Tasks"
    )
    sync_contacts = models.BooleanField(
        default=True, help_text="The 'Salesforce Contacts' folder <-> the user's Salesforce Contacts"
    )
    conflict_policy = models.CharField(
        max_length=10, choices=ConflictPolicy.choices, default=ConflictPolicy.NEWEST
    )
    events_direction = models.CharField(
        max_length=8,
        choices=SyncDirection.choices,
        default=SyncDirection.BOTH,
        help_text="One way: the other side's edits and deletions are put back at the next session",
    )
    tasks_direction = models.CharField(
        max_length=8, choices=SyncDirection.choices, default=SyncDirection.BOTH
    )
    contacts_direction = models.CharField(
        max_length=8, choices=SyncDirection.choices, default=SyncDirection.BOTH
    )
    events_from_salesforce = models.BooleanField(
        default=True, help_text="Events a user creates in Salesforce appear in their calendar"
    )
    events_deleted_in_salesforce_leave_mailbox = models.BooleanField(
        default=True,
        help_text="An Event deleted in Salesforce that was saved from the calendar: the calendar item stays, "
        "without the Salesforce category, and is not saved again unless its user tags it again (off: the "
        "item is deleted from the calendar too). Events that came from Salesforce always leave the calendar "
        "with their Salesforce deletion.",
    )
    contacts_auto_removal = models.BooleanField(
        default=False,
        help_text="Deleting a synced contact in the mailbox deletes it in Salesforce (off: it is restored)",
    )
    save_unresponded_invitations = models.BooleanField(
        default=False, help_text="Auto-save meeting invitations the user has not answered yet"
    )
    save_internal_meetings = models.BooleanField(
        default=False, help_text="Auto-save meetings where everyone is in the company's domains"
    )
    internal_domains = models.CharField(
        max_length=500, blank=True, help_text="The company's e-mail domains, comma separated"
    )
    save_meetings_without_people = models.BooleanField(
        default=False,
        help_text="Auto-save meetings in which no attendee is a Contact or Lead (nor becomes one by "
        "autoresolving), e.g. when every invitee is on a blocklist. The reference's "
        "SalesforceEventAutoTrackIncludingNotShared, off by default. Meetings given the 'Salesforce' "
        "category are saved either way.",
    )
    sync_attendees_continuously = models.BooleanField(
        default=True,
        help_text="Attendees added or removed in the mailbox later are related or unrelated in Salesforce "
        "(off: only when the meeting is first saved)",
    )
    tag_synced_items = models.BooleanField(
        default=True, help_text="Give synced calendar items the 'Salesforce' category (and put it back)"
    )
    window_days_back = models.PositiveIntegerField(default=14)
    window_days_ahead = models.PositiveIntegerField(default=60)
    max_delete_share = models.FloatField(
        default=0.5, help_text="Stop a stream when one session would delete more than this share of it"
    )

    class Meta:
        verbose_name_plural = "sync settings"

    def __str__(self) -> str:
        return f"Sync settings of {self.organization}"


class CalendarSource(models.Model):
    """Salesforce records of another object (a Task, a custom object) shown as calendar items.

    One way, Salesforce -> mailbox, as the reference's "Save Events As Other" option: the items get
    the source's category in the calendar, and mailbox edits or deletions are put back.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="calendar_sources")
    crm_object = models.CharField("Salesforce object", max_length=80)
    category = models.CharField(max_length=60, help_text="The category the items get in the calendar")
    subject_field = models.CharField(max_length=80)
    start_field = models.CharField(max_length=80, blank=True, help_text="A date/time field")
    end_field = models.CharField(max_length=80, blank=True, help_text="A date/time field")
    date_field = models.CharField(max_length=80, blank=True, help_text="A date field: an all-day item")
    description_field = models.CharField(max_length=80, blank=True)
    two_way = models.BooleanField(
        default=False,
        help_text="Also save calendar items the user gives this category as records of the object, "
        "and keep edits in step both ways (off: one way from Salesforce, as the reference)",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "crm_object"], name="one_source_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.crm_object} in the calendar ({self.organization})"

    @property
    def stream(self) -> str:
        return f"src{self.pk}"


class Role(models.TextChoices):
    USER = "user", "User"
    ORG_ADMIN = "org_admin", "Org admin"
    SUPPORT = "support", "Support"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.USER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class Provider(models.TextChoices):
    GRAPH = "graph", "Microsoft 365 (Graph)"
    EWS = "ews", "Exchange on-premises (EWS)"
    GOOGLE = "google", "Gmail / Google Calendar"


class MailboxStatus(models.TextChoices):
    NEW = "new", "Not synced yet"
    OK = "ok", "Synced"
    WARNING = "warning", "Synced with issues"
    ERROR = "error", "Last session failed"
    SUSPENDED = "suspended", "Suspended"


class Mailbox(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mailboxes")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailboxes")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    address = models.EmailField()
    # Provider-side identity that is not secret (tenant id, user id at the provider, endpoints).
    provider_account = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=MailboxStatus.choices, default=MailboxStatus.NEW)
    status_message = models.CharField(max_length=500, blank=True)
    suspended = models.BooleanField(default=False)
    suspended_reason = models.CharField(max_length=500, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(default=30)
    # The user's own auto-save toggles (the org decides the rest, see SyncSettings).
    autosave_meetings = models.BooleanField(default=True, help_text="Save meetings I organise or accept")
    autosave_appointments = models.BooleanField(default=True, help_text="Save appointments (no attendees)")
    next_due_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # The lease: which worker runs this mailbox's session, until when. Taken by conditional UPDATE.
    lease_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # Why the last session failed or the mailbox is suspended, as a code (a ConnectorError code,
    # "INTERNAL_ERROR", "USER_SUSPENDED"); "" when all is well. The dashboard's advice reads it.
    cause_code = models.CharField(max_length=60, blank=True)
    # A session is queued and has not started yet (cleared by the lease claim): one at most.
    queued_at = models.DateTimeField(null=True, blank=True)
    forced_at = models.DateTimeField(null=True, blank=True)  # the last Force sync (its cool-down)
    # Who added an org-wide mailbox for its owner (None: the owner connected it themselves).
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "mailboxes"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider", "address"], name="one_mailbox_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_provider_display()})"


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Needs attention"
    REVOKED = "revoked", "Access revoked: reconnect"


class SalesforceConnection(models.Model):
    """One user's authorised access to one organization's Salesforce (a member of two organizations
    has one connection in each: a mailbox syncs with its own organization's Salesforce only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salesforce_connections"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="salesforce_connections"
    )
    instance_url = models.URLField()
    salesforce_user_id = models.CharField(max_length=18, blank=True)
    salesforce_org_id = models.CharField(max_length=18, blank=True)
    username = models.CharField(max_length=200, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)  # access_token, refresh_token
    status = models.CharField(
        max_length=12, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    status_message = models.CharField(max_length=500, blank=True)
    api_usage = models.CharField(max_length=40, blank=True)  # last Sforce-Limit-Info seen, e.g. "12/15000"
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="one_salesforce_connection_per_user_org"
            )
        ]

    def __str__(self) -> str:
        return f"Salesforce for {self.user} in {self.organization_id} ({self.instance_url})"


class Side(models.TextChoices):
    MAIL = "mail", "Mailbox"
    CRM = "crm", "Salesforce"


class Origin(models.TextChoices):
    MAIL = "mail", "Mailbox"
    CRM = "crm", "Salesforce"
    SHARED = "shared", "Another attendee's mailbox"


class SyncCursor(models.Model):
    """Where a stream's change reading stopped, per side (a delta link, a timestamp, a token)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=20)
    side = models.CharField(max_length=4, choices=Side.choices)
    value = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "stream", "side"], name="one_cursor_per_stream_side")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.stream}/{self.side}"


class MeetingRoster(models.Model):
    """A synced meeting's attendees as the mailbox last showed them: tells an attendee removed in the
    mailbox (removed in Salesforce too) from one added in Salesforce (kept). The organizer says, once
    the item is deleted, whether this mailbox owned the meeting (syncengine/core/meetings.py)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="rosters")
    sync_key = models.CharField(max_length=80)
    attendees = models.JSONField(default=list)
    organizer = models.CharField(max_length=320, blank=True)  # lower case; "" when not known yet
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "sync_key"], name="one_roster_per_meeting")]

    def __str__(self) -> str:
        return f"{self.mailbox} meeting {self.sync_key}: {len(self.attendees)} attendees"


class ItemPair(models.Model):
    """One mailbox item and its Salesforce record, with what was last synced between them."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="pairs")
    stream = models.CharField(max_length=20)
    sync_key = models.CharField(max_length=80)  # the External ID value: makes creates repeatable
    mail_id = models.CharField(max_length=512, blank=True)
    crm_object = models.CharField(max_length=80)
    crm_id = models.CharField(max_length=18, blank=True)
    # Where the record came from: "mail", "crm", or "shared" (another attendee's mailbox saved it).
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MAIL)
    mail_version = models.CharField(max_length=200, blank=True)  # e.g. Graph changeKey
    crm_version = models.CharField(max_length=40, blank=True)  # e.g. SystemModstamp
    mail_hash = models.CharField(max_length=64, blank=True)
    crm_hash = models.CharField(max_length=64, blank=True)
    mail_seen = models.BooleanField(default=True)  # see PairState.mail_seen
    tombstone = models.CharField(max_length=8, blank=True)  # see PairState.tombstone
    mail_intent_at = models.DateTimeField(null=True, blank=True)  # see PairState.mail_intent_at
    synced_values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "stream", "sync_key"], name="one_pair_per_key"),
        ]
        indexes = [
            models.Index(fields=["mailbox", "stream", "mail_id"]),
            models.Index(fields=["mailbox", "stream", "crm_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.mail_id[:12]}… <-> {self.crm_object} {self.crm_id}"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Scheduled"
    FORCE = "force", "Force sync"
    RESUME = "resume", "Resumed"  # the session a Resume (or a new sign-in that resumes) starts
    NOTIFICATION = "notification", "Change notification"
    MANUAL = "manual", "Started by an operator"


class Outcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded with issues"
    HALTED = "halted", "Halted: needs your decision"
    FAILED = "failed", "Failed"


class SyncSession(models.Model):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="sessions")
    trigger = models.CharField(max_length=14, choices=Trigger.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"events": {"to_crm": {"created": 3, "updated": 1, "deleted": 0, "failed": 0}, "to_mail": {...}}}
    counts = models.JSONField(default=dict, blank=True)
    # {"mail": 2, "crm": 1} — HTTP requests each side answered (login traffic included separately)
    api_calls = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=60, blank=True)  # why it failed, e.g. SALESFORCE_NOT_CONNECTED
    log = models.TextField(blank=True)  # the lines it logged (syncengine/services/session_log.py)
    # {"events": {"found": 300, "done": 120, "first": true}}: how far each stream is, updated once per
    # stream step (syncengine/services/progress.py), so a long first sync shows how far it got.
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["mailbox", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RetryState(models.TextChoices):
    """Whether the engine tries an item's failed write again: a person's choice, kept as a code."""

    NONE = "", "Nothing to retry"
    AUTO = "auto", "Retried at every session"
    STOPPED = "stopped", "Stopped by a person: unsynced until the item changes or is re-tagged"


class SyncIssue(models.Model):
    """A problem with one item (or one stream), kept until resolved so a person can act on it.

    ``resolved`` says whether it is shown; ``retry`` whether the engine still tries the item again
    (a person hiding a transient failure does not stop its retries; "Stop trying" does).
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="issues")
    session = models.ForeignKey(
        SyncSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    stream = models.CharField(max_length=20)
    code = models.CharField(max_length=60)
    message = models.TextField()
    mail_id = models.CharField(max_length=512, blank=True)
    crm_object = models.CharField(max_length=80, blank=True)
    crm_id = models.CharField(max_length=18, blank=True)
    item_label = models.CharField(max_length=300, blank=True)  # e.g. the event's subject, for humans
    details = models.JSONField(default=dict, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    resolved = models.BooleanField(default=False)
    retry = models.CharField(max_length=10, choices=RetryState.choices, default=RetryState.NONE, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["mailbox", "resolved", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.message[:60]}"

    @property
    def retries(self) -> bool:
        """Whether the engine tries this issue's item again at every session."""
        if self.retry:
            return self.retry == RetryState.AUTO
        return "pending" in (self.details or {}) and not self.resolved  # kept before retry was a field


class HeldSide(models.TextChoices):
    """The side a held deletion would delete on."""

    MAIL = "mail", "the mailbox"
    CRM = "crm", "Salesforce"


class HeldDecision(models.TextChoices):
    UNDECIDED = "", "Waiting for a decision"
    CONFIRM = "confirm", "Confirmed: delete it"
    RESTORE = "restore", "Restore it on the side that lost it"


class HeldDeletion(models.Model):
    """A deletion the mass-delete guard stopped: kept (not applied, not forgotten) until the mailbox's
    owner confirms it or restores the item; the next session carries the decision out."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="held_deletions")
    stream = models.CharField(max_length=20)
    sync_key = models.CharField(max_length=80)
    side = models.CharField(max_length=4, choices=HeldSide.choices)
    mail_id = models.CharField(max_length=512, blank=True)
    crm_id = models.CharField(max_length=18, blank=True)
    item_label = models.CharField(max_length=300, blank=True)
    decision = models.CharField(max_length=10, choices=HeldDecision.choices, default="", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "stream", "sync_key"], name="one_hold_per_pair")
        ]
        indexes = [models.Index(fields=["mailbox", "stream"])]

    def __str__(self) -> str:
        what = self.item_label or self.sync_key
        return f"{self.stream} {what}: delete in {self.side} ({self.decision or 'held'})"


class JournalEntry(models.Model):
    """What one session decided about one item and what came of it (syncengine/core/journal.py):
    the items the dashboard names for each session, and the timeline support traces an item by.
    It goes with its session (retention)."""

    session = models.ForeignKey(SyncSession, on_delete=models.CASCADE, related_name="entries")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="journal")
    stream = models.CharField(max_length=20)
    what = models.CharField(max_length=30)  # a code of syncengine.core.journal
    sync_key = models.CharField(max_length=80, blank=True)
    item_label = models.CharField(max_length=300, blank=True)
    mail_id = models.CharField(max_length=512, blank=True)
    crm_object = models.CharField(max_length=80, blank=True)
    crm_id = models.CharField(max_length=18, blank=True)
    fields = models.JSONField(default=list, blank=True)  # the fields written (neutral names)
    message = models.TextField(blank=True)  # a failure's answer, a conflict's sentence, a reason
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["session", "stream"]),
            models.Index(fields=["mailbox", "sync_key"]),
            models.Index(fields=["mailbox", "crm_id"]),
            models.Index(fields=["mailbox", "mail_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.item_label or self.sync_key}: {self.what}"
