"""Reads for onboarding and the dashboard: why a mailbox is suspended, where a person may connect."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet

from syncengine.models import ConnectionStatus, Mailbox, Organization, Provider, Role, SalesforceConnection

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
    """A new sign-in through the provider's consent page may fix it (OAuth providers only)."""
    return mailbox.provider in OAUTH_PROVIDERS and suspension_cause(mailbox) == "mailbox"


def salesforce_needs_reconnect(connection: SalesforceConnection | None) -> bool:
    return connection is None or connection.status != ConnectionStatus.CONNECTED


def organizations_of(*, user: object) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name", "pk")


def admin_organizations_of(*, user: object) -> QuerySet[Organization]:
    return organizations_of(user=user).filter(memberships__role=Role.ORG_ADMIN)
