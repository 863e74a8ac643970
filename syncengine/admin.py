"""Django admin for support staff: every model, scoped to the organizations they support, secrets
never shown. What decides where a token or password is sent (instance URLs, endpoints), whose data is
whose (owners, organizations) and where the engine reads from (cursors, pairs) is read-only: those
change only through the product's own flows. Every change made here is audited (``audit``)."""

from __future__ import annotations

from django.contrib import admin

from audit.staff_admin import StaffAdmin
from syncengine.models import (
    CalendarSource,
    HeldDeletion,
    ItemPair,
    JournalEntry,
    Mailbox,
    MeetingRoster,
    Membership,
    Organization,
    SalesforceConnection,
    SyncCursor,
    SyncIssue,
    SyncSession,
    SyncSettings,
)


@admin.register(Organization)
class OrganizationAdmin(StaffAdmin):
    organization_path = ""
    superuser_deletes = True  # it takes every mailbox, pair and setting of the organization with it
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug"]


@admin.register(SyncSettings)
class SyncSettingsAdmin(StaffAdmin):
    list_display = ["organization", "sync_events", "sync_tasks", "sync_contacts", "conflict_policy"]
    readonly_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(StaffAdmin):
    """Who belongs where and with which role: superusers only (support staff could otherwise make
    themselves org admins, or move people between organizations)."""

    superuser_only = True
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]


@admin.register(Mailbox)
class MailboxAdmin(StaffAdmin):
    superuser_deletes = True  # it takes the mailbox's pairs with it: what was synced is forgotten
    list_display = [
        "address",
        "provider",
        "organization",
        "status",
        "suspended",
        "next_due_at",
        "last_synced_at",
    ]
    list_filter = ["provider", "status", "suspended", "organization"]
    search_fields = ["address"]
    exclude = ["credentials"]
    readonly_fields = [
        "organization",
        "owner",
        "added_by",
        "provider",
        "address",
        "provider_account",
        "status",
        "status_message",
        "suspended",
        "suspended_reason",
        "suspended_at",
        "cause_code",
        "last_synced_at",
        "lease_token",
        "lease_expires_at",
        "consecutive_failures",
        "queued_at",
        "forced_at",
        "created_at",
    ]

    def has_add_permission(self, request: object) -> bool:
        return False  # mailboxes come from a sign-in or an admin consent, never typed in


@admin.register(SalesforceConnection)
class SalesforceConnectionAdmin(StaffAdmin):
    """Read-only: the instance URL is where the token is sent, so it comes from Salesforce's OAuth
    answer only. Deleting a connection (superusers) is a disconnect: the owner connects again."""

    list_display = ["user", "organization", "instance_url", "status", "api_usage"]
    list_filter = ["status"]
    exclude = ["credentials"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return bool(getattr(request, "user", None) and request.user.is_superuser)  # type: ignore[attr-defined]


class EngineStateAdmin(StaffAdmin):
    """The engine's own state: read it here, never edit it (a cursor is followed with the mailbox's
    token; a pair's ids say which records a write goes to)."""

    view_only = True


@admin.register(SyncCursor)
class SyncCursorAdmin(EngineStateAdmin):
    organization_path = "mailbox__organization"
    list_display = ["mailbox", "stream", "side", "updated_at"]


@admin.register(ItemPair)
class ItemPairAdmin(EngineStateAdmin):
    organization_path = "mailbox__organization"
    list_display = ["mailbox", "stream", "crm_object", "crm_id", "origin", "updated_at"]
    list_filter = ["stream", "crm_object"]
    search_fields = ["mail_id", "crm_id", "sync_key"]


@admin.register(SyncSession)
class SyncSessionAdmin(EngineStateAdmin):
    organization_path = "mailbox__organization"
    list_display = ["mailbox", "trigger", "outcome", "started_at", "finished_at"]
    list_filter = ["outcome", "trigger"]


@admin.register(SyncIssue)
class SyncIssueAdmin(EngineStateAdmin):
    organization_path = "mailbox__organization"
    list_display = ["mailbox", "stream", "code", "item_label", "occurrences", "resolved", "last_seen_at"]
    list_filter = ["code", "resolved", "stream"]
    search_fields = ["mail_id", "crm_id", "item_label", "message"]


@admin.register(CalendarSource)
class CalendarSourceAdmin(EngineStateAdmin):
    """Org admins edit sources on their page, where each is checked against their Salesforce."""

    list_display = ["organization", "crm_object", "category", "enabled", "created_at"]
    list_filter = ["enabled"]


@admin.register(MeetingRoster)
class MeetingRosterAdmin(EngineStateAdmin):
    organization_path = "mailbox__organization"
    list_display = ["mailbox", "sync_key", "updated_at"]
    search_fields = ["sync_key"]


@admin.register(HeldDeletion)
class HeldDeletionAdmin(EngineStateAdmin):
    """Read-only: the decision is the mailbox owner's, taken on the dashboard."""

    organization_path = "mailbox__organization"
    list_display = ["mailbox", "stream", "side", "item_label", "decision", "held_at"]
    list_filter = ["decision", "side", "stream"]


@admin.register(JournalEntry)
class JournalEntryAdmin(EngineStateAdmin):
    """Read-only: what a session decided about an item is history, not a setting."""

    organization_path = "mailbox__organization"
    list_display = ["mailbox", "stream", "what", "item_label", "crm_object", "crm_id", "at"]
    list_filter = ["what", "stream"]
    search_fields = ["item_label", "mail_id", "crm_id", "sync_key"]
