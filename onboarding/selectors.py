"""Reads for onboarding and the dashboard: why a mailbox is suspended, where a person may connect."""

from __future__ import annotations

from typing import Literal

from django.db.models import QuerySet

from syncengine.crypto import is_unreadable
from syncengine.models import ConnectionStatus, Mailbox, Organization, Provider, SalesforceConnection
from syncengine.services.failures import MAIL_SIGN_IN_CODES, SALESFORCE_SIGN_IN_CODES, USER_SUSPENDED

Cause = Literal["", "user", "salesforce", "mailbox"]
OAUTH_PROVIDERS = (Provider.GRAPH, Provider.GOOGLE)


def suspension_cause(mailbox: Mailbox) -> Cause:
    """Who can end the suspension, from the cause code the engine stored (never from its message)."""
    if not mailbox.suspended:
        return ""
    code = mailbox.cause_code
    if code == USER_SUSPENDED:
        return "user"
    if code in SALESFORCE_SIGN_IN_CODES:
        return "salesforce"
    if code in MAIL_SIGN_IN_CODES:
        return "mailbox"  # revoked or expired sign-in: a new sign-in fixes it
    return ""  # anything else: resuming is what is left to do


def mailbox_needs_reconnect(mailbox: Mailbox) -> bool:
    """A new sign-in may fix it: the provider's consent page, or the Exchange page's password.

    Not for org-wide (app-only) mailboxes: nobody signs in to them; an org admin's new admin
    consent resumes them (``admin_consent_record``)."""
    if is_org_wide(mailbox):
        return False
    signs_in = mailbox.provider in OAUTH_PROVIDERS or mailbox.provider == Provider.EWS
    # A sign-in this server's keys cannot open needs a new one now, before a session finds out.
    return signs_in and (suspension_cause(mailbox) == "mailbox" or is_unreadable(mailbox.credentials))


def is_org_wide(mailbox: Mailbox) -> bool:
    """Synced with the app's own access after an admin consent (provider_account mode "app")."""
    return mailbox.provider == Provider.GRAPH and (mailbox.provider_account or {}).get("mode") == "app"


def salesforce_needs_reconnect(connection: SalesforceConnection | None) -> bool:
    return (
        connection is None
        or connection.status != ConnectionStatus.CONNECTED
        or is_unreadable(connection.credentials)
    )


def organizations_of(*, user: object) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name", "pk")
