"""The audit log in the Django admin (read-only), and the admins of models that are not ours (users,
groups, django-q2's schedules and tasks, django-axes' sign-in records) under the staff rules:
changing who may do what, what code a worker runs or who is locked out is for superusers, and
audited."""

from __future__ import annotations

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success

from audit.models import AuditEntry
from audit.staff_admin import GlobalStaffAdmin, StaffAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(StaffAdmin):
    list_display = ["at", "actor_name", "organization_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "organization"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    view_only = True

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


for model, base in (
    (User, UserAdmin),
    (Group, GroupAdmin),
    (Schedule, q_admin.ScheduleAdmin),
    (Success, q_admin.TaskAdmin),
    (Failure, q_admin.FailAdmin),
    (OrmQ, q_admin.QueueAdmin),
    # Deleting a sign-in attempt lifts a lockout: superusers only, and audited.
    (AccessAttempt, axes_admin.AccessAttemptAdmin),
    (AccessLog, axes_admin.AccessLogAdmin),
    (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
):
    if not admin.site.is_registered(model):
        continue  # django-q2 registers OrmQ only with its ORM broker
    admin.site.unregister(model)
    admin.site.register(model, type(f"Staff{base.__name__}", (GlobalStaffAdmin, base), {}))
