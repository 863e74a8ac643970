"""The blocklist pages: a user's own layer (and the org entries that apply to them), and an org
admin's page for the organization's layer, free-email domains and options.

Thin views: who may see what is decided here (a user only their own entries in organizations they
belong to; the org page through the org admin guard of dashboard/org_pages.py; anyone else gets
404), the rules live in blocklists/services.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from blocklists.core import (
    REASON_FREE,
    REASON_INTERNAL,
    REASON_INTERNAL_ADDRESS,
    REASON_ORG,
    REASON_USER,
    display_form,
)
from blocklists.forms import BlocklistSettingsForm, CheckForm, EntriesForm, FreeDomainsForm
from blocklists.free_domains import DEFAULT_FREE_EMAIL_DOMAINS
from blocklists.models import OrgBlocklistEntry, UserBlocklistEntry, UserEntryAction
from blocklists.services import (
    AddResult,
    BlocklistError,
    EntriesError,
    blocklist_for,
    blocklist_settings_for,
    blocklist_settings_save,
    entry_remove,
    free_domain_remove,
    free_domains_add,
    free_domains_of,
    free_domains_reset,
    internal_domains_of,
    org_entries_add,
    user_entries_add,
    user_org_entry_lift,
)
from dashboard.org_pages import administered_or_404, org_page_context
from syncengine.models import Organization, Role

REASONS = {
    REASON_INTERNAL: "blocked: it is in one of the organization's internal domains",
    REASON_INTERNAL_ADDRESS: "blocked: it is the address of a mailbox of the organization (a colleague)",
    REASON_USER: "blocked by your own blocklist",
    REASON_ORG: "blocked by the organization's blocklist",
    REASON_FREE: "blocked: it is on a free email provider's domain",
}


def _membership_orgs(request: HttpRequest) -> Any:
    return Organization.objects.filter(memberships__user=request.user).order_by("name", "pk")


def _member_of(request: HttpRequest, organization_id: int) -> Organization:
    """Only a member sees their own blocklist in an organization; anyone else gets 404."""
    return get_object_or_404(_membership_orgs(request), pk=organization_id)


def _shown(values: list[str]) -> str:
    return ", ".join(display_form(v) for v in values)


def _report(request: HttpRequest, result: AddResult, where: str) -> None:
    if result.added:
        messages.success(
            request, f"Added to {where}: {_shown(result.added)}. The next sync session applies it."
        )
    if result.already:
        messages.info(request, f"Already on {where}: {_shown(result.already)}.")
    if result.internal:
        messages.info(
            request,
            f"Not added, always blocked as the organization's internal domains: {_shown(result.internal)}.",
        )


def _add_from_form(
    request: HttpRequest,
    form: forms.Form,
    field: str,
    *,
    add: Callable[[dict[str, Any]], AddResult],
    where: str,
    done_url: str,
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """The add views' common path: a valid form is added (``add`` with its cleaned data) and
    reported, then back to ``done_url``; an invalid form, or texts the service refuses (their
    problems shown on ``field``), renders the page again (``again``)."""
    if form.is_valid():
        try:
            result = add(form.cleaned_data)
        except EntriesError as error:
            form.add_error(field, error.problems)
        else:
            _report(request, result, where)
            return HttpResponseRedirect(done_url)
    return again()


# --- the user's page --------------------------------------------------------------------------


def _user_context(
    request: HttpRequest, organization: Organization, form: EntriesForm | None = None
) -> dict[str, Any]:
    options = blocklist_settings_for(organization)
    own = list(UserBlocklistEntry.objects.filter(organization=organization, user=request.user))
    lifts = {e.value: e for e in own if e.action == UserEntryAction.ALLOW}
    blocks = {e.value for e in own if e.action == UserEntryAction.BLOCK}
    org_entries = [
        {"entry": entry, "lift": lifts.get(entry.value), "own_block": entry.value in blocks}
        for entry in OrgBlocklistEntry.objects.filter(organization=organization)
    ]
    org_values = {row["entry"].value for row in org_entries}
    check = CheckForm(request.GET) if "address" in request.GET else CheckForm()
    verdict = None
    if check.is_bound and check.is_valid():
        reason = blocklist_for(request.user, organization).reason(check.cleaned_data["address"])
        verdict = REASONS.get(reason or "", "not blocked: the engine may link and auto-save it")
    return {
        "organization": organization,
        "organizations": list(_membership_orgs(request)),
        "is_admin": organization.memberships.filter(user=request.user, role=Role.ORG_ADMIN).exists(),
        "options": options,
        "own_entries": [e for e in own if e.action == UserEntryAction.BLOCK],
        "stale_lifts": [e for e in own if e.action == UserEntryAction.ALLOW and e.value not in org_values],
        "org_entries": org_entries,
        "internal_domains": [display_form(d) for d in internal_domains_of(organization)],
        "free_domains": free_domains_of(organization) if options.free_domains_enabled else [],
        "form": form or EntriesForm(),
        "check": check,
        "verdict": verdict,
    }


def _user_page_url(organization: Organization) -> str:
    return reverse("blocklists:user_page", args=[organization.pk])


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The user's blocklist in their (first) organization; the page links the others."""
    organization = _membership_orgs(request).first()
    if organization is None:
        return render(request, "blocklists/no_organization.html")
    return render(request, "blocklists/user.html", _user_context(request, organization))


@login_required
@require_GET
def user_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _member_of(request, organization_id)
    return render(request, "blocklists/user.html", _user_context(request, organization))


