"""After a mailbox's first good session, open its change notifications at once (the minute-by-minute
maintenance would too, a little later)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_q.tasks import async_task

from instant.models import NotificationChannel
from instant.services.gmail_watches import webhook_channels
from instant.services.org_settings import instant_settings_for
from syncengine.models import Outcome, Provider, SyncSession

PUSHING = (Provider.GRAPH, Provider.GOOGLE)  # EWS streaming notifications are not done


@receiver(post_save, sender=SyncSession, dispatch_uid="instant-open-after-session")
def open_after_session(sender: type[SyncSession], instance: SyncSession, **kwargs: Any) -> None:
    if not settings.INSTANT_SYNC_ENABLED or instance.finished_at is None:
        return
    mailbox = instance.mailbox
    if instance.outcome == Outcome.FAILED or mailbox.suspended or mailbox.provider not in PUSHING:
        return
    if not instant_settings_for(mailbox.organization_id).enabled:
        return
    if not NotificationChannel.objects.filter(webhook_channels(), mailbox_id=instance.mailbox_id).exists():
        async_task("instant.tasks.open_channels", instance.mailbox_id, group="instant")
