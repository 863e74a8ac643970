"""Reads for onboarding and the dashboard: why a mailbox is suspended, where a person may connect."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet

from syncengine.models import ConnectionStatus, Mailbox, Organization, Provider, SalesforceConnection
from syncengine.selectors import administered_organizations

Cause = Literal["", "user", "salesforce", "mailbox"]
USER_PREFIX = "Suspended by user: "  # what mailbox_suspend puts before a person's own reason
# The engine suspends with the connector's message; these are the Salesforce sign-in ones
# (connectors/salesforce: "reconnect Salesforce"; services/sessions: "Connect Salesforce ...").
SALESFORCE_MARKERS = ("reconnect Salesforce", "Connect Salesforce")
OAUTH_PROVIDERS = (Provider.GRAPH, Provider.GOOGLE)


def suspension_cause(mailbox: Mailbox) -> Cause:
    if not mailbox.suspended:
        return ""
    reason = mailbox.suspended_reason
    if reason.startswith(USER_PREFIX):
        return "user"
    if any(marker in reason for marker in SALESFORCE_MARKERS):
        return "salesforce"
    return "mailbox"  # revoked or expired sign-in, or repeated failures: a new sign-in may fix it


def mailbox_needs_reconnect(mailbox: Mailbox) -> bool:
    """A new sign-in may fix it: the provider's consent page, or the Exchange page's password.

    Not for org-wide (app-only) mailboxes: nobody signs in to them; an org admin's new admin
    consent resumes them (``admin_consent_record``)."""
    if is_org_wide(mailbox):
        return False
    signs_in = mailbox.provider in OAUTH_PROVIDERS or mailbox.provider == Provider.EWS
    return signs_in and suspension_cause(mailbox) == "mailbox"


def is_org_wide(mailbox: Mailbox) -> bool:
    """Synced with the app's own access after an admin consent (provider_account mode "app")."""
    return mailbox.provider == Provider.GRAPH and (mailbox.provider_account or {}).get("mode") == "app"


def salesforce_needs_reconnect(connection: SalesforceConnection | None) -> bool:
    return connection is None or connection.status != ConnectionStatus.CONNECTED


def organizations_of(*, user: object) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name", "pk")


def admin_organizations_of(*, user: object) -> QuerySet[Organization]:
    return administered_organizations(user=user)
