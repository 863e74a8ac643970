"""The org admin page for Salesforce records of other objects shown in calendars (one way).

Each source is checked against its object's describe before it is stored, so a wrong field name
is a message on this page, not a failed sync session.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from connectors.base import ConnectorError
from dashboard.org_pages import administered_or_404, org_page_context
from dashboard.org_views import NO_CONNECTION, salesforce_connection_to_describe
from mapping.calendar_sources import SourceFields, check_source
from syncengine.models import CalendarSource, Organization
from syncengine.services.connectors import salesforce_for

API_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class CalendarSourceForm(forms.ModelForm):
    class Meta:
        model = CalendarSource
        fields = [
            "crm_object",
            "category",
            "subject_field",
            "date_field",
            "start_field",
            "end_field",
            "description_field",
            "two_way",
        ]

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.organization = organization
        names = ("crm_object", "subject_field", "date_field", "start_field", "end_field", "description_field")
        for name in names:
            self.fields[name].validators.append(
                RegexValidator(API_NAME, "Enter a Salesforce API name, e.g. Due_Date__c.")
            )

    def clean_crm_object(self) -> str:
        name = str(self.cleaned_data["crm_object"]).strip()
        shown = CalendarSource.objects.filter(organization=self.organization, crm_object__iexact=name)
        if shown.filter(enabled=True).exists():
            raise forms.ValidationError(f"{name} is already shown in calendars.")
        return name

    def save_source(self) -> CalendarSource:
        """A source stopped before is taken up again (its items, pairs and cursors are still there)."""
        data = {name: self.cleaned_data.get(name) or "" for name in self.Meta.fields if name != "two_way"}
        data["two_way"] = bool(self.cleaned_data.get("two_way"))
        source, _ = CalendarSource.objects.update_or_create(
            organization=self.organization,
            crm_object__iexact=data["crm_object"],
            defaults={**data, "organization": self.organization, "enabled": True},
        )
        return source

    def source_fields(self) -> SourceFields:
        data = self.cleaned_data
        return SourceFields(
            crm_object=data["crm_object"],
            subject_field=data["subject_field"],
            start_field=data.get("start_field") or "",
            end_field=data.get("end_field") or "",
            date_field=data.get("date_field") or "",
            description_field=data.get("description_field") or "",
        )


def _problems(organization: Organization, user: object, fields: SourceFields, two_way: bool) -> list[str]:
    connection = salesforce_connection_to_describe(organization, user)
    if connection is None:
        return [NO_CONNECTION.replace("the table is", "the object is")]
    try:
        describe = salesforce_for(connection).describe(fields.crm_object)
    except ConnectorError as error:
        if error.status == 404 or error.code == "NOT_FOUND":
            describe = {}
        else:
            return [f"Salesforce did not describe {fields.crm_object}, so nothing was saved: {error}"]
    return check_source(fields, describe, settings.SALESFORCE_SYNC_KEY_FIELD, two_way=two_way)


@login_required
@require_http_methods(["GET", "POST"])
def org_calendar_sources(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    data = request.POST if request.method == "POST" else None
    form = CalendarSourceForm(data, organization=organization)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        two_way = bool(form.cleaned_data.get("two_way"))
        problems = _problems(organization, request.user, form.source_fields(), two_way)
        if not problems:
            source = form.save_source()
            messages.success(
                request, f"{source.crm_object} records will appear in calendars from the next session."
            )
            return HttpResponseRedirect(reverse("dashboard:org_calendar_sources", args=[organization.pk]))
    context = org_page_context(
        organization,
        active="calendar_sources",
        form=form,
        problems=problems,
        sources=CalendarSource.objects.filter(organization=organization, enabled=True).order_by("crm_object"),
    )
    return render(request, "dashboard/org_calendar_sources.html", context)


@login_required
@require_POST
def org_calendar_source_remove(request: HttpRequest, organization_id: int, source_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    source = get_object_or_404(CalendarSource, organization=organization, pk=source_id, enabled=True)
    # Stopped, not deleted: its category stays known, so the items already in calendars are never
    # taken for calendar items to save as Events.
    source.enabled = False
    source.save(update_fields=["enabled"])
    messages.success(
        request,
        f"{source.crm_object} records are no longer shown in calendars; the items there stay as they are.",
    )
    return HttpResponseRedirect(reverse("dashboard:org_calendar_sources", args=[organization.pk]))
