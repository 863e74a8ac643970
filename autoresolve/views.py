"""The org admin's autoresolve pages: the settings, and the records the engine made with why, each
undoable. Thin views: the org admin guard, one service, render."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from autoresolve.forms import AutoresolveSettingsForm
from autoresolve.models import AutoresolveMode, AutoresolveSettings, CreatedRecord
from autoresolve.services import (
    UndoRefusedError,
    autoresolve_settings_for,
    created_record_undo,
    created_records_follow,
    created_records_resolve,
)
from connectors.base import ConnectorError
from dashboard.org_pages import administered_or_404, org_page_context
from dashboard.org_views import salesforce_connection_to_describe
from syncengine.services.connectors import salesforce_for

log = logging.getLogger(__name__)
T = TypeVar("T")
RECORDS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    salesforce = _PageSalesforce(organization, request.user)
    data = request.POST if request.method == "POST" else None
    chosen = autoresolve_settings_for(organization)
    form = AutoresolveSettingsForm(
        data, instance=chosen, person_accounts_available=_person_accounts_available(salesforce, chosen)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, f"The autoresolve settings of {organization} are saved; the next sessions use them."
        )
        return HttpResponseRedirect(reverse("autoresolve:org_settings", args=[organization.pk]))
    if CreatedRecord.objects.filter(organization=organization, record_id="", undone_at=None).exists():
        # Records a dead session wrote without keeping their ids: found by the person's key.
        salesforce.run(
            "interrupted records not completed", created_records_resolve, organization=organization
        )
    records = CreatedRecord.objects.filter(organization=organization).select_related("mailbox__owner")
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    if any(r.sobject == "Lead" and not r.undone_at for r in shown):
        # The page's Leads someone converted since are shown as their Contacts (one query).
        salesforce.run("conversions not followed", created_records_follow, shown)
    context = org_page_context(organization, active="autoresolve", form=form, page=page)
    return render(request, "autoresolve/org_settings.html", context)


class _PageSalesforce:
    """The org's Salesforce for one page view: its connection looked up, and its connector made,
    once and only when a step needs it. A step Salesforce fails is logged: the page shows what is
    kept."""

    def __init__(self, organization: Any, user: Any) -> None:
        self.organization, self.user = organization, user
        self._crm: Any = None
        self._looked_up = False

    def crm(self) -> Any:
        if not self._looked_up:
            self._looked_up = True
            connection = salesforce_connection_to_describe(self.organization, self.user)
            self._crm = salesforce_for(connection) if connection is not None else None
        return self._crm

    def run(self, what: str, step: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        crm = self.crm()
        if crm is None:
            return None
        try:
            return step(*args, crm=crm, **kwargs)
        except ConnectorError as error:
            log.info("autoresolve: %s: %s", what, error.code)
            return None


def _person_accounts_available(salesforce: _PageSalesforce, chosen: AutoresolveSettings) -> bool:
    """Whether the org's Salesforce has Person Accounts: its Account describe has IsPersonAccount
    (one call). Once chosen they stay offered, so the page never drops the org's own choice."""
    if chosen.mode == AutoresolveMode.PERSON_ACCOUNTS:
        return True

    def described(crm: Any) -> bool:
        fields = crm.describe("Account").get("fields") or []
        return any(f.get("name") == "IsPersonAccount" for f in fields)

    return bool(salesforce.run("Account not described", described))


@login_required
@require_POST
def undo(request: HttpRequest, organization_id: int, record_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    record = get_object_or_404(CreatedRecord, organization=organization, pk=record_id)
    back = HttpResponseRedirect(reverse("autoresolve:org_settings", args=[organization.pk]))
    connection = salesforce_connection_to_describe(organization, request.user)
    if connection is None:
        messages.error(
            request, "Connect Salesforce first: no one in this organization has a working connection."
        )
        return back
    try:
        created_record_undo(record=record, actor=request.user, crm=salesforce_for(connection))
    except (UndoRefusedError, ConnectorError) as refused:
        messages.error(request, f"{record.sobject} for {record.address} was not deleted: {refused}")
        return back
    messages.success(
        request,
        f"The {record.sobject} for {record.address} is deleted in Salesforce; the activities it was linked "
        "to stay. The engine will not make it again unless the person is met anew.",
    )
    return back
