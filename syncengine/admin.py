"""Django admin for support staff: every model, secrets never shown."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from syncengine.models import (
    CalendarSource,
    HeldDeletion,
    ItemPair,
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
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(SyncSettings)
class SyncSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "sync_events", "sync_tasks", "sync_contacts", "conflict_policy"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
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
    readonly_fields = ["lease_token", "lease_expires_at", "consecutive_failures"]


@admin.register(SalesforceConnection)
class SalesforceConnectionAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["user", "organization", "instance_url", "status", "api_usage"]
    list_filter = ["status"]
    exclude = ["credentials"]


@admin.register(SyncCursor)
class SyncCursorAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "stream", "side", "updated_at"]


@admin.register(ItemPair)
class ItemPairAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "stream", "crm_object", "crm_id", "origin", "updated_at"]
    list_filter = ["stream", "crm_object"]
    search_fields = ["mail_id", "crm_id", "sync_key"]


@admin.register(SyncSession)
class SyncSessionAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "trigger", "outcome", "started_at", "finished_at"]
    list_filter = ["outcome", "trigger"]


@admin.register(SyncIssue)
class SyncIssueAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "stream", "code", "item_label", "occurrences", "resolved", "last_seen_at"]
    list_filter = ["code", "resolved", "stream"]
    search_fields = ["mail_id", "crm_id", "item_label", "message"]


@admin.register(CalendarSource)
class CalendarSourceAdmin(admin.ModelAdmin):
    """Read-only: a source is checked against its object's describe when an org admin adds it on
    the dashboard (mapping.calendar_sources.check_source); a form here would skip that check."""

    list_display = ["organization", "crm_object", "category", "enabled", "created_at"]
    list_filter = ["enabled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MeetingRoster)
class MeetingRosterAdmin(admin.ModelAdmin):
    list_display = ["mailbox", "sync_key", "updated_at"]
    search_fields = ["sync_key"]


@admin.register(HeldDeletion)
class HeldDeletionAdmin(admin.ModelAdmin):
    """Read-only: the decision is the mailbox owner's, taken on the dashboard."""

    list_display = ["mailbox", "stream", "side", "item_label", "decision", "held_at"]
    list_filter = ["decision", "side", "stream"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
