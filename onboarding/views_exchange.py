"""Connect (or reconnect) an Exchange on-premises mailbox with a typed sign-in: GET shows the form,
POST tests the sign-in with one EWS call and saves the mailbox. The password is never echoed back."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from onboarding import selectors
from onboarding.errors import OnboardingError
from onboarding.exchange import ExchangeForm, exchange_connect
from onboarding.flows import connected_message, organization_for, reconnecting_mailbox
from syncengine.models import Provider


@sensitive_post_parameters("password")  # kept out of error reports
@login_required
@require_http_methods(["GET", "POST"])
def exchange(request: HttpRequest) -> HttpResponse:
    mailbox = reconnecting_mailbox(
        request, Provider.EWS
    )  # ?mailbox=<id>: the user's own EWS mailbox, else 404
    org_id = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    try:
        organization = mailbox.organization if mailbox else organization_for(request, org_id)
    except OnboardingError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("dashboard:home"))
    if request.method == "POST":
        form = ExchangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                found, created = exchange_connect(
                    owner=request.user,
                    organization=organization,
                    address=data["address"],
                    service_endpoint=data["service_endpoint"],
                    username=data["username"],
                    password=data["password"],
                    reconnecting=mailbox,
                )
            except OnboardingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, connected_message(found, created))
                return HttpResponseRedirect(reverse("dashboard:home"))
    else:
        account = mailbox.provider_account if mailbox else {}
        form = ExchangeForm(
            initial={
                "address": mailbox.address if mailbox else "",
                "service_endpoint": account.get("service_endpoint", ""),
                "username": (mailbox.credentials or {}).get("username", "") if mailbox else "",
            }
        )
    context = {
        "form": form,
        "mailbox": mailbox,
        "organization": organization,
        "organizations": selectors.organizations_of(user=request.user),
        "default_endpoint": settings.EWS_SERVICE_ENDPOINT,
    }
    return render(request, "onboarding/exchange.html", context, status=400 if form.errors else 200)
