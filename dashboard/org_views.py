"""Pages for an organization's org admins: its sync settings and its field mapping tables.

Thin views: the organization comes from the org admin guard (dashboard/org_pages.py), then parse
the input, call one service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from connectors.base import ConnectorError
from dashboard.org_forms import MAPPING_PREFIX, MappingFormSet, SyncSettingsForm, converter_choices
from dashboard.org_pages import administered_or_404, org_page_context, settings_form_page
from mapping import registry
from mapping.defaults import DEFAULT_TABLES
from mapping.models import FieldMapping, MappingDirection, StreamChoice
from mapping.services import MappingError, mapping_reset, mapping_save
from mapping.validation import Row
from syncengine.models import ConnectionStatus, Organization, SalesforceConnection
from syncengine.services.connectors import salesforce_for
from syncengine.services.streams import sync_settings_for

NO_CONNECTION = (
    "Connect Salesforce first: the table is checked against your Salesforce org's fields, "
    "and no one in this organization has a working Salesforce connection."
)


def _stream_or_404(stream: str) -> str:
    if stream not in DEFAULT_TABLES:
        raise Http404("no such stream")
    return stream


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    return settings_form_page(
        request,
        organization,
        SyncSettingsForm,
        sync_settings_for(organization),
        save=lambda form: form.save(),
        what="sync settings",
        url_name="dashboard:org_settings",
        template="dashboard/org_settings.html",
        active="settings",
    )


def salesforce_connection_to_describe(organization: Organization, user: Any) -> SalesforceConnection | None:
    """The acting admin's own Salesforce connection when they have one, else any member's."""
    usable = SalesforceConnection.objects.filter(
        organization=organization, user__memberships__organization=organization
    ).exclude(status=ConnectionStatus.REVOKED)
    return usable.filter(user=user).first() or usable.order_by("pk").first()


def _save_table(organization: Organization, user: Any, stream: str, rows: list[Row]) -> list[str]:
    """Check the table against the org's describe (fetched once) and store it; the problems, if any."""
    crm_object = DEFAULT_TABLES[stream].crm_object
    connection = salesforce_connection_to_describe(organization, user)
    if connection is None:
        return [NO_CONNECTION]
    try:
        describe = salesforce_for(connection).describe(crm_object)
        mapping_save(organization=organization, stream=stream, rows=rows, describe=describe)
    except MappingError as error:
        return list(error.problems)
    except ConnectorError as error:
        return [f"Salesforce did not describe {crm_object}, so nothing was saved: {error}"]
    return []


def _current_table(organization: Organization, stream: str) -> tuple[list[dict[str, Any]], bool]:
    """The rows the engine uses now, and whether they are the default table."""
    directions = dict(MappingDirection.choices)
    stored = list(FieldMapping.objects.filter(organization=organization, stream=stream))
    if stored:
        rows = [(r.mail_field, r.crm_field, r.direction, r.converter, r.max_length, r.value) for r in stored]
    else:
        rows = [
            (row.mail_field, row.crm_field, row.direction, row.converter, length, row.value)
            for row, length, _ in DEFAULT_TABLES[stream].rows
        ]
    table = [
        {
            "mail_field": mail_field,
            "crm_field": crm_field,
            "direction": direction,
            "direction_label": directions.get(direction, direction) if mail_field else "On new records",
            "converter": converter,
            "max_length": max_length,
            "value": value,
        }
        for mail_field, crm_field, direction, converter, max_length, value in rows
    ]
    return table, not stored


@login_required
@require_http_methods(["GET", "POST"])
def org_mappings(request: HttpRequest, organization_id: int, stream: str) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    stream = _stream_or_404(stream)
    crm_object = DEFAULT_TABLES[stream].crm_object
    table, is_default = _current_table(organization, stream)
    problems: list[str] = []
    if request.method == "POST":
        formset = MappingFormSet(request.POST, prefix=MAPPING_PREFIX, form_kwargs={"stream": stream})
        if formset.is_valid():
            problems = _save_table(organization, request.user, stream, formset.rows())
            if not problems:
                messages.success(request, f"The {crm_object} mapping table of {organization} is saved.")
                return HttpResponseRedirect(reverse("dashboard:org_mappings", args=[organization.pk, stream]))
    else:
        initial = [
            {k: row[k] for k in ("mail_field", "crm_field", "direction", "value")}
            | {"converter": row["converter"] or "text"}  # a fixed value has none; the form needs one
            for row in table
        ]
        formset = MappingFormSet(initial=initial, prefix=MAPPING_PREFIX, form_kwargs={"stream": stream})
    context = org_page_context(
        organization,
        active=stream,
        stream=stream,
        stream_label=StreamChoice(stream).label,
        crm_object=crm_object,
        table=table,
        is_default=is_default,
        formset=formset,
        problems=problems,
        converters=[(name, registry.CONVERTERS[name].description) for name, _ in converter_choices()],
    )
    return render(request, "dashboard/org_mappings.html", context)


@login_required
@require_POST
def org_mapping_reset(request: HttpRequest, organization_id: int, stream: str) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    stream = _stream_or_404(stream)
    mapping_reset(organization=organization, stream=stream)
    messages.success(
        request, f"The {DEFAULT_TABLES[stream].crm_object} mapping table is back to the default."
    )
    return HttpResponseRedirect(reverse("dashboard:org_mappings", args=[organization.pk, stream]))
