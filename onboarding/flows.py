"""The consent flows of the connect pages, each declared once as a ``Flow``: what its start sends the
browser to and keeps for the callback, and what its callback does with an answer that passed.

onboarding/views.py runs every flow the same way: the state (and PKCE verifier) in a single-use
pending record, the state check before any text of the answer is shown, the provider's refusal
in words, one redirect for success and failure. Redirect URIs are the callbacks' URL names
(``onboarding:<key>_callback``) after PUBLIC_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dashboard.org_pages import administered_or_404
from onboarding import google, microsoft, oauth, salesforce, selectors, services
from onboarding.errors import OnboardingError
from syncengine import selectors as engine_selectors
from syncengine.models import Mailbox, Organization, Provider


@dataclass(frozen=True)
class Started:
    url: str  # the provider's consent page
    keep: dict[str, Any]  # what the callback needs besides the state and the verifier


@dataclass(frozen=True)
class Flow:
    key: str  # the pending record's name and the URL names' prefix
    provider: str  # as people know it, in messages
    # begin(request, consent, **url_kwargs) -> Started
    begin: Callable[..., Started]
    # finish(request, *, held, answer, redirect_uri) -> the success message
    finish: Callable[..., str]
    pkce: bool = True  # False where msal makes its own verifier, or no code is exchanged
    done_url_name: str = "dashboard:home"
    refusal: Callable[[Mapping[str, Any]], str] | None = None  # the words when the answer is an error

    def declined(self, answer: Mapping[str, Any]) -> str:
        return self.refusal(answer) if self.refusal else oauth.declined(self.provider, answer)


# -- what the connect flows share (and the Exchange page) ------------------------------------------
def reconnecting_mailbox(request: HttpRequest, provider: str) -> Mailbox | None:
    """The user's own mailbox named by ?mailbox=, or None for a new connection."""
    raw = request.GET.get("mailbox", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("no such mailbox")
    return get_object_or_404(engine_selectors.mailboxes_of(user=request.user), pk=int(raw), provider=provider)


def organization_for(request: HttpRequest, organization_id: int | str | None) -> Organization:
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


def connected_message(mailbox: Mailbox, created: bool) -> str:
    if created:
        return f"{mailbox.address} is connected; its first sync starts shortly."
    if mailbox.suspended:
        return f"{mailbox.address} is signed in again; it stays suspended until resumed."
    return f"{mailbox.address} is reconnected; syncing resumes now."


def _mailbox_connected(
    request: HttpRequest,
    held: dict[str, Any],
    organization: Organization,
    provider: str,
    account: microsoft.MicrosoftAccount | google.GoogleAccount,
    provider_account: dict[str, str],
) -> str:
    reconnecting = None
    if held.get("mailbox_id"):
        reconnecting = get_object_or_404(
            engine_selectors.mailboxes_of(user=request.user), pk=held["mailbox_id"]
        )
    mailbox, created = services.mailbox_connect(
        owner=request.user,
        organization=organization,
        provider=provider,
        address=account.address,
        provider_account=provider_account,
        credentials=account.credentials,
        reconnecting=reconnecting,
    )
    return connected_message(mailbox, created)


def _mailbox_flow_start(request: HttpRequest, provider: str) -> tuple[Mailbox | None, dict[str, Any]]:
    """The mailbox being reconnected (if any), and the organization and mailbox to keep."""
    mailbox = reconnecting_mailbox(request, provider)
    organization = mailbox.organization if mailbox else organization_for(request, request.GET.get("org"))
    return mailbox, {"organization_id": organization.pk, "mailbox_id": mailbox.pk if mailbox else None}


# -- Microsoft 365: a user's mailbox ---------------------------------------------------------------
def _microsoft_begin(request: HttpRequest, consent: oauth.ConsentRequest) -> Started:
    mailbox, keep = _mailbox_flow_start(request, Provider.GRAPH)
    hint = mailbox.address if mailbox else ""
    flow = microsoft.begin(redirect_uri=consent.redirect_uri, state=consent.state, login_hint=hint)
    return Started(flow["auth_uri"], {**keep, "flow": flow})


def _microsoft_finish(
    request: HttpRequest, *, held: dict[str, Any], answer: dict[str, str], redirect_uri: str
) -> str:
    organization = organization_for(request, held["organization_id"])
    account = microsoft.finish(flow=held["flow"], answer=answer)
    provider_account = {"tenant_id": account.tenant_id, "user_id": account.user_id}
    return _mailbox_connected(request, held, organization, Provider.GRAPH, account, provider_account)


# -- Microsoft 365: an org admin's consent for the tenant ------------------------------------------
def _admin_begin(request: HttpRequest, consent: oauth.ConsentRequest, organization_id: int) -> Started:
    organization = administered_or_404(request, organization_id)
    url = microsoft.admin_consent_url(redirect_uri=consent.redirect_uri, state=consent.state)
    return Started(url, {"organization_id": organization.pk})


def _admin_refusal(answer: Mapping[str, Any]) -> str:
    reason = str(answer.get("error_description") or answer.get("error") or "no consent")
    return f"Admin consent was not granted ({reason.split(' Trace ID:')[0][:200]})."


def _admin_finish(
    request: HttpRequest, *, held: dict[str, Any], answer: dict[str, str], redirect_uri: str
) -> str:
    organization = administered_or_404(request, held["organization_id"])  # still their admin
    if answer.get("admin_consent", "").lower() != "true" or not answer.get("tenant"):
        raise OnboardingError(_admin_refusal(answer))
    microsoft.verify_admin_consent(tenant_id=answer["tenant"])
    services.admin_consent_record(
        organization=organization,
        tenant_id=answer["tenant"],
        scopes=answer.get("scope", "").split(),
        granted_by=request.user,
    )
    return f"Admin consent granted for {organization}: org-wide mailbox access is on."


# -- Google ----------------------------------------------------------------------------------------
def _google_begin(request: HttpRequest, consent: oauth.ConsentRequest) -> Started:
    mailbox, keep = _mailbox_flow_start(request, Provider.GOOGLE)
    url = oauth.authorize_url(google.client(), consent, login_hint=mailbox.address if mailbox else "")
    return Started(url, keep)


def _google_finish(
    request: HttpRequest, *, held: dict[str, Any], answer: dict[str, str], redirect_uri: str
) -> str:
    organization = organization_for(request, held["organization_id"])
    account = google.exchange(answer=answer, redirect_uri=redirect_uri, verifier=held["verifier"])
    provider_account = {"email": account.address, "user_id": account.user_id}
    return _mailbox_connected(request, held, organization, Provider.GOOGLE, account, provider_account)


# -- Salesforce ------------------------------------------------------------------------------------
def _salesforce_begin(request: HttpRequest, consent: oauth.ConsentRequest) -> Started:
    organization = organization_for(request, request.GET.get("org"))
    current = engine_selectors.salesforce_connection_of(user=request.user, organization=organization)
    url = oauth.authorize_url(salesforce.client(), consent, login_hint=current.username if current else "")
    return Started(url, {"organization_id": organization.pk})


def _salesforce_finish(
    request: HttpRequest, *, held: dict[str, Any], answer: dict[str, str], redirect_uri: str
) -> str:
    organization = organization_for(request, held["organization_id"])
    grant = salesforce.exchange(answer=answer, redirect_uri=redirect_uri, verifier=held["verifier"])
    services.salesforce_connect(
        user=request.user,
        organization=organization,
        instance_url=grant.instance_url,
        org_id=grant.org_id,
        user_id=grant.user_id,
        username=grant.username,
        credentials=grant.credentials,
    )
    return f"Salesforce is connected as {grant.username or grant.user_id}."


MICROSOFT = Flow("microsoft", microsoft.PROVIDER, _microsoft_begin, _microsoft_finish, pkce=False)
MICROSOFT_ADMIN = Flow(
    "microsoft_admin",
    "Microsoft 365 admin consent",
    _admin_begin,
    _admin_finish,
    pkce=False,
    done_url_name="onboarding:connect",
    refusal=_admin_refusal,
)
GOOGLE = Flow("google", google.PROVIDER, _google_begin, _google_finish)
SALESFORCE = Flow("salesforce", salesforce.PROVIDER, _salesforce_begin, _salesforce_finish)
