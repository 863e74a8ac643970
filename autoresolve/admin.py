from django.contrib import admin

from audit.staff_admin import StaffAdmin
from autoresolve.models import AutoresolveSettings, CreatedRecord


@admin.register(AutoresolveSettings)
class AutoresolveSettingsAdmin(StaffAdmin):
    list_display = ("organization", "mode", "auto_create_accounts", "smart_create", "updated_at")


@admin.register(CreatedRecord)
class CreatedRecordAdmin(StaffAdmin):
    list_display = ("address", "sobject", "record_id", "organization", "created_at", "undone_at")
    search_fields = ("address", "record_id", "sync_key")
    list_filter = ("sobject",)
    view_only = True  # undone on the org admin's page, where the activities are let go of it first
