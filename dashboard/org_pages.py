"""What every org admin page shares: the one guard and the one page context with the org tabs.

Every page about an organization's own settings (here, in blocklists/, emails/ and onboarding/)
gets its organization from ``administered_or_404``: an org admin of that very organization gets
it, anyone else gets 404 (staff included: the staff admin is where staff work), so the
organization's existence is not even confirmed. ``ORG_TABS`` is the one list of the pages with
the org tabs; an app that adds such a page adds its tab there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from mapping.defaults import DEFAULT_TABLES
from mapping.models import StreamChoice
from syncengine import selectors
from syncengine.models import Organization


@dataclass(frozen=True)
class OrgTab:
    key: str  # what the page passes as ``active``
    label: str
    url_name: str
    url_args: tuple[str, ...] = ()  # after the organization's id


ORG_TABS: tuple[OrgTab, ...] = (
    OrgTab("settings", "Sync settings", "dashboard:org_settings"),
    *(
        OrgTab(stream, f"Mapping: {label}", "dashboard:org_mappings", (stream,))
        for stream, label in StreamChoice.choices
        if stream in DEFAULT_TABLES
    ),
    OrgTab("calendar_sources", "Other records in calendars", "dashboard:org_calendar_sources"),
    OrgTab("blocklist", "Blocklist", "blocklists:org_page"),
    OrgTab("emails", "Email saving", "emails:org_settings"),
    OrgTab("autoresolve", "New people", "autoresolve:org_settings"),
    OrgTab("instant", "Instant sync", "instant_pages:org_settings"),
    OrgTab("audit", "Audit log", "dashboard:org_audit"),
)


def administered_or_404(request: HttpRequest, organization_id: int) -> Organization:
    """The organization, when the request's user is an org admin of it; anyone else gets 404."""
    return get_object_or_404(selectors.administered_organizations(user=request.user), pk=organization_id)


def org_page_context(organization: Organization, *, active: str, **context: Any) -> dict[str, Any]:
    """A page's context with the org tabs (templates/dashboard/org_nav.html), ``active`` marked."""
    if active not in {tab.key for tab in ORG_TABS}:
        raise ValueError(f"no org tab {active!r}: declare the page in ORG_TABS")
    tabs = [
        {
            "label": tab.label,
            "url": reverse(tab.url_name, args=[organization.pk, *tab.url_args]),
            "active": tab.key == active,
        }
        for tab in ORG_TABS
    ]
    return {"organization": organization, "org_tabs": tabs, **context}


def settings_form_page(
    request: HttpRequest,
    organization: Organization,
    form_class: type[forms.ModelForm[Any]],
    instance: Any,
    *,
    save: Callable[[forms.ModelForm[Any]], object],
    what: str,
    url_name: str,
    template: str,
    active: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """An org settings page of one model form: a GET shows ``instance``; a valid POST is saved with
    ``save(form)``, announced as the organization's ``what`` and sent back to the page (``url_name``);
    an invalid one is shown again with its errors."""
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=instance)
    if request.method == "POST" and form.is_valid():
        save(form)
        messages.success(request, f"The {what} of {organization} are saved; the next sessions use them.")
        return HttpResponseRedirect(reverse(url_name, args=[organization.pk]))
    context = org_page_context(organization, active=active, form=form, **(extra or {}))
    return render(request, template, context)
