"""Support staff can read mapping tables here; org admins edit theirs on the dashboard, where
every save is checked against their Salesforce org."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.staff_admin import StaffAdmin
from mapping.models import FieldMapping


@admin.register(FieldMapping)
class FieldMappingAdmin(StaffAdmin):
    list_display = [
        "organization",
        "stream",
        "mail_field",
        "crm_field",
        "direction",
        "converter",
        "max_length",
    ]
    list_filter = ["stream", "organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tables are saved whole and validated: see mapping.services.mapping_save

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
