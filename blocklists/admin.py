"""Django admin for support staff: the blocklist layers, free-domain changes and options."""

from __future__ import annotations

from django.contrib import admin

from audit.staff_admin import StaffAdmin
from blocklists.models import BlocklistSettings, FreeDomainChange, OrgBlocklistEntry, UserBlocklistEntry


@admin.register(BlocklistSettings)
class BlocklistSettingsAdmin(StaffAdmin):
    list_display = ["organization", "free_domains_enabled", "users_may_remove_org_entries"]


@admin.register(OrgBlocklistEntry)
class OrgBlocklistEntryAdmin(StaffAdmin):
    list_display = ["value", "organization", "added_by", "added_at", "note"]
    list_filter = ["organization"]
    search_fields = ["value", "note"]
    raw_id_fields = ["added_by"]


@admin.register(UserBlocklistEntry)
class UserBlocklistEntryAdmin(StaffAdmin):
    list_display = ["value", "action", "user", "organization", "added_at"]
    list_filter = ["action", "organization"]
    search_fields = ["value", "user__username"]
    raw_id_fields = ["user"]


@admin.register(FreeDomainChange)
class FreeDomainChangeAdmin(StaffAdmin):
    list_display = ["domain", "included", "organization", "changed_by", "changed_at"]
    list_filter = ["included", "organization"]
    search_fields = ["domain"]
    raw_id_fields = ["changed_by"]
