"""The periodic pass (every minute): owed sessions, channels for newly synced mailboxes, renewals,
and closing the channels of suspended mailboxes. One mailbox's trouble never stops the others."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from connectors.base import ConnectorError
from instant.models import NotificationChannel
from instant.services.channels import channel_close, channel_renew, channels_open_missing, watched_streams
from instant.services.gmail_watches import RESOURCE_PREFIX as GMAIL_RESOURCE_PREFIX
from instant.services.gmail_watches import webhook_channels
from instant.services.org_settings import organizations_without_instant_sync
from instant.services.wake import wakes_flush
from syncengine.models import Mailbox, Provider

log = logging.getLogger(__name__)


def instant_maintain() -> dict[str, int]:
    report = {"flushed": wakes_flush(), "opened": 0, "renewed": 0, "closed": 0, "failed": 0}
    if not settings.INSTANT_SYNC_ENABLED:
        return report
    # Suspended mailboxes, and organizations that turned instant sync off: their channels close.
    # (Gmail watches are kept by the Gmail listener, not here.)
    off = organizations_without_instant_sync()
    webhooks = NotificationChannel.objects.filter(webhook_channels())
    closing = webhooks.filter(
        Q(mailbox__suspended=True) | Q(mailbox__organization_id__in=off)
    ).select_related("mailbox")
    for channel in closing:
        channel_close(channel=channel)
        report["closed"] += 1
    soon = timezone.now() + timedelta(minutes=settings.INSTANT_RENEW_BEFORE_MINUTES)
    due = webhooks.filter(expires_at__lte=soon, mailbox__suspended=False)
    for channel in due.select_related("mailbox"):
        try:
            channel_renew(channel=channel)
            report["renewed"] += 1
        except ConnectorError as error:
            report["failed"] += 1
            log.warning("mailbox %s: renewing %s failed: %s", channel.mailbox_id, channel, error)
    for mailbox in mailboxes_lacking_channels():
        try:
            report["opened"] += channels_open_missing(mailbox=mailbox)
        except ConnectorError as error:
            report["failed"] += 1
            log.warning("mailbox %s: opening change notifications failed: %s", mailbox.pk, error)
    return report


def mailboxes_lacking_channels() -> list[Mailbox]:
    """Synced at least once, not suspended, of an organization with instant sync on, on a provider
    that pushes, with fewer channels than the streams it watches (an org may have turned a stream on
    since)."""
    candidates = (
        Mailbox.objects.filter(
            suspended=False, last_synced_at__isnull=False, provider__in=(Provider.GRAPH, Provider.GOOGLE)
        )
        .exclude(organization_id__in=organizations_without_instant_sync())
        .annotate(
            channels=Count(
                "notification_channels",
                filter=~Q(notification_channels__resource__startswith=GMAIL_RESOURCE_PREFIX),
            )
        )
        .select_related("organization", "owner")
    )
    return [m for m in candidates if m.channels < len(watched_streams(m))]