@login_required
@require_POST
def user_add(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _member_of(request, organization_id)
    form = EntriesForm(request.POST)
    return _add_from_form(
        request,
        form,
        "entries",
        add=lambda data: user_entries_add(
            user=request.user, organization=organization, texts=data["entries"], note=data["note"]
        ),
        where="your blocklist",
        done_url=_user_page_url(organization),
        again=lambda: render(
            request, "blocklists/user.html", _user_context(request, organization, form=form)
        ),
    )


@login_required
@require_POST
def user_remove(request: HttpRequest, organization_id: int, entry_id: int) -> HttpResponse:
    """Remove one of the user's own rows: their block, or their lift of an org entry."""
    organization = _member_of(request, organization_id)
    entry = get_object_or_404(UserBlocklistEntry, pk=entry_id, organization=organization, user=request.user)
    entry_remove(entry=entry)
    if entry.action == UserEntryAction.ALLOW:
        messages.success(request, f"The organization's entry {entry.shown} applies to you again.")
    else:
        messages.success(request, f"{entry.shown} is no longer on your blocklist.")
    return HttpResponseRedirect(_user_page_url(organization))


@login_required
@require_POST
def user_lift(request: HttpRequest, organization_id: int, entry_id: int) -> HttpResponse:
    """Remove an org entry from the user's own blocklist, where the organization permits it."""
    organization = _member_of(request, organization_id)
    org_entry = get_object_or_404(OrgBlocklistEntry, pk=entry_id, organization=organization)
    try:
        user_org_entry_lift(user=request.user, organization=organization, org_entry=org_entry)
    except BlocklistError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{org_entry.shown} no longer blocks your emails (the organization's list is unchanged)."
        )
    return HttpResponseRedirect(_user_page_url(organization))


# --- the org admin's page ---------------------------------------------------------------------


def _org_context(request: HttpRequest, organization: Organization, **forms: Any) -> dict[str, Any]:
    options = blocklist_settings_for(organization)
    free = free_domains_of(organization)
    return org_page_context(
        organization,
        active="blocklist",
        options=options,
        entries=OrgBlocklistEntry.objects.filter(organization=organization).select_related("added_by"),
        internal_domains=[display_form(d) for d in internal_domains_of(organization)],
        free_domains=[
            {"domain": d, "shown": display_form(d), "default": d in DEFAULT_FREE_EMAIL_DOMAINS} for d in free
        ],
        removed_defaults=sorted(DEFAULT_FREE_EMAIL_DOMAINS - set(free)),
        form=forms.get("form") or EntriesForm(),
        free_form=forms.get("free_form") or FreeDomainsForm(),
        settings_form=BlocklistSettingsForm(
            initial={
                "free_domains_enabled": options.free_domains_enabled,
                "users_may_remove_org_entries": options.users_may_remove_org_entries,
            }
        ),
    )


def _org_page_url(organization: Organization) -> str:
    return reverse("blocklists:org_page", args=[organization.pk])


@login_required
@require_GET
def org_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    return render(request, "blocklists/org.html", _org_context(request, organization))


@login_required
@require_POST
def org_add(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    form = EntriesForm(request.POST)
    return _add_from_form(
        request,
        form,
        "entries",
        add=lambda data: org_entries_add(
            organization=organization, texts=data["entries"], added_by=request.user, note=data["note"]
        ),
        where=f"the blocklist of {organization}",
        done_url=_org_page_url(organization),
        again=lambda: render(request, "blocklists/org.html", _org_context(request, organization, form=form)),
    )


@login_required
@require_POST
def org_remove(request: HttpRequest, organization_id: int, entry_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    entry = get_object_or_404(OrgBlocklistEntry, pk=entry_id, organization=organization)
    entry_remove(entry=entry)
    messages.success(request, f"{entry.shown} is no longer on the blocklist of {organization}.")
    return HttpResponseRedirect(_org_page_url(organization))


@login_required
@require_POST
def org_options(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    form = BlocklistSettingsForm(request.POST)
    form.is_valid()  # two check boxes: an unticked box is simply absent, never invalid
    options = blocklist_settings_save(
        organization=organization,
        free_domains_enabled=form.cleaned_data["free_domains_enabled"],
        users_may_remove_org_entries=form.cleaned_data["users_may_remove_org_entries"],
    )
    messages.success(
        request,
        "Saved: free email domains are "
        + ("blocked" if options.free_domains_enabled else "not blocked")
        + "; users "
        + ("may" if options.users_may_remove_org_entries else "may not")
        + " remove org entries for themselves. The next sync sessions apply it.",
    )
    return HttpResponseRedirect(_org_page_url(organization))


@login_required
@require_POST
def org_free_add(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    form = FreeDomainsForm(request.POST)
    return _add_from_form(
        request,
        form,
        "domains",
        add=lambda data: free_domains_add(
            organization=organization, texts=data["domains"], changed_by=request.user
        ),
        where="the free-email-domain list",
        done_url=_org_page_url(organization),
        again=lambda: render(
            request, "blocklists/org.html", _org_context(request, organization, free_form=form)
        ),
    )


@login_required
@require_POST
def org_free_remove(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    domain = request.POST.get("domain", "").strip().lower()[:300]  # a domain is at most 253
    try:
        free_domain_remove(organization=organization, domain=domain, changed_by=request.user)
    except BlocklistError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{display_form(domain)} is off the free-email-domain list.")
    return HttpResponseRedirect(_org_page_url(organization))


@login_required
@require_POST
def org_free_reset(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    free_domains_reset(organization=organization)
    messages.success(request, "The free-email-domain list is back to the default list.")
    return HttpResponseRedirect(_org_page_url(organization))
