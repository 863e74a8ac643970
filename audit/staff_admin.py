"""The Django admin's rules for staff: each model admin says which organization a row belongs to;
staff who are not superusers see only the organizations they support (a support membership), can
neither pick nor save a row of any other organization, change only what the admin leaves editable,
and every change (its many-to-many ones too) is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from audit.models import AuditAction
from audit.services import audit_record, changes_between, snapshot
from syncengine.models import Organization, Role


def supported_organization_ids(user: Any) -> list[int]:
    return list(user.memberships.filter(role=Role.SUPPORT).values_list("organization_id", flat=True))


class StaffAdmin(admin.ModelAdmin):
    # The path from a row to its organization ("" when the row is the organization itself).
    organization_path: str = "organization"
    # Changes that redirect where secrets go or whose data is whose: superusers only, or nobody.
    superuser_only: bool = False
    # Deleting these takes a whole tree of data with it (an organization, a mailbox): superusers only.
    superuser_deletes: bool = False
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
        if self.superuser_deletes and not request.user.is_superuser:
            return False
        return self._may_write(request) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        # A choice is a row a staff member may point at: scoping only the listing would still let them
        # attach a blocklist entry or an email to an organization they do not support.
        if not request.user.is_superuser and "queryset" not in kwargs:
            choices = _scoped_choices(db_field.related_model, supported_organization_ids(request.user))
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
        # The last guard, whatever the form offered: a row saved is a row of a supported organization.
        if not request.user.is_superuser and self.organization_id_of(obj) not in set(
            supported_organization_ids(request.user)
        ):
            raise PermissionDenied("That organization is not one you support.")
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

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj = form.instance
        before = _many_to_many_of(obj) if change else {}
        super().save_related(request, form, formsets, change)
        # Groups and permissions are many-to-many: save_model never sees them change.
        changes = changes_between(before, _many_to_many_of(obj))
        if changes and change:
            audit_record(
                actor=request.user,
                organization_id=self.organization_id_of(obj),
                action=AuditAction.CHANGE,
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


def _many_to_many_of(obj: models.Model) -> dict[str, object]:
    return {
        field.name: sorted(str(related) for related in getattr(obj, field.name).all())
        for field in obj._meta.many_to_many
    }


def _scoped_choices(model: type[models.Model], organization_ids: list[int]) -> QuerySet[Any] | None:
    """The rows of ``model`` that belong to the given organizations; None for models of no
    organization (those keep the admin's own choices)."""
    if model is Organization:
        return Organization.objects.filter(pk__in=organization_ids)
    if model is get_user_model():
        return model._default_manager.filter(memberships__organization_id__in=organization_ids).distinct()
    names = {field.name for field in model._meta.get_fields()}
    if "organization" in names:
        return model._default_manager.filter(organization_id__in=organization_ids)
    if "mailbox" in names:
        return model._default_manager.filter(mailbox__organization_id__in=organization_ids)
    return None


class GlobalStaffAdmin(StaffAdmin):
    """Rows of no organization (users, schedules, queued tasks): staff read, superusers change."""

    organization_path = ""
    superuser_only = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request)

    def organization_id_of(self, obj: models.Model) -> int | None:
        return None
