"""Exchange on-premises mailboxes' streaming notifications: a listener holds one GetStreamingEvents
connection open per mailbox group and wakes the mailbox's session when one of the folders it syncs
changes. Streams need no inbound address (unlike Graph's and Google's webhooks), so they run whatever
``INSTANT_SYNC_ENABLED`` says, for each EWS mailbox that is not suspended, has had its first session,
and whose organization has instant sync from mailboxes on.

- **Groups**: one GetStreamingEvents call carries only subscriptions made with the same credentials.
  Without ApplicationImpersonation (which this engine does not use, and the sandbox does not
  implement) the only credentials that can read a mailbox are its own, so a group is one mailbox and
  each mailbox costs one open connection: that is the honest limit. ``reader_of`` names whose sign-in
  reads a mailbox; a service account with impersonation would give many mailboxes one reader, and
  ``groups`` would hand them to one listener (the listener itself reads one mailbox today).
- **Resuming**: the subscription ids (and each one's last watermark, for the record: Exchange resumes
  streaming subscriptions by id, not by watermark) are the lease's ``position`` (JSON). A restart of
  ``listen``, or another process taking a dead holder's lease over, reads those subscriptions again:
  Exchange queued what happened meanwhile (for up to 30 minutes unread). Because notices written on
  a connection that was cut (a crash, our own stop) may never arrive, a resumed listener wakes the
  mailbox once. Subscriptions Exchange no longer knows (expired, unsubscribed) are replaced by new
  ones, and the mailbox is woken once: what happened in between was never queued.
- **Stopping**: when the mailbox is no longer wanted (suspended, instant sync turned off, moved off
  Exchange, deleted) the listener unsubscribes and forgets the position. When it stops for any other
  reason (the process shuts down, the lease was lost to another process) the subscriptions are left
  for whoever resumes them; left unread, Exchange drops them after 30 minutes by itself.
- **What is watched**: one subscription per stream the mailbox syncs (the calendar; the "Salesforce
  Tasks" and "Salesforce Contacts" folders; Inbox, Sent Items and the Salesforce folder when its
  organization saves emails). A change of what the organization syncs is seen when the current
  stream ends (``EWS_STREAM_TIMEOUT_MINUTES``, 30 by default): the subscriptions are then replaced.
- **Lost connections**: a stream cut mid-answer (STREAM_LOST) or a transient error is read again after
  a short, growing pause (state "reconnecting"), and the mailbox is woken once per outage, for events
  may have been lost with the connection. A refused sign-in leaves the listener "unavailable" (the
  mailbox syncs on the schedule, whose session reports the sign-in to its owner) and it tries again
  after ``LISTENER_UNAVAILABLE_RETRY_SECONDS``.
- **Echoes**: the engine's own writes to the mailbox are notified like anyone's (Exchange cannot tell
  who wrote). They arrive while the mailbox's session holds its lease (``Mailbox.lease_expires_at``
  ahead), so ``mailbox_wake`` defers them: one more session follows the one that wrote, after the
  organization's ``min_seconds_between`` (a notice that lands just after the session let its lease go
  queues that one session at once instead). That session reads the engine's own writes back, finds
  them in step and writes nothing, so there is no second echo: at most one extra session per session
  that writes to the mailbox. Telling them apart (by the change keys the session wrote) is not done.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import close_old_connections
from django.db import connection as database
from django.db.models import QuerySet

from connectors.base import ConnectorError
from connectors.ews.connector import EwsConnector
from connectors.ews.streaming import (
    Stopper,
    Subscription,
    SubscriptionGoneError,
    engine_folders,
    stream,
    subscribe,
    unsubscribe,
)
from emails.models import EmailSettings
from instant.listeners.running import Running
from instant.listeners.supervisor import ListenerSpec
from instant.models import InstantSettings, ListenerState
from instant.services.org_settings import instant_settings_for
from instant.services.wake import Wake, mailbox_wake
from syncengine.models import Mailbox, Provider
from syncengine.services.connectors import mail_connector_for
from syncengine.services.failures import MAIL_SIGN_IN_CODES
from syncengine.services.streams import stream_specs

log = logging.getLogger(__name__)
KIND = "ews-streams"
STREAMS = ("events", "tasks", "contacts", "emails")  # connectors.ews.streaming.KINDS, in this order
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MOST_SECONDS = 60.0
UNAVAILABLE_CODES = frozenset({*MAIL_SIGN_IN_CODES, "MAIL_ACCESS_DENIED"})


@dataclass(frozen=True)
class Group:
    """Mailboxes one listener streams for: those whose subscriptions one sign-in can read."""

    reader: str
    organization_id: int
    mailbox_ids: tuple[int, ...]


def reader_of(mailbox: Mailbox) -> str:
    """Whose credentials read the mailbox's subscriptions: its own sign-in (no impersonation here)."""
    return f"mailbox:{mailbox.pk}"


