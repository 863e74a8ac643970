"""Writes of onboarding: a signed-in account becomes (or renews) a mailbox or a Salesforce connection."""

from __future__ import annotations

import fnmatch

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from connectors.graph.client import APP_MODE
from onboarding.errors import OnboardingError
from onboarding.models import MicrosoftAdminConsent
from onboarding.selectors import suspension_cause
from syncengine.models import (
    ConnectionStatus,
    Mailbox,
    MailboxStatus,
    Membership,
    Organization,
    Provider,
    SalesforceConnection,
)
from syncengine.services.mailboxes import mailbox_create, mailbox_resume


@transaction.atomic
def mailbox_connect(
    *,
    owner: object,
    organization: Organization,
    provider: str,
    address: str,
    provider_account: dict[str, str],
    credentials: dict[str, object],
    reconnecting: Mailbox | None = None,
) -> tuple[Mailbox, bool]:
    """Create the mailbox, or renew its sign-in; (mailbox, created).

    The same row is kept on a reconnect, so its pairs and cursors carry on: the next session
    syncs from where the last good one stopped, and makes no duplicates.
    """
    mailbox = reconnecting
    if mailbox is not None and mailbox.address.lower() != address.lower():
        raise OnboardingError(
            f"You signed in as {address}, but this mailbox is {mailbox.address}: "
            f"sign in with {mailbox.address} to reconnect it."
        )
    if mailbox is None:
        mailbox = (
            Mailbox.objects.select_for_update()
            .filter(organization=organization, provider=provider, address__iexact=address)
            .first()
        )
    if mailbox is None:
        created = mailbox_create(
            organization=organization,
            owner=owner,
            provider=provider,
            address=address,
            provider_account=provider_account,
            credentials=credentials,  # type: ignore[arg-type]
        )
        return created, True
    if mailbox.owner_id != getattr(owner, "pk", None):
        raise OnboardingError(f"{address} is already connected by someone else in {organization}.")
    # A person's own sign-in makes the mailbox delegated again, even one an admin had added org-wide.
    kept = {k: v for k, v in mailbox.provider_account.items() if k != "mode"}
    mailbox.provider_account = {**kept, **provider_account}
    mailbox.credentials = credentials
    fields = ["provider_account", "credentials"]
    if mailbox.status == MailboxStatus.ERROR:
        mailbox.status_message = "Signed in again; the next session retries."
        fields.append("status_message")
    mailbox.save(update_fields=fields)
    if suspension_cause(mailbox) == "mailbox":
        mailbox_resume(mailbox=mailbox)  # back to syncing, a session queued at once
    return mailbox, False


@transaction.atomic
def salesforce_connect(
    *,
    user: object,
    organization: Organization,
    instance_url: str,
    org_id: str,
    user_id: str,
    username: str,
    credentials: dict[str, str],
) -> SalesforceConnection:
    """Create or renew the user's Salesforce connection in ``organization`` (one of their memberships),
    and resume that organization's mailboxes its loss had suspended.

    An organization syncs with one Salesforce org: meetings and saved emails are shared records across
    its mailboxes, and company data must not flow into someone's personal org.
    """
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise OnboardingError(f"You are not a member of {organization}: ask its org admin to add you.")
    others = SalesforceConnection.objects.filter(organization=organization).exclude(user=user)
    their_org = others.exclude(salesforce_org_id="").values_list("salesforce_org_id", flat=True).first()
    if their_org and their_org != org_id:
        raise OnboardingError(
            f"{organization} syncs with another Salesforce org: sign in to your company's Salesforce "
            "(ask your Salesforce admin if you are not sure which one)."
        )
    # One connection per user and organization: connecting for one organization never moves another
    # organization's mailboxes onto this Salesforce.
    connection, _ = SalesforceConnection.objects.update_or_create(
        user=user,
        organization=organization,
        defaults={
            "instance_url": instance_url,
            "salesforce_org_id": org_id,
            "salesforce_user_id": user_id,
            "username": username,
            "credentials": credentials,
            "status": ConnectionStatus.CONNECTED,
            "status_message": "",
            "connected_at": timezone.now(),
        },
    )
    for mailbox in Mailbox.objects.filter(owner=user, organization=organization, suspended=True):
        if suspension_cause(mailbox) == "salesforce":
            mailbox_resume(mailbox=mailbox)
    return connection


