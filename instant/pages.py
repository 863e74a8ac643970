"""The instant app's pages: the org admin's "Instant sync" settings (the org admin guard and one model
form), and the console's Listeners tab (the console's guard: org admins, support, operators)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from console.access import console_organization_or_404
from console.pages import console_context
from dashboard.org_pages import administered_or_404, settings_form_page
from instant.forms import InstantSettingsForm
from instant.models import InstantSettings
from instant.services.listener_health import listener_health


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    chosen = InstantSettings.objects.filter(organization=organization).first()
    return settings_form_page(
        request,
        organization,
        InstantSettingsForm,
        chosen or InstantSettings(organization=organization),
        save=lambda form: form.save(),
        what="instant sync settings",
        url_name="instant_pages:org_settings",
        template="instant/org_settings.html",
        active="instant",
        extra={
            "server_can_listen": settings.INSTANT_SYNC_ENABLED,
            "listeners": listener_health(organization.pk),
        },
    )


@login_required
def console_listeners(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    context = console_context(
        request,
        organization,
        "listeners",
        listeners=listener_health(organization.pk),
        lease_seconds=settings.LISTENER_LEASE_SECONDS,
    )
    return render(request, "console/listeners.html", context)
