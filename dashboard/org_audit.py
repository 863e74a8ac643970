"""The org admin's audit log: every change staff made to the organization's data outside its pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.models import AuditEntry
from dashboard.org_pages import administered_or_404, org_page_context

PER_PAGE = 50


@login_required
@require_GET
def org_audit(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    entries = AuditEntry.objects.filter(organization=organization).order_by("-at", "-pk")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "dashboard/org_audit.html", org_page_context(organization, active="audit", page=page)
    )
