"""What a provider's call to our webhooks means: check the shared secret, then wake the mailbox.

Called from the webhook views, which must answer within seconds (Graph: 3 s), so nothing here
talks to a provider: lifecycle work that needs one is handed to a task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from instant.models import NotificationChannel
from instant.services.org_settings import instant_settings_for, instant_settings_of
from instant.services.wake import mailbox_wake
from instant.shared_secret import secret_matches

log = logging.getLogger(__name__)


def _authentic(channel_id: str, secret: str) -> NotificationChannel | None:
    """The channel, when the caller knows its secret; None for anything else (forged, stale)."""
    channel = NotificationChannel.objects.filter(channel_id=channel_id).select_related("mailbox").first()
    if channel is None:
        secret_matches(secret, "0" * 64)  # the same work either way: timing says nothing
        return None
    return channel if secret_matches(secret, channel.secret_hash) else None


def _touch(*channels: NotificationChannel) -> None:
    NotificationChannel.objects.filter(pk__in=[c.pk for c in channels]).update(
        last_notified_at=timezone.now(), notifications=F("notifications") + 1
    )


def _claim(item: Mapping[str, Any]) -> tuple[str, str]:
    return str(item.get("subscriptionId") or ""), str(item.get("clientState") or "")


@dataclass(frozen=True)
class _Proven:
    """What a batch of Graph items proved: its channels by id, the (subscription, secret) claims that
    were right (an item counts only with its own), and how many claims were refused."""

    channels: dict[str, NotificationChannel]
    claims: frozenset[tuple[str, str]]
    refused: int

    def channel_of(self, item: Mapping[str, Any]) -> NotificationChannel | None:
        claim = _claim(item)
        return self.channels[claim[0]] if claim in self.claims else None


def _authentic_many(items: Iterable[Mapping[str, Any]]) -> _Proven:
    """The channels a batch of Graph items names with their right secret, read in one query; each
    (subscription, secret) pair is checked once however often a batch repeats it."""
    claims = {_claim(i) for i in items}
    known = {
        c.channel_id: c
        for c in NotificationChannel.objects.filter(channel_id__in={c for c, _ in claims}).select_related(
            "mailbox"
        )
    }
    channels: dict[str, NotificationChannel] = {}
    proven: set[tuple[str, str]] = set()
    for channel_id, secret in claims:
        channel = known.get(channel_id)
        if channel is not None and secret_matches(secret, channel.secret_hash):
            channels[channel_id] = channel
            proven.add((channel_id, secret))
        else:
            secret_matches(secret, "0" * 64)  # the same work either way: timing says nothing
    return _Proven(channels, frozenset(proven), len(claims) - len(proven))


def graph_notifications_accept(items: Iterable[Mapping[str, Any]]) -> int:
    """Graph's ``value[]``: wake each mailbox named by an authentic item once, when its organization
    has instant sync on for that kind of change (TriggerSyncOnAdd / Update / Delete); returns how many
    channels were authentic (0 means the whole call is refused). One log line per call, not per item."""
    items = list(items)
    proven = _authentic_many(items)
    if proven.refused:
        log.warning(
            "Graph notifications refused: %d unknown subscription(s) or wrong clientState", proven.refused
        )
    channels = list(proven.channels.values())
    if channels:
        _touch(*channels)
    chosen = instant_settings_of(c.mailbox.organization_id for c in channels)
    waking: set[int] = set()
    for item in items:
        channel = proven.channel_of(item)  # only an item with the secret says what kind of change
        if channel is None:
            continue
        options = chosen[channel.mailbox.organization_id]
        if options.enabled and options.triggers(str(item.get("changeType") or "")):
            waking.add(channel.mailbox_id)
    for mailbox_id in sorted(waking):
        mailbox_wake(mailbox_id=mailbox_id)
    return len(channels)


def graph_lifecycle_accept(items: Iterable[Mapping[str, Any]]) -> int:
    """reauthorizationRequired / subscriptionRemoved: renew or reopen (a task: it calls Graph);
    missed: some notifications were lost, so sync now."""
    items = list(items)
    proven = _authentic_many(items)
    if proven.refused:
        log.warning(
            "Graph lifecycle events refused: %d unknown subscription(s) or wrong clientState", proven.refused
        )
    seen: set[tuple[str, str]] = set()
    accepted = 0
    for item in items:
        channel = proven.channel_of(item)
        event = str(item.get("lifecycleEvent") or "")
        if channel is None or (channel.channel_id, event) in seen:
            continue
        seen.add((channel.channel_id, event))
        accepted += 1
        if not instant_settings_for(channel.mailbox.organization_id).enabled:
            continue  # off for the organization: its channels close at the next maintenance pass
        if event == "missed":
            mailbox_wake(mailbox_id=channel.mailbox_id)
        elif event in ("reauthorizationRequired", "subscriptionRemoved"):
            async_task("instant.tasks.renew_channel", channel.pk, event, group="instant")
        else:
            log.info("Graph lifecycle event %r for %s ignored", event, channel)
    return accepted


def google_notification_accept(*, channel_id: str, token: str, state: str) -> bool:
    """One Calendar push message: ``sync`` confirms the channel, ``exists`` means something changed."""
    channel = _authentic(channel_id, token)
    if channel is None:
        log.warning("Google notification refused: unknown channel or wrong token")
        return False
    if state != "sync":
        _touch(channel)
        # Google says that something changed, not what: any change wakes the mailbox.
        if instant_settings_for(channel.mailbox.organization_id).enabled:
            mailbox_wake(mailbox_id=channel.mailbox_id)
    return True
