"""Which stored sign-ins end by themselves soon enough to tell their people now (reads only; the
rules are in notify/expiry.py, the sending in notify/services.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from connectors.graph.client import APP_MODE
from notify.expiry import (
    Expiry,
    SalesforcePolicy,
    mailbox_expiry,
    notice_due,
    salesforce_expiry,
    signed_in_at,
)
from notify.messages import Message, expiring_message
from syncengine.crypto import is_unreadable
from syncengine.models import ConnectionStatus, Mailbox, Organization, Provider, SalesforceConnection
from syncengine.selectors import member_mailboxes
from syncengine.services.failures import MAIL_SIGN_IN_CODES

MAIL_STOPS = (
    "Syncing of {address} with Salesforce (calendar, tasks, contacts and saved emails) stops until "
    "you sign in again."
)
SALESFORCE_STOPS = "Nothing syncs between your mailbox and Salesforce until you sign in to Salesforce again."


@dataclass(frozen=True)
class EndingSignIn:
    organization: Organization
    mailbox: Mailbox | None  # None: the person's Salesforce sign-in
    owner: AbstractBaseUser
    episode: str  # the sign-in and the moment it ends: told once
    message: Message


def sign_ins_ending(*, now: datetime) -> Iterator[EndingSignIn]:
    lead = timedelta(days=settings.NOTIFY_EXPIRY_DAYS)
    short = timedelta(days=settings.NOTIFY_EXPIRY_SHORT_DAYS)
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("onboarding:connect")
    for mailbox in _signed_in_mailboxes():
        credentials = mailbox.credentials
        expiry = mailbox_expiry(
            mailbox.provider, credentials, fallback=mailbox.last_synced_at or mailbox.created_at
        )
        if expiry and notice_due(
            expiry, now=now, signed_in=signed_in_at(credentials), lead=lead, short_lead=short
        ):
            service = "Google" if mailbox.provider == Provider.GOOGLE else "Microsoft 365"
            yield EndingSignIn(
                mailbox.organization,
                mailbox,
                mailbox.owner,
                _episode("mailbox", mailbox.pk, expiry),
                _message(service, mailbox.address, expiry, MAIL_STOPS.format(address=mailbox.address), link),
            )
    policy = SalesforcePolicy(
        expire_after_days=settings.SALESFORCE_REFRESH_EXPIRE_AFTER_DAYS,
        expire_unused_days=settings.SALESFORCE_REFRESH_EXPIRE_UNUSED_DAYS,
    )
    if not (policy.expire_after_days or policy.expire_unused_days):
        return  # "valid until revoked": nothing ends by itself
    connections = SalesforceConnection.objects.filter(
        status=ConnectionStatus.CONNECTED, user__is_active=True
    ).select_related("organization", "user")
    for connection in connections:
        credentials = connection.credentials
        if is_unreadable(credentials):
            continue
        expiry = salesforce_expiry(credentials, policy, connected_at=connection.connected_at)
        signed_in = signed_in_at(credentials) or connection.connected_at
        if expiry and notice_due(expiry, now=now, signed_in=signed_in, lead=lead, short_lead=short):
            who = connection.username or connection.user.get_username()
            yield EndingSignIn(
                connection.organization,
                None,
                connection.user,
                _episode("salesforce", connection.pk, expiry),
                _message("Salesforce", who, expiry, SALESFORCE_STOPS, link),
            )


def _signed_in_mailboxes() -> Iterator[Mailbox]:
    """Mailboxes held by a person's own sign-in that still works (a stopped one was told about by
    its suspension notice; an org-wide app-only mailbox has no person's sign-in to end). One
    suspended for another cause counts: its sign-in lies unused, which is what ends Microsoft's."""
    mailboxes = (
        member_mailboxes()
        .filter(provider__in=(Provider.GRAPH, Provider.GOOGLE), owner__is_active=True)
        .exclude(cause_code__in=MAIL_SIGN_IN_CODES)
        .select_related("organization", "owner")
    )
    for mailbox in mailboxes.iterator(chunk_size=500):
        if mailbox.provider_account.get("mode") != APP_MODE and not is_unreadable(mailbox.credentials):
            yield mailbox


def _episode(kind: str, pk: int, expiry: Expiry) -> str:
    return f"{kind}:{pk}:{expiry.at:%Y-%m-%dT%H:%M}"


def _message(service: str, address: str, expiry: Expiry, stops: str, link: str) -> Message:
    return expiring_message(
        service=service, who=address, ends=expiry.at, why=expiry.why, stops=stops, link=link
    )
