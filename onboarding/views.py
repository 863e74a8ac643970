"""Connect and reconnect: every consent flow of onboarding/flows.py runs through the same two views.
"start" sends the browser to the provider's consent page, "callback" checks the answer and hands it
to the flow, which turns it into a mailbox, a connection or an admin consent.

Never log or show a code or a token: messages carry the provider's reason only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from onboarding import pending
from onboarding.errors import OnboardingError
from onboarding.flows import Flow
from onboarding.models import MicrosoftAdminConsent
from onboarding.oauth import ConsentRequest
from syncengine import selectors


@login_required
def connect(request: HttpRequest) -> HttpResponse:
    """Where a person connects a mailbox or Salesforce, and an org admin grants admin consent."""
    admin_orgs = list(selectors.administered_organizations(user=request.user))
    granted = MicrosoftAdminConsent.objects.filter(organization__in=admin_orgs)
    consents = {c.organization_id: c for c in granted}
    context = {
        # Each membership with the user's Salesforce connection there: one per organization.
        "organizations": selectors.salesforce_connections_of(user=request.user),
        "admin_organizations": [(org, consents.get(org.pk)) for org in admin_orgs],
        "google_enabled": bool(settings.GOOGLE_CLIENT_ID),
    }
    return render(request, "onboarding/connect.html", context)


def _callback_url(flow: Flow) -> str:
    """Redirect URIs are built from PUBLIC_BASE_URL, never from the request's Host header."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(f"onboarding:{flow.key}_callback")


@login_required
def start(request: HttpRequest, flow: Flow, **url_kwargs: Any) -> HttpResponse:
    state = pending.new_state()
    verifier, challenge = pending.pkce_pair() if flow.pkce else ("", "")
    try:
        started = flow.begin(request, ConsentRequest(_callback_url(flow), state, challenge), **url_kwargs)
    except OnboardingError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse(flow.done_url_name))
    held = {**started.keep, "state": state} | ({"verifier": verifier} if flow.pkce else {})
    pending.remember(request, flow.key, held)
    return HttpResponseRedirect(started.url)


@login_required
def callback(request: HttpRequest, flow: Flow) -> HttpResponse:
    held = pending.take(request, flow.key)  # out of the session first: an answer is used once
    answer = request.GET.dict()
    try:
        if held is None:
            raise OnboardingError("This sign-in has expired or was already used: start again.")
        if not held.get("state") or answer.get("state") != held["state"]:  # before any of its text is shown
            raise OnboardingError(f"This {flow.provider} answer does not match our request: start again.")
        if answer.get("error"):
            raise OnboardingError(flow.declined(answer))
        done = flow.finish(request, held=held, answer=answer, redirect_uri=_callback_url(flow))
    except OnboardingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse(flow.done_url_name))
