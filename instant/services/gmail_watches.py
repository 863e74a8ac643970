"""Gmail's watches: each Google mailbox has Gmail publish its changes (``users.watch``) to the
operator's Cloud Pub/Sub topic, which the ``gmail-pubsub`` listener pulls.

A mailbox is watched when it is on Google, not suspended, has had its first session, and its
organization has instant sync on. Each watch is a ``NotificationChannel`` (stream "emails", resource
"gmail:<topic path>") so the admin and console list it beside the webhook channels; its
``secret_hash`` is of a random value nobody keeps, as a Pub/Sub notice carries no secret (the
subscription is pulled with the operator's own credentials, so nothing needs to be checked).

Watches are kept by the listener (on start and every ``GMAIL_WATCH_CHECK_SECONDS``, 5 minutes by
default: database reads, and a Gmail call only for a mailbox that needs one), not by instant
maintenance: maintenance only works with ``INSTANT_SYNC_ENABLED`` (inbound webhooks), which Gmail's
pull needs none of; the listener's lease makes one process the keeper; and a watch without anyone
pulling would only fill the subscription. Gmail ends a watch after 7 days: it is renewed (a watch
again replaces the last) once it ends within ``RENEW_BEFORE``, or when the operator's topic changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.google.connector import GoogleConnector
from connectors.google.gmail_watch import mailbox_stop, mailbox_watch, topic_path
from emails.models import EmailSettings
from instant.models import NotificationChannel
from instant.services.org_settings import organizations_without_instant_sync
from instant.shared_secret import secret_hash, secret_new
from syncengine.models import Mailbox, Provider
from syncengine.services.connectors import mail_connector_for

log = logging.getLogger(__name__)
RESOURCE_PREFIX = "gmail:"  # NotificationChannel.resource of a Gmail watch: "gmail:projects/p/topics/t"
STREAM = "emails"
RENEW_BEFORE = timedelta(days=1)
TOPIC_REFUSED = "GMAIL_TOPIC_REFUSED"  # the operator's topic, not one mailbox: no watch can be made
REFUSALS_BEFORE_GIVING_UP = 3


def gmail_pubsub_configured() -> bool:
    """All four Gmail Pub/Sub settings are set (else Gmail stays on the schedule)."""
    return all(
        (
            settings.GMAIL_PUBSUB_PROJECT,
            settings.GMAIL_PUBSUB_TOPIC,
            settings.GMAIL_PUBSUB_SUBSCRIPTION,
            settings.GMAIL_PUBSUB_KEY_FILE,
        )
    )


def operator_topic() -> str:
    return topic_path(settings.GMAIL_PUBSUB_PROJECT, settings.GMAIL_PUBSUB_TOPIC)


def watch_channel_id(mailbox_id: int) -> str:
    return f"gmail-watch:{mailbox_id}"


def gmail_watches() -> QuerySet[NotificationChannel]:
    return NotificationChannel.objects.filter(resource__startswith=RESOURCE_PREFIX)


def webhook_channels() -> Q:
    """The channels instant maintenance opens, renews and closes (Gmail watches are the listener's)."""
    return ~Q(resource__startswith=RESOURCE_PREFIX)


def watched_mailboxes() -> QuerySet[Mailbox]:
    """The mailboxes that should have a Gmail watch."""
    # Only where emails are saved: Google Calendar's own channels cover events, and a watch of a
    # mailbox whose mail the engine does not read would wake it for every email for nothing.
    saving = EmailSettings.objects.filter(enabled=True).values_list("organization_id", flat=True)
    return Mailbox.objects.filter(
        provider=Provider.GOOGLE, suspended=False, last_synced_at__isnull=False, organization_id__in=saving
    ).exclude(organization_id__in=organizations_without_instant_sync())


def google_mailboxes_at(addresses: Iterable[str]) -> dict[str, list[Mailbox]]:
    """The Google mailboxes of each address (lower case), in any organization: several orgs may hold
    the same Gmail account."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    if not wanted:
        return {}
    match = Q()
    for address in wanted:
        match |= Q(address__iexact=address) | Q(provider_account__email__iexact=address)
    found: dict[str, list[Mailbox]] = {}
    for mailbox in Mailbox.objects.filter(match, provider=Provider.GOOGLE).order_by("pk"):
        for address in {mailbox.address.lower(), str(mailbox.provider_account.get("email") or "").lower()}:
            if address in wanted:
                found.setdefault(address, []).append(mailbox)
    return found


@dataclass
class WatchPass:
    opened: int = 0
    renewed: int = 0
    stopped: int = 0
    failed: int = 0


def watches_keep(now: datetime | None = None) -> WatchPass:
    """Stop the watches of mailboxes no longer watched, open the missing ones, renew those ending
    within a day. One mailbox's trouble (a revoked sign-in) never stops the others. A topic Gmail may
    not publish to raises (``TOPIC_REFUSED``): the operator must mend it. Gmail says so per mailbox,
    so that is when the first ``REFUSALS_BEFORE_GIVING_UP`` watches of a pass are all refused (one
    odd mailbox refused after others were watched is that mailbox's trouble)."""
    now = now or timezone.now()
    done = WatchPass()
    topic = operator_topic()
    wanted = {m.pk: m for m in watched_mailboxes()}
    for unwanted in gmail_watches().exclude(mailbox_id__in=wanted).select_related("mailbox"):
        watch_end(unwanted)
        done.stopped += 1
    have = {c.mailbox_id: c for c in gmail_watches()}
    due = [
        (mailbox, have.get(mailbox.pk))
        for mailbox in wanted.values()
        if not _fresh(have.get(mailbox.pk), topic, now)
    ]
    refused = 0
    for mailbox, existing in due:
        try:
            watch_open(mailbox, topic)
        except ConnectorError as error:
            if error.code == TOPIC_REFUSED:
                refused += 1
                # The topic is at fault only when no watch works at all: one mailbox refused (a
                # Workspace policy, say) while others hold live watches is that mailbox's trouble.
                nothing_works = not (done.opened or done.renewed) and not _any_live(have.values(), topic, now)
                if nothing_works and refused >= min(REFUSALS_BEFORE_GIVING_UP, len(due)):
                    raise
            done.failed += 1
            log.warning("mailbox %s: Gmail watch not opened: %s", mailbox.pk, error)
            continue
        if existing is None:
            done.opened += 1
        else:
            done.renewed += 1
    return done


def _any_live(channels: Iterable[NotificationChannel], topic: str, now: datetime) -> bool:
    return any(c.resource == RESOURCE_PREFIX + topic and c.expires_at > now for c in channels)


def _fresh(channel: NotificationChannel | None, topic: str, now: datetime) -> bool:
    """A watch on the operator's topic that does not end within a day."""
    return (
        channel is not None
        and channel.resource == RESOURCE_PREFIX + topic
        and channel.expires_at > now + RENEW_BEFORE
    )


def watch_open(mailbox: Mailbox, topic: str) -> NotificationChannel:
    """Watch (or watch again: Gmail replaces the last) and record it."""
    connector = mail_connector_for(mailbox)
    if not isinstance(connector, GoogleConnector):
        raise ConnectorError(f"mailbox {mailbox.pk} is not on Google", permanent=True, code="NOT_GOOGLE")
    made = mailbox_watch(connector, topic)
    values = {
        "provider": Provider.GOOGLE,
        "resource": RESOURCE_PREFIX + topic,
        "channel_id": watch_channel_id(mailbox.pk),
        "resource_id": "",
        "expires_at": made.expires_at,
    }
    channel = NotificationChannel.objects.filter(mailbox=mailbox, stream=STREAM).first()
    if channel is None:
        channel = NotificationChannel.objects.create(
            mailbox=mailbox, stream=STREAM, secret_hash=secret_hash(secret_new()), **values
        )
    else:
        NotificationChannel.objects.filter(pk=channel.pk).update(renewed_at=timezone.now(), **values)
    log.info("mailbox %s: Gmail watch on %s until %s", mailbox.pk, topic, made.expires_at)
    return channel


def watch_end(channel: NotificationChannel) -> None:
    """Stop Gmail's push for the channel's mailbox (best effort: else it ends within 7 days, and its
    notices wake nobody) and forget it. Left on at Gmail when another watched mailbox (another
    organization's) is the same Gmail account: Gmail keeps one watch per account."""
    mailbox = channel.mailbox
    shared = (
        watched_mailboxes()
        .exclude(pk=mailbox.pk)
        .filter(
            Q(address__iexact=mailbox.address)
            | Q(provider_account__email__iexact=str(mailbox.provider_account.get("email") or mailbox.address))
        )
    )
    if mailbox.provider == Provider.GOOGLE and not shared.exists():
        try:
            connector = mail_connector_for(mailbox)
            if isinstance(connector, GoogleConnector):
                mailbox_stop(connector)
        except ConnectorError as error:
            log.info("mailbox %s: Gmail watch not stopped (%s); it ends by itself", mailbox.pk, error)
    channel.delete()
    log.info("mailbox %s: Gmail watch stopped", mailbox.pk)
