"""Connect and reconnect: each provider's "start" sends the browser to its consent screen, each
"callback" turns the answer into a mailbox or a connection. Thin: parse, call one service, redirect.

Never log or show a code or a token: messages carry the provider's reason only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from onboarding import google, microsoft, pending, salesforce, selectors, services
from onboarding.errors import OnboardingError
from onboarding.models import MicrosoftAdminConsent
from syncengine import selectors as engine_selectors
from syncengine.models import Mailbox, Organization, Provider


def _callback_url(name: str) -> str:
    """Redirect URIs are built from PUBLIC_BASE_URL, never from the request's Host header."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name)


def _home() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dashboard:home"))


def _reconnecting(request: HttpRequest, provider: str) -> Mailbox | None:
    """The user's own mailbox named by ?mailbox=, or None for a new connection."""
    raw = request.GET.get("mailbox", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("no such mailbox")
    return get_object_or_404(engine_selectors.mailboxes_of(user=request.user), pk=int(raw), provider=provider)


def _organization(request: HttpRequest, organization_id: int | str | None) -> Organization:
    """One of the user's organizations: the one asked for, or their first."""
    organizations = selectors.organizations_of(user=request.user)
    if organization_id not in (None, ""):
        if not str(organization_id).isdigit():
            raise Http404("no such organization")
        return get_object_or_404(organizations, pk=int(organization_id))
    found = organizations.first()
    if found is None:
        raise OnboardingError("Your account is not in any organization yet: ask your org admin to add you.")
    return found


def _failed(request: HttpRequest, error: OnboardingError) -> HttpResponseRedirect:
    messages.error(request, error.message)
    return _home()


@login_required
def connect(request: HttpRequest) -> HttpResponse:
    """Where a person connects a mailbox or Salesforce, and an org admin grants admin consent."""
    admin_orgs = list(selectors.admin_organizations_of(user=request.user))
    granted = MicrosoftAdminConsent.objects.filter(organization__in=admin_orgs)
    consents = {c.organization_id: c for c in granted}
    context = {
        # Each membership with the user's Salesforce connection there: one per organization.
        "organizations": engine_selectors.salesforce_connections_of(user=request.user),
        "admin_organizations": [(org, consents.get(org.pk)) for org in admin_orgs],
        "google_enabled": bool(settings.GOOGLE_CLIENT_ID),
    }
    return render(request, "onboarding/connect.html", context)


# -- Microsoft 365 ---------------------------------------------------------------------------------
@login_required
def microsoft_start(request: HttpRequest) -> HttpResponse:
    mailbox = _reconnecting(request, Provider.GRAPH)
    try:
        organization = mailbox.organization if mailbox else _organization(request, request.GET.get("org"))
        flow = microsoft.begin(
            redirect_uri=_callback_url("onboarding:microsoft_callback"),
            login_hint=mailbox.address if mailbox else "",
        )
    except OnboardingError as error:
        return _failed(request, error)
    pending.remember(
        request,
        "microsoft",
        {"flow": flow, "organization_id": organization.pk, "mailbox_id": mailbox.pk if mailbox else None},
    )
    return HttpResponseRedirect(flow["auth_uri"])


@login_required
def microsoft_callback(request: HttpRequest) -> HttpResponse:
    held = pending.take(request, "microsoft")
    if held is None:
        return _failed(request, OnboardingError("This sign-in has expired or was already used: start again."))
    try:
        organization = _organization(request, held["organization_id"])
        account = microsoft.finish(flow=held["flow"], answer=request.GET.dict())
        mailbox, created = services.mailbox_connect(
            owner=request.user,
            organization=organization,
            provider=Provider.GRAPH,
            address=account.address,
            provider_account={"tenant_id": account.tenant_id, "user_id": account.user_id},
            credentials=account.credentials,
            reconnecting=_held_mailbox(request, held),
        )
    except OnboardingError as error:
        return _failed(request, error)
    _connected(request, mailbox, created)
    return _home()


@login_required
def microsoft_admin_start(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(selectors.admin_organizations_of(user=request.user), pk=organization_id)
    state = pending.new_state()
    pending.remember(request, "microsoft_admin", {"state": state, "organization_id": organization.pk})
    redirect_uri = _callback_url("onboarding:microsoft_admin_callback")
    return HttpResponseRedirect(microsoft.admin_consent_url(redirect_uri=redirect_uri, state=state))


@login_required
def microsoft_admin_callback(request: HttpRequest) -> HttpResponse:
    held = pending.take(request, "microsoft_admin")
    answer = request.GET.dict()
    try:
        if held is None or answer.get("state") != held["state"]:
            raise OnboardingError("This consent answer does not match our request: start again.")
        organization = get_object_or_404(
            selectors.admin_organizations_of(user=request.user), pk=held["organization_id"]
        )
        granted = answer.get("admin_consent", "").lower() == "true" and answer.get("tenant")
        if answer.get("error") or not granted:
            reason = answer.get("error_description") or answer.get("error") or "no consent"
            raise OnboardingError(f"Admin consent was not granted ({reason.split(' Trace ID:')[0][:200]}).")
        microsoft.verify_admin_consent(tenant_id=answer["tenant"])
        services.admin_consent_record(
            organization=organization,
            tenant_id=answer["tenant"],
            scopes=answer.get("scope", "").split(),
            granted_by=request.user,
        )
    except OnboardingError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("onboarding:connect"))
    messages.success(request, f"Admin consent granted for {organization}: org-wide mailbox access is on.")
    return HttpResponseRedirect(reverse("onboarding:connect"))


# -- Salesforce ------------------------------------------------------------------------------------
@login_required
def salesforce_start(request: HttpRequest) -> HttpResponse:
    try:
        organization = _organization(request, request.GET.get("org"))
    except OnboardingError as error:
        return _failed(request, error)
    current = engine_selectors.salesforce_connection_of(user=request.user, organization=organization)
    state, (verifier, challenge) = pending.new_state(), pending.pkce_pair()
    pending.remember(
        request, "salesforce", {"state": state, "verifier": verifier, "organization_id": organization.pk}
    )
    return HttpResponseRedirect(
        salesforce.authorize_url(
            redirect_uri=_callback_url("onboarding:salesforce_callback"),
            state=state,
            challenge=challenge,
            login_hint=current.username if current else "",
        )
    )


@login_required
def salesforce_callback(request: HttpRequest) -> HttpResponse:
    held = pending.take(request, "salesforce")
    if held is None:
        return _failed(request, OnboardingError("This sign-in has expired or was already used: start again."))
    try:
        organization = _organization(request, held["organization_id"])
        grant = salesforce.exchange(
            answer=request.GET.dict(),
            state=held["state"],
            redirect_uri=_callback_url("onboarding:salesforce_callback"),
            verifier=held["verifier"],
        )
        services.salesforce_connect(
            user=request.user,
            organization=organization,
            instance_url=grant.instance_url,
            org_id=grant.org_id,
            user_id=grant.user_id,
            username=grant.username,
            credentials=grant.credentials,
        )
    except OnboardingError as error:
        return _failed(request, error)
    messages.success(request, f"Salesforce is connected as {grant.username or grant.user_id}.")
    return _home()


# -- Google ----------------------------------------------------------------------------------------
@login_required
def google_start(request: HttpRequest) -> HttpResponse:
    mailbox = _reconnecting(request, Provider.GOOGLE)
    try:
        organization = mailbox.organization if mailbox else _organization(request, request.GET.get("org"))
    except OnboardingError as error:
        return _failed(request, error)
    state, (verifier, challenge) = pending.new_state(), pending.pkce_pair()
    pending.remember(
        request,
        "google",
        {
            "state": state,
            "verifier": verifier,
            "organization_id": organization.pk,
            "mailbox_id": mailbox.pk if mailbox else None,
        },
    )
    return HttpResponseRedirect(
        google.authorize_url(
            redirect_uri=_callback_url("onboarding:google_callback"),
            state=state,
            challenge=challenge,
            login_hint=mailbox.address if mailbox else "",
        )
    )


@login_required
def google_callback(request: HttpRequest) -> HttpResponse:
    held = pending.take(request, "google")
    if held is None:
        return _failed(request, OnboardingError("This sign-in has expired or was already used: start again."))
    try:
        organization = _organization(request, held["organization_id"])
        account = google.exchange(
            answer=request.GET.dict(),
            state=held["state"],
            redirect_uri=_callback_url("onboarding:google_callback"),
            verifier=held["verifier"],
        )
        mailbox, created = services.mailbox_connect(
            owner=request.user,
            organization=organization,
            provider=Provider.GOOGLE,
            address=account.address,
            provider_account={"email": account.address, "user_id": account.user_id},
            credentials=account.credentials,
            reconnecting=_held_mailbox(request, held),
        )
    except OnboardingError as error:
        return _failed(request, error)
    _connected(request, mailbox, created)
    return _home()


# -- shared ----------------------------------------------------------------------------------------
def _held_mailbox(request: HttpRequest, held: dict[str, object]) -> Mailbox | None:
    if not held.get("mailbox_id"):
        return None
    return get_object_or_404(engine_selectors.mailboxes_of(user=request.user), pk=held["mailbox_id"])


def _connected(request: HttpRequest, mailbox: Mailbox, created: bool) -> None:
    if created:
        messages.success(request, f"{mailbox.address} is connected; its first sync starts shortly.")
    elif mailbox.suspended:
        messages.success(request, f"{mailbox.address} is signed in again; it stays suspended until resumed.")
    else:
        messages.success(request, f"{mailbox.address} is reconnected; syncing resumes now.")