def groups(mailboxes: Iterable[Mailbox]) -> list[Group]:
    """The mailboxes by the reader that can read them (one organization per group)."""
    found: dict[tuple[int, str], list[int]] = {}
    for mailbox in mailboxes:
        found.setdefault((mailbox.organization_id, reader_of(mailbox)), []).append(mailbox.pk)
    return [Group(reader, org, tuple(sorted(ids))) for (org, reader), ids in sorted(found.items())]


def listener_name(group: Group) -> str:
    return f"{KIND}:{group.reader}"


def _streamed() -> QuerySet[Mailbox]:
    off = InstantSettings.objects.filter(enabled=False).values_list("organization_id", flat=True)
    return (
        Mailbox.objects.filter(provider=Provider.EWS, suspended=False, last_synced_at__isnull=False)
        .exclude(organization_id__in=off)
        .order_by("pk")
    )


def wanted() -> list[ListenerSpec]:
    """One listener per group of EWS mailboxes that are not suspended, have had their first session,
    and whose organization has instant sync from mailboxes on."""
    specs = []
    for group in groups(_streamed().only("pk", "organization_id")):
        if len(group.mailbox_ids) != 1:  # reader_of gives each mailbox its own reader today
            raise ValueError(f"{group.reader}: one listener streams one mailbox (no impersonation)")
        specs.append(
            ListenerSpec(
                listener_name(group), KIND, group.organization_id, partial(listen, group.mailbox_ids[0])
            )
        )
    return specs


def still_wanted(mailbox_id: int) -> bool:
    return _streamed().filter(pk=mailbox_id).exists()


def synced_streams(mailbox: Mailbox) -> list[str]:
    """The engine streams the mailbox syncs (emails when its organization saves emails)."""
    synced = {spec.mail_side_stream for spec in stream_specs(mailbox.organization, mailbox)}
    if EmailSettings.objects.filter(organization_id=mailbox.organization_id, enabled=True).exists():
        synced.add("emails")
    return [kind for kind in STREAMS if kind in synced]


def _folders(mailbox: Mailbox, connector: EwsConnector, kinds: Sequence[str]) -> dict[str, list[str]]:
    """The folders of the streams synced only (a stream not synced does not get its folder made)."""
    chosen = EmailSettings.objects.filter(organization_id=mailbox.organization_id).first()
    return engine_folders(connector, kinds, salesforce_folder=chosen.salesforce_folder if chosen else "")


@dataclass
class _Position:
    """What the lease's position holds: the mailbox's subscriptions and their last watermarks."""

    address: str
    subscriptions: list[Subscription]
    watermarks: dict[str, str]

    def dumps(self) -> str:
        return json.dumps(
            {
                "address": self.address,
                "subscriptions": [{"id": s.id, "kind": s.kind} for s in self.subscriptions],
                "watermarks": self.watermarks,
            },
            sort_keys=True,
        )

    @classmethod
    def loads(cls, text: str) -> _Position | None:
        try:
            data = json.loads(text)
            subscriptions = [Subscription(str(s["id"]), str(s["kind"])) for s in data["subscriptions"]]
            return cls(str(data["address"]), subscriptions, dict(data.get("watermarks") or {}))
        except (ValueError, KeyError, TypeError):
            return None