@transaction.atomic
def admin_consent_record(
    *, organization: Organization, tenant_id: str, scopes: list[str], granted_by: object
) -> MicrosoftAdminConsent:
    """Record the consent, and resume the tenant's org-wide mailboxes that its loss had suspended.

    The tenant in the consent answer is only a claim (the callback's query string): it is accepted for a
    tenant where members of this organization signed in themselves, and that no other organization holds,
    so an admin cannot attach someone else's tenant, whose id is public, to their organization.
    """
    mailboxes = Mailbox.objects.filter(
        organization=organization, provider=Provider.GRAPH, provider_account__tenant_id=tenant_id
    )
    # In Python: a JSON key that is absent is NULL in SQL, and exclude() would drop those rows too.
    if not any(m.provider_account.get("mode") != APP_MODE for m in mailboxes):
        raise OnboardingError(
            "Admin consent is accepted for the Microsoft 365 tenant your organization's members sign in "
            "to: connect a Microsoft 365 mailbox of that tenant first, then grant admin consent."
        )
    if MicrosoftAdminConsent.objects.filter(tenant_id=tenant_id).exclude(organization=organization).exists():
        raise OnboardingError("This Microsoft 365 tenant is already connected to another organization.")
    consent, _ = MicrosoftAdminConsent.objects.update_or_create(
        organization=organization,
        defaults={
            "tenant_id": tenant_id,
            "scopes": scopes,
            "granted_by": granted_by,
            "granted_at": timezone.now(),
            "verified_at": timezone.now(),
        },
    )
    org_wide = Mailbox.objects.filter(
        organization=organization,
        provider=Provider.GRAPH,
        provider_account__mode=APP_MODE,
        provider_account__tenant_id=tenant_id,
        suspended=True,
    )
    for mailbox in org_wide:
        if suspension_cause(mailbox) == "mailbox":
            mailbox_resume(mailbox=mailbox)
    return consent


@transaction.atomic
def org_mailbox_add(
    *,
    organization: Organization,
    tenant_id: str,
    owner: object,
    user_id: str,
    address: str,
    added_by: object,
) -> Mailbox:
    """A mailbox of the tenant synced with the app's own access (admin consent), owned by ``owner``
    (a member of the organization), within the operator's ORG_MAILBOX_ALLOWED_ADDRESSES; who added
    it is kept on the mailbox and in the organization's audit log."""
    if not org_mailbox_address_allowed(address):
        raise OnboardingError(
            f"{address} cannot be added: this server's operator allows org-wide mailboxes only for "
            "some addresses (ORG_MAILBOX_ALLOWED_ADDRESSES)."
        )
    if not Membership.objects.filter(user=owner, organization=organization).exists():
        raise OnboardingError(f"{owner} is not a member of {organization}: choose one of its members.")
    existing = (
        Mailbox.objects.select_for_update()
        .filter(organization=organization, provider=Provider.GRAPH, address__iexact=address)
        .select_related("owner")
        .first()
    )
    if existing is not None:
        raise OnboardingError(f"{address} is already synced in {organization} (owner: {existing.owner}).")
    mailbox = mailbox_create(
        organization=organization,
        owner=owner,
        provider=Provider.GRAPH,
        address=address,
        provider_account={"tenant_id": tenant_id, "user_id": user_id, "mode": APP_MODE},
        credentials={},  # app-only tokens come from the app's own secret, per tenant, never stored
        added_by=added_by,
    )
    audit_record(
        actor=added_by,
        organization_id=organization.pk,
        action=AuditAction.ADD,
        obj=mailbox,
        changes={"address": [None, mailbox.address], "owner": [None, str(owner)], "mode": [None, "org-wide"]},
        source="org_admin",
    )
    return mailbox


def org_mailbox_address_allowed(address: str) -> bool:
    """Whether the operator's patterns (``*@sales.example.com``, case-insensitive) let it be added;
    no patterns: any address of the consenting tenant."""
    patterns = [p.lower() for p in settings.ORG_MAILBOX_ALLOWED_ADDRESSES]
    return not patterns or any(fnmatch.fnmatchcase(address.lower(), p) for p in patterns)
