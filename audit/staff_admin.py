"""The Django admin's rules for staff: each model admin says which organization a row belongs to;
staff who are not superusers see only the organizations they support (a support membership), change
only what the admin leaves editable, and every change is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.models import AuditAction
from audit.services import audit_record, changes_between, snapshot
from syncengine.models import Role


def supported_organization_ids(user: Any) -> list[int]:
    return list(user.memberships.filter(role=Role.SUPPORT).values_list("organization_id", flat=True))


class StaffAdmin(admin.ModelAdmin):
    # The path from a row to its organization ("" when the row is the organization itself).
    organization_path: str = "organization"
    # Changes that redirect where secrets go or whose data is whose: superusers only, or nobody.
    superuser_only: bool = False
    view_only: bool = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        lookup = f"{self.organization_path}__in" if self.organization_path else "pk__in"
        return rows.filter(**{lookup: supported_organization_ids(request.user)})

    def _may_write(self, request: HttpRequest) -> bool:
        if self.view_only:
            return False
        return bool(request.user.is_superuser) or not self.superuser_only

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request) and super().has_delete_permission(request, obj)

    def organization_id_of(self, obj: models.Model) -> int | None:
        if not self.organization_path:
            return obj.pk
        target: Any = obj
        for step in self.organization_path.split("__"):
            target = getattr(target, step, None)
            if target is None:
                return None
        return target.pk

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        changes = changes_between(before, snapshot(obj))
        if changes or not change:
            audit_record(
                actor=request.user,
                organization_id=self.organization_id_of(obj),
                action=AuditAction.CHANGE if change else AuditAction.ADD,
                obj=obj,
                changes=changes,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._record_deletion(request, obj)
        super().delete_queryset(request, queryset)

    def _record_deletion(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=request.user,
            organization_id=self.organization_id_of(obj),
            action=AuditAction.DELETE,
            obj=obj,
            changes={name: [value, None] for name, value in snapshot(obj).items()},
        )


class GlobalStaffAdmin(StaffAdmin):
    """Rows of no organization (users, schedules, queued tasks): staff read, superusers change."""

    organization_path = ""
    superuser_only = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request)

    def organization_id_of(self, obj: models.Model) -> int | None:
        return None
