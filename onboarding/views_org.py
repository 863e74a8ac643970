"""The org admin's page for org-wide Microsoft 365 mailboxes (after admin consent).

An admin types addresses (a shared mailbox, or every rep of a list); each is looked up in the
tenant with the app's own token and becomes a mailbox synced in app mode, owned by a chosen member.
Nobody but an org admin of the organization sees the page (404, the guard of dashboard/org_pages.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from connectors.graph.client import APP_MODE
from dashboard.org_pages import administered_or_404
from onboarding import services
from onboarding.errors import OnboardingError
from onboarding.forms import OrgMailboxesForm
from onboarding.models import MicrosoftAdminConsent
from onboarding.org_mailboxes import TenantDirectory
from syncengine.models import Mailbox, Organization, Provider


@login_required
@require_http_methods(["GET", "POST"])
def org_mailboxes(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    consent = MicrosoftAdminConsent.objects.filter(organization=organization).first()
    if request.method == "GET":
        form = OrgMailboxesForm(organization=organization, initial={"owner": request.user.pk})
        return _page(request, organization, consent, form)
    form = OrgMailboxesForm(request.POST, organization=organization)
    if consent is None:
        messages.error(request, "Grant admin consent first: org-wide mailboxes use the app's own access.")
        return _page(request, organization, consent, form, status=409)
    if not form.is_valid():
        return _page(request, organization, consent, form, status=400)
    failed = _add_all(request, organization, consent, form)
    if failed:  # keep what did not work in the form, so nothing typed is lost
        form = OrgMailboxesForm(
            {"addresses": "\n".join(failed), "owner": form.cleaned_data["owner"].pk},
            organization=organization,
        )
        return _page(request, organization, consent, form, status=200)
    return HttpResponseRedirect(reverse("onboarding:org_mailboxes", args=[organization.pk]))


def _add_all(
    request: HttpRequest, organization: Organization, consent: MicrosoftAdminConsent, form: OrgMailboxesForm
) -> list[str]:
    """Look each address up and add it; the addresses that failed (each with a message)."""
    directory = TenantDirectory(consent.tenant_id)
    owner = form.cleaned_data["owner"]
    try:
        directory.sign_in()  # once: a refused app token fails every address the same way
    except OnboardingError as error:
        messages.error(request, error.message)
        return list(form.cleaned_data["addresses"])
    failed: list[str] = []
    for address in form.cleaned_data["addresses"]:
        try:
            found = directory.find_user(address)
            mailbox = services.org_mailbox_add(
                organization=organization,
                tenant_id=consent.tenant_id,
                owner=owner,
                user_id=found.id,
                address=found.address,
                added_by=request.user,
            )
        except OnboardingError as error:
            messages.error(request, error.message)
            failed.append(address)
            continue
        messages.success(request, f"{mailbox.address} is added for {owner}; its first sync starts shortly.")
    return failed


def _page(
    request: HttpRequest,
    organization: Organization,
    consent: MicrosoftAdminConsent | None,
    form: OrgMailboxesForm,
    status: int = 200,
) -> HttpResponse:
    mailboxes = (
        Mailbox.objects.filter(
            organization=organization, provider=Provider.GRAPH, provider_account__mode=APP_MODE
        )
        .select_related("owner", "added_by")
        .order_by("address")
    )
    context = {"organization": organization, "consent": consent, "form": form, "mailboxes": mailboxes}
    return render(request, "onboarding/org_mailboxes.html", context, status=status)
