"""Waking a mailbox on a change notification: queue one session per burst, never wake a suspended one.

A notification queues a session unless one queued by an earlier notification has not started yet
(it will read this change too). A change that arrives once that session is running may be missed
by it, or within the organization's shortest time between two instant sessions of a mailbox (a
minute by default): the mailbox is marked ``pending`` and ``wakes_flush`` queues one more session
once that time has passed and no session of it runs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from django.db import transaction
from django.utils import timezone

from instant.models import MailboxWake
from instant.services.org_settings import instant_settings_for, instant_settings_of
from syncengine.models import Mailbox, SyncSession, Trigger
from syncengine.services.queue import enqueue_session

log = logging.getLogger(__name__)


class Wake(StrEnum):
    QUEUED = "queued"
    DEBOUNCED = "debounced"  # a session queued moments ago has not started: it covers this change
    DEFERRED = "deferred"  # a session is running: one more follows it
    ASLEEP = "asleep"  # suspended mailbox: the person must resume it first


def mailbox_wake(*, mailbox_id: int, now: datetime | None = None) -> Wake:
    now = now or timezone.now()
    with transaction.atomic():
        MailboxWake.objects.get_or_create(mailbox_id=mailbox_id)
        wake = MailboxWake.objects.select_for_update().get(mailbox_id=mailbox_id)
        mailbox = Mailbox.objects.only("suspended", "lease_expires_at", "organization_id").get(pk=mailbox_id)
        wake.last_notified_at = now
        outcome = _decide(wake, mailbox, now)
        if outcome is Wake.QUEUED:
            wake.queued_at, wake.pending = now, False
            transaction.on_commit(
                lambda: enqueue_session(mailbox_id=mailbox_id, trigger=Trigger.NOTIFICATION)
            )
        elif outcome is Wake.DEFERRED:
            wake.pending = True
        wake.save()
    log.info("mailbox %s: change notification -> %s", mailbox_id, outcome)
    return outcome


def _decide(wake: MailboxWake, mailbox: Mailbox, now: datetime) -> Wake:
    if mailbox.suspended:
        return Wake.ASLEEP
    recent = wake.queued_at is not None and wake.queued_at > now - _window(mailbox.organization_id)
    if (
        recent
        and not SyncSession.objects.filter(mailbox_id=mailbox.pk, started_at__gte=wake.queued_at).exists()
    ):
        return Wake.DEBOUNCED
    if recent or (mailbox.lease_expires_at is not None and mailbox.lease_expires_at > now):
        return Wake.DEFERRED
    return Wake.QUEUED


def wakes_flush(*, now: datetime | None = None) -> int:
    """Queue the session owed to each mailbox marked pending, once no session of it is running."""
    now = now or timezone.now()
    owed = MailboxWake.objects.filter(pending=True, mailbox__suspended=False).exclude(
        mailbox__lease_expires_at__gt=now
    )
    rows = list(owed.values_list("pk", "mailbox_id", "queued_at", "mailbox__organization_id"))
    chosen = instant_settings_of(organization_id for *_, organization_id in rows)
    queued = 0
    for wake_id, mailbox_id, last_queued, organization_id in rows:
        options = chosen[organization_id]
        if not (options.enabled or options.from_salesforce):  # turned off since: the schedule syncs it
            MailboxWake.objects.filter(pk=wake_id).update(pending=False)
            continue
        least = timedelta(seconds=chosen[organization_id].min_seconds_between)
        if last_queued is not None and last_queued > now - least:
            continue  # too soon after the last instant session: the next pass queues it
        with transaction.atomic():
            taken = MailboxWake.objects.filter(pk=wake_id, pending=True).update(pending=False, queued_at=now)
            if taken:
                transaction.on_commit(
                    partial(enqueue_session, mailbox_id=mailbox_id, trigger=Trigger.NOTIFICATION)
                )
                queued += 1
    MailboxWake.objects.filter(pending=True, mailbox__suspended=True).update(pending=False)
    return queued


def _window(organization_id: int) -> timedelta:
    return timedelta(seconds=instant_settings_for(organization_id).min_seconds_between)
