"""Telling people: after a session that suspended a mailbox or made it fail too often in a row, and
once a day to the org admins who asked for a digest. Each notification goes once (its episode), and
one that could not be sent is kept with the reason and tried again by the hourly task."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notify.ending import sign_ins_ending
from notify.messages import DigestLine, Message, digest_message, failing_message, suspended_message
from notify.models import Kind, Notification, NotificationSettings
from syncengine.extensions import SessionEnded
from syncengine.models import (
    ConnectionStatus,
    Mailbox,
    Membership,
    Organization,
    Outcome,
    Role,
    SalesforceConnection,
    SyncIssue,
    SyncSession,
)
from syncengine.selectors import member_mailboxes
from syncengine.services.failures import cause_advice
from syncengine.services.health import health_of
from syncengine.services.retention import delete_in_batches

log = logging.getLogger(__name__)
ATTENTION = ("reconnect", "suspended", "failing", "stale")  # the health keys a digest names


def notify_session_ended(ended: SessionEnded) -> None:
    mailbox, session = ended.mailbox, ended.session
    advice = cause_advice(code=mailbox.cause_code, suspended=mailbox.suspended, next_try=mailbox.next_due_at)
    link = _link("dashboard:home")
    if mailbox.suspended and mailbox.suspended_at and mailbox.suspended_at >= session.started_at:
        kind, episode = Kind.SUSPENDED, f"{mailbox.pk}:{mailbox.suspended_at.isoformat()}"
        message = suspended_message(
            address=mailbox.address, reason=mailbox.suspended_reason, advice=advice.text, link=link
        )
    elif mailbox.consecutive_failures == settings.NOTIFY_AFTER_FAILURES:
        kind, episode = Kind.FAILING, f"{mailbox.pk}:{session.pk}"
        message = failing_message(
            address=mailbox.address,
            failures=mailbox.consecutive_failures,
            error=session.error,
            advice=advice.text,
            link=link,
        )
    else:
        return
    notification_send(
        organization=mailbox.organization,
        mailbox=mailbox,
        kind=kind,
        episode=episode,
        recipients=_recipients(mailbox.organization, mailbox.owner),
        message=message,
    )


def _recipients(organization: Organization, owner: AbstractBaseUser) -> list[str]:
    """The owner and the org admins, as the organization chose."""
    prefs = notification_settings(organization)
    recipients = _admins(organization) if prefs.tell_admins else []
    email = getattr(owner, "email", "")
    if prefs.tell_owner and email:
        recipients.append(email)
    return recipients


def notification_settings(organization: Organization) -> NotificationSettings:
    found = NotificationSettings.objects.filter(organization=organization).first()
    return found or NotificationSettings(organization=organization)


def notification_send(
    *,
    organization: Organization,
    mailbox: Mailbox | None,
    kind: str,
    episode: str,
    recipients: list[str],
    message: Message,
) -> Notification:
    """Send it unless it was sent already; kept with the reason when it cannot be sent."""
    row, _ = Notification.objects.get_or_create(
        organization=organization,
        kind=kind,
        episode=episode[:80],
        defaults={
            "mailbox": mailbox,
            "recipients": sorted(set(recipients)),
            "subject": message.subject[:200],
            "body": message.body,
        },
    )
    if row.sent_at is None:
        _deliver(row)
    return row


def _deliver(row: Notification) -> None:
    if not row.recipients:
        row.error = "Nobody to tell: neither the owner nor an org admin has an email address."
    else:
        try:
            send_mail(row.subject, row.body, None, list(row.recipients))
            row.sent_at, row.error = timezone.now(), ""
        except Exception as error:  # the mail server is down: kept and retried, the session goes on
            log.warning("notification %s not sent: %s", row.pk, type(error).__name__)
            row.error = f"Not sent ({type(error).__name__}); tried again within the hour."
    row.save(update_fields=["sent_at", "error"])


def notifications_hourly(now: datetime | None = None) -> int:
    """The hourly task: unsent notifications of the last day again, then the digests and the
    sign-ins about to end that are due. Returns how many were sent by this run."""
    began = timezone.now()  # the clock, not ``now``: what this run sent, not what was sent before
    now = now or began
    unsent = Notification.objects.filter(sent_at__isnull=True, created_at__gte=now - timedelta(days=1))
    for row in unsent.exclude(recipients=[]):
        _deliver(row)
    for prefs in NotificationSettings.objects.filter(daily_digest=True).select_related("organization"):
        digest_send(organization=prefs.organization, now=now)
    expiring_send(now=now)
    return Notification.objects.filter(sent_at__gte=began).count()


def expiring_send(*, now: datetime) -> list[Notification]:
    """Tell the people whose sign-in ends by itself soon, once per sign-in and end (its episode):
    a renewed sign-in ends later, and is not told about until that end nears."""
    return [
        notification_send(
            organization=due.organization,
            mailbox=due.mailbox,
            kind=Kind.EXPIRING,
            episode=due.episode,
            recipients=_recipients(due.organization, due.owner),
            message=due.message,
        )
        for due in sign_ins_ending(now=now)
    ]


def digest_send(*, organization: Organization, now: datetime) -> Notification:
    """Today's digest for the org admins: once a day, the mailboxes that need attention."""
    day = now - timedelta(days=1)
    sessions = SyncSession.objects.filter(mailbox__organization=organization, started_at__gte=day)
    connected = set(
        SalesforceConnection.objects.filter(organization=organization)
        .exclude(status=ConnectionStatus.REVOKED)
        .values_list("user_id", flat=True)
    )
    attention = []
    for mailbox in member_mailboxes().filter(organization=organization).order_by("address"):
        health = health_of(
            mailbox, now=now, salesforce_connected=mailbox.owner_id in connected, open_issues=0
        )
        if health.key in ATTENTION:
            attention.append(DigestLine(mailbox.address, health.label, health.why))
    message = digest_message(
        organization=organization.name,
        sessions=sessions.count(),
        failed=sessions.filter(outcome=Outcome.FAILED).count(),
        open_issues=SyncIssue.objects.filter(mailbox__organization=organization, resolved=False).count(),
        attention=attention,
        link=_link("console:people", organization.pk),
    )
    return notification_send(
        organization=organization,
        mailbox=None,
        kind=Kind.DIGEST,
        episode=f"{now:%Y-%m-%d}",
        recipients=_admins(organization),
        message=message,
    )


def _admins(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(organization=organization, role=Role.ORG_ADMIN)
        .exclude(Q(user__email="") | Q(user__is_active=False))
        .values_list("user__email", flat=True)
    )


def _link(name: str, *args: object) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name, args=args)


def notifications_clean_up(cutoff: datetime) -> int:
    return delete_in_batches(Notification.objects.filter(created_at__lt=cutoff))
