"""Instant sync state for support: which channels watch a mailbox, until when (read-only), and each
organization's instant sync settings."""

from __future__ import annotations

from django.contrib import admin

from audit.staff_admin import StaffAdmin
from instant.models import InstantSettings, MailboxWake, NotificationChannel


@admin.register(NotificationChannel)
class NotificationChannelAdmin(StaffAdmin):
    organization_path = "mailbox__organization"
    list_display = ("mailbox", "provider", "stream", "expires_at", "last_notified_at", "notifications")
    list_filter = ("provider", "stream")
    search_fields = ("mailbox__address", "channel_id")
    exclude = ("secret_hash",)
    readonly_fields = [f.name for f in NotificationChannel._meta.fields if f.name != "secret_hash"]

    def has_add_permission(self, request: object) -> bool:
        return False  # channels are opened with the provider, never typed in


@admin.register(MailboxWake)
class MailboxWakeAdmin(StaffAdmin):
    organization_path = "mailbox__organization"
    list_display = ("mailbox", "queued_at", "last_notified_at", "pending")
    readonly_fields = ("mailbox", "queued_at", "last_notified_at", "pending")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(InstantSettings)
class InstantSettingsAdmin(StaffAdmin):
    list_display = ("organization", "enabled", "min_seconds_between", "updated_at")
