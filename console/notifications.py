"""The console's notifications page: what was sent, and the org admin's choices (audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record, changes_between, snapshot
from console.access import console_organization_or_404, is_org_admin
from console.pages import console_context
from notify.models import Notification, NotificationSettings
from notify.services import notification_settings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["tell_owner", "tell_admins", "daily_digest"]


@login_required
def notifications(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    may_change = is_org_admin(user=request.user, organization=organization)
    current = notification_settings(organization)
    if request.method == "POST":
        if not may_change:  # support and operators read; the org's own admins decide
            return HttpResponse("Only the organization's admins change its notifications.", status=403)
        before = snapshot(current) if current.pk else {}
        form = NotificationSettingsForm(request.POST, instance=current)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.updated_at = timezone.now()
            saved.save()
            audit_record(
                actor=request.user,
                organization_id=organization.pk,
                action=AuditAction.CHANGE if before else AuditAction.ADD,
                obj=saved,
                changes=changes_between(before, snapshot(saved)),
                source="console",
            )
            messages.success(request, "Notification settings saved.")
            return HttpResponseRedirect(reverse("console:notifications", args=[organization.pk]))
    else:
        form = NotificationSettingsForm(instance=current)
    sent = Notification.objects.filter(organization=organization).select_related("mailbox")[:50]
    context = console_context(
        request, organization, "notifications", form=form, may_change=may_change, sent=sent
    )
    return render(request, "console/notifications.html", context)
