"""Opening, renewing and closing the provider channels that watch a mailbox.

Graph: one subscription per synced stream (events, contacts, tasks, and messages when the org saves
emails), renewed by PATCH before it expires. Google: one Calendar channel (Tasks and People have no
push), replaced before it expires because Google cannot renew a channel. A channel the provider no
longer knows is opened afresh.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.google import watch as google_watch
from connectors.google.connector import GoogleConnector
from connectors.graph import subscriptions as graph_subs
from connectors.graph.connector import GraphConnector
from emails.models import EmailSettings
from instant.models import NotificationChannel
from instant.shared_secret import secret_hash, secret_new
from syncengine.models import Mailbox, Provider
from syncengine.services.connectors import MailConnector, mail_connector_for
from syncengine.services.streams import stream_specs

log = logging.getLogger(__name__)
GRAPH_STREAMS = ("events", "contacts", "tasks", "emails")
# Google Tasks and People offer no push; Gmail's (users.watch) goes through Cloud Pub/Sub: not done.
GOOGLE_STREAMS = ("events",)


def watched_streams(mailbox: Mailbox) -> list[str]:
    """The mailbox's synced streams its provider can push for (emails when its org saves emails)."""
    pushable: tuple[str, ...] = {
        str(Provider.GRAPH): GRAPH_STREAMS,
        str(Provider.GOOGLE): GOOGLE_STREAMS,
    }.get(mailbox.provider, ())
    synced = {spec.mail_side_stream for spec in stream_specs(mailbox.organization, mailbox)}
    if EmailSettings.objects.filter(organization_id=mailbox.organization_id, enabled=True).exists():
        synced.add("emails")
    return [stream for stream in pushable if stream in synced]


def hook_url(name: str) -> str:
    return settings.WEBHOOK_BASE_URL.rstrip("/") + reverse(name)


def channels_open_missing(*, mailbox: Mailbox, connector: MailConnector | None = None) -> int:
    """Open a channel for each watched stream that has none; returns how many were opened."""
    have = set(NotificationChannel.objects.filter(mailbox=mailbox).values_list("stream", flat=True))
    missing = [stream for stream in watched_streams(mailbox) if stream not in have]
    if not missing:
        return 0
    connector = connector or mail_connector_for(mailbox)
    for stream in missing:
        _open(mailbox, connector, stream, replacing=None)
    return len(missing)


def channel_renew(*, channel: NotificationChannel, connector: MailConnector | None = None) -> None:
    """Push the expiry out (Graph) or replace the channel (Google); a vanished one is reopened."""
    mailbox = channel.mailbox
    connector = connector or mail_connector_for(mailbox)
    if isinstance(connector, GoogleConnector):
        _open(mailbox, connector, channel.stream, replacing=channel)
        return
    if not isinstance(connector, GraphConnector):
        raise ValueError(f"mailbox {mailbox.pk}: {mailbox.provider} offers no change notifications here")
    wanted = timezone.now() + timedelta(minutes=settings.INSTANT_GRAPH_LIFETIME_MINUTES)
    try:
        expires = graph_subs.subscription_renew(
            connector, subscription_id=channel.channel_id, expires_at=wanted
        )
    except ConnectorError as error:
        if error.status != 404:
            raise
        log.info("mailbox %s: Graph no longer knows subscription %s; opening a new one", mailbox.pk, channel)
        _open(mailbox, connector, channel.stream, replacing=channel)
        return
    NotificationChannel.objects.filter(pk=channel.pk).update(expires_at=expires, renewed_at=timezone.now())


def channel_close(*, channel: NotificationChannel, connector: MailConnector | None = None) -> None:
    """Tell the provider to stop (best effort: an unreachable provider lets it expire) and forget it."""
    try:
        _stop(connector or mail_connector_for(channel.mailbox), channel.channel_id, channel.resource_id)
    except ConnectorError as error:
        log.warning("mailbox %s: could not stop %s (%s); it will expire", channel.mailbox_id, channel, error)
    channel.delete()


def _open(
    mailbox: Mailbox, connector: MailConnector, stream: str, replacing: NotificationChannel | None
) -> NotificationChannel:
    secret = secret_new()
    if isinstance(connector, GoogleConnector):
        made = google_watch.channel_watch(
            connector,
            channel_id=str(uuid.uuid4()),
            address=hook_url("instant:google"),
            token=secret,
            ttl_seconds=settings.INSTANT_GOOGLE_TTL_SECONDS,
        )
        opened = (made.id, made.resource_id, "primary", made.expires_at)
    elif isinstance(connector, GraphConnector):
        sub = graph_subs.subscription_create(
            connector,
            resource=graph_subs.subscription_resource(connector, stream=stream),
            notification_url=hook_url("instant:graph"),
            lifecycle_url=hook_url("instant:graph-lifecycle"),
            client_state=secret,
            expires_at=timezone.now() + timedelta(minutes=settings.INSTANT_GRAPH_LIFETIME_MINUTES),
        )
        opened = (sub.id, "", sub.resource, sub.expires_at)
    else:
        raise ValueError(f"mailbox {mailbox.pk}: {mailbox.provider} offers no change notifications here")
    channel_id, resource_id, resource, expires = opened
    values = {
        "channel_id": channel_id,
        "resource_id": resource_id,
        "resource": resource,
        "expires_at": expires,
        "provider": mailbox.provider,
        "secret_hash": secret_hash(secret),
    }
    old = None
    channel: NotificationChannel | None
    with transaction.atomic():
        if replacing is not None:
            old = (replacing.channel_id, replacing.resource_id)
            NotificationChannel.objects.filter(pk=replacing.pk).update(renewed_at=timezone.now(), **values)
            channel = NotificationChannel.objects.get(pk=replacing.pk)
        else:
            try:
                with transaction.atomic():
                    channel = NotificationChannel.objects.create(mailbox=mailbox, stream=stream, **values)
            except IntegrityError:
                channel = None
    if channel is None:  # another maintenance pass opened this stream's channel meanwhile: keep one
        try:
            _stop(connector, channel_id, resource_id)
        except ConnectorError as error:
            log.info(
                "mailbox %s: spare channel %s not stopped (%s); it will expire", mailbox.pk, channel_id, error
            )
        return NotificationChannel.objects.get(mailbox=mailbox, stream=stream)
    if old is not None and old[0] != channel_id:
        try:  # the new channel is live before the old one stops: no change falls in between
            _stop(connector, *old)
        except ConnectorError as error:
            log.info("mailbox %s: old channel %s not stopped (%s); it will expire", mailbox.pk, old[0], error)
    log.info("mailbox %s: %s channel %s open until %s", mailbox.pk, stream, channel_id, expires)
    return channel


def _stop(connector: MailConnector, channel_id: str, resource_id: str) -> None:
    if isinstance(connector, GoogleConnector):
        google_watch.channel_stop(connector, channel_id=channel_id, resource_id=resource_id)
    elif isinstance(connector, GraphConnector):
        graph_subs.subscription_delete(connector, subscription_id=channel_id)