def listen(mailbox_id: int, running: Running, timeout_minutes: int | None = None) -> None:
    minutes = max(1, min(30, timeout_minutes or int(settings.EWS_STREAM_TIMEOUT_MINUTES)))  # Exchange's range
    connector: EwsConnector | None = None
    position: _Position | None = None
    gone: list[Subscription] = []  # subscriptions Exchange no longer knows: replace them
    pause = RECONNECT_FIRST_SECONDS
    lost = False  # a connection was lost and the mailbox woken for it: once per outage
    try:
        while not running.stop.is_set():
            close_old_connections()
            mailbox = Mailbox.objects.filter(pk=mailbox_id, provider=Provider.EWS).first()
            if mailbox is None:  # deleted, or moved off Exchange: the supervisor stops this listener
                running.stop.wait()
                return
            try:
                if connector is None:
                    made = mail_connector_for(mailbox)
                    if not isinstance(made, EwsConnector):
                        raise TypeError(f"mailbox {mailbox_id} has no Exchange connector")
                    connector = made
                kinds = synced_streams(mailbox)
                if position is not None and [s.kind for s in position.subscriptions] != kinds:
                    position = None  # the organization changed what it syncs: watch that instead
                if position is None and not kinds:
                    running.state(
                        ListenerState.UNAVAILABLE, "The mailbox syncs no folder Exchange can stream."
                    )
                    running.wait(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS)
                    continue
                if position is None:
                    position = _subscriptions(running, mailbox, connector, replacing=gone)
                    if position is None:
                        return  # the lease is no longer ours
                running.listening()
                started = time.monotonic()
                if not _follow(running, mailbox, connector, position, minutes):
                    return
                pause, lost, gone = RECONNECT_FIRST_SECONDS, False, []
                if time.monotonic() - started < 1:  # Exchange closed it at once: do not spin on it
                    running.wait(RECONNECT_FIRST_SECONDS)
            except SubscriptionGoneError as error:
                log.info("listener %s: %s; subscribing again", running.name, error)
                running.state(
                    ListenerState.RECONNECTING, "Exchange no longer knew the subscriptions: subscribing again"
                )
                if gone:  # the ones just made are gone too: do not spin on subscribing
                    running.wait(pause)
                    pause = min(RECONNECT_MOST_SECONDS, pause * 2)
                gone, position = (position.subscriptions if position else []) or gone, None
            except ConnectorError as error:
                if error.code in UNAVAILABLE_CODES:
                    log.warning("listener %s: %s", running.name, error)
                    running.state(
                        ListenerState.UNAVAILABLE,
                        f"Exchange refused the mailbox's sign-in ({error}): its changes wait for the "
                        "schedule; the listener tries again later.",
                    )
                    connector = None  # the sign-in may be mended meanwhile: read it again
                    running.wait(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS)
                    continue
                if error.permanent:
                    raise
                log.info("listener %s: %s (%s)", running.name, error, error.code)
                running.state(ListenerState.RECONNECTING, str(error))
                if not lost and position is not None:  # a stream was read: its notices may be lost
                    lost = True
                    if not running.received(wakes=_wake(mailbox_id)):
                        return
                running.wait(max(pause, error.retry_after or 0))
                pause = min(RECONNECT_MOST_SECONDS, pause * 2)
    finally:
        if connector is not None and running.stop.is_set() and not still_wanted(mailbox_id):
            _give_up(running, connector)


def _wake(mailbox_id: int) -> int:
    return int(mailbox_wake(mailbox_id=mailbox_id) is Wake.QUEUED)


def _subscriptions(
    running: Running, mailbox: Mailbox, connector: EwsConnector, replacing: Sequence[Subscription]
) -> _Position | None:
    """The stored subscriptions when they are this mailbox's and watch what it syncs, else new ones
    (stored before any is read). Either way the mailbox is woken once, unless this is its first
    listener: a first one starts where the mailbox's last session left off, and the schedule covers
    that gap. None when the lease is no longer ours."""
    kinds = synced_streams(mailbox)
    stored = _Position.loads(running.stored_position())
    resumable = (
        not replacing
        and stored is not None
        and stored.address.lower() == mailbox.address.lower()
        and [s.kind for s in stored.subscriptions] == kinds
    )
    if stored is not None and resumable:
        # Notices written on the connection the last holder lost may never arrive: read once.
        return stored if running.received(wakes=_wake(mailbox.pk)) else None
    account = connector.client.account
    old = [s.id for s in (stored.subscriptions if stored else [])]
    if old:  # gone in part, or watching other streams than the mailbox syncs now
        with contextlib.suppress(ConnectorError):
            unsubscribe(account, old)
    made = _Position(mailbox.address, subscribe(account, _folders(mailbox, connector, kinds)), {})
    # Replaced subscriptions missed what happened since the old ones went: read once.
    wakes = _wake(mailbox.pk) if old or replacing else 0
    return made if running.received(wakes=wakes, position=made.dumps()) else None


def _follow(
    running: Running, mailbox: Mailbox, connector: EwsConnector, position: _Position, minutes: int
) -> bool:
    """One GetStreamingEvents call, until Exchange closes it or the listener stops; False when the
    lease is no longer ours."""
    stopper = Stopper()
    forget = running.on_stop(stopper.stop)
    database.close()  # the stream may stay quiet for half an hour: hold no database connection
    try:
        for notice in stream(connector.client.account, position.subscriptions, minutes, stop=stopper):
            wakes = 0
            if instant_settings_for(mailbox.organization_id).triggers(notice.change):
                wakes = _wake(mailbox.pk)
            if notice.watermark:
                position.watermarks[notice.subscription_id] = notice.watermark
            if not running.received(events=1, wakes=wakes, position=position.dumps()):
                return False
            database.close()  # back to waiting on the stream
        return True
    finally:
        forget()


def _give_up(running: Running, connector: EwsConnector) -> None:
    """Not wanted any more: nobody resumes the subscriptions, so end them now."""
    stored = _Position.loads(running.stored_position())
    if stored is None or not stored.subscriptions:
        return
    try:
        unsubscribe(connector.client.account, [s.id for s in stored.subscriptions])
    except ConnectorError as error:  # Exchange drops them after 30 minutes unread anyway
        log.info("listener %s: could not unsubscribe: %s", running.name, error)
    running.forget_position("The mailbox is no longer streamed: its subscriptions were ended.")
