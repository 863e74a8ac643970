"""Gmail's change notices from the operator's Cloud Pub/Sub subscription: one puller per server
(not per organization: every Gmail watch publishes to the one topic), waking the mailboxes they name.

- **Watches**: the listener keeps every Google mailbox's Gmail watch on the operator's topic (on
  start, then every ``GMAIL_WATCH_CHECK_SECONDS``; ``instant/services/gmail_watches.py`` says why
  here and not in instant maintenance). It says "listening" once the watches are open.
- **Notices**: each names a Gmail address and its new history id; every Google mailbox at that
  address (case-insensitive, in any organization) whose organization has instant sync on is woken,
  and the session reads Gmail's history from its own cursor. A suspended mailbox, or one of an
  organization that turned instant sync off, is not woken and its watch is stopped at once. An
  unknown address wakes nobody. A notice that cannot be read is counted on the listener's row and
  logged by its message id and problem (never its data). All are acked, after the wakes.
- **Resuming**: Pub/Sub keeps what is not acked (7 days) and delivers it again after the
  subscription's ack deadline, so a crash between a pull and its ack loses nothing: the next holder
  gets those notices again (waking twice is harmless: wakes are debounced). The stored position
  (the publish time of the newest notice handled, or when listening began) is only for people and
  tests to see; it is never resumed from.
- **Errors**: a network failure or a 5xx is retried with a growing pause (state reconnecting); the
  operator's setup refused (key file unreadable, sign-in refused, subscription missing or not the
  service account's, topic Gmail may not publish to) makes the listener unavailable with the reason,
  looked at again after ``LISTENER_UNAVAILABLE_RETRY_SECONDS``; Gmail mailboxes sync on the schedule.
- **Stopping**: a pull in flight is not cut short: a stop waits for the server to answer it (an empty
  pull is held a few seconds).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.db import close_old_connections
from django.db import connection as database
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.google.gmail_watch import (
    GmailNotice,
    PubSubConfig,
    PubSubPuller,
    service_account_key,
    subscription_path,
)
from instant.listeners.running import Running
from instant.listeners.supervisor import ListenerSpec
from instant.models import ListenerState
from instant.services.gmail_watches import (
    gmail_pubsub_configured,
    gmail_watches,
    google_mailboxes_at,
    watch_end,
    watches_keep,
)
from instant.services.org_settings import instant_settings_of
from instant.services.wake import Wake, mailbox_wake

log = logging.getLogger(__name__)
KIND = "gmail-pubsub"
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MOST_SECONDS = 60.0
PULL_MAX = 100
MIN_EMPTY_PULL_SECONDS = 1.0  # the least time between two pulls that brought nothing


def listener_name() -> str:
    return f"{KIND}:{settings.GMAIL_PUBSUB_SUBSCRIPTION}"


def wanted() -> list[ListenerSpec]:
    """One puller for the server, when the operator set Gmail's Pub/Sub up."""
    if not gmail_pubsub_configured():
        return []
    return [ListenerSpec(listener_name(), KIND, None, listen)]


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: stamps compare as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def listen(running: Running) -> None:
    _Listener(running).run()


class _Listener:
    def __init__(self, running: Running) -> None:
        self.running = running
        self.subscription = subscription_path(
            settings.GMAIL_PUBSUB_PROJECT, settings.GMAIL_PUBSUB_SUBSCRIPTION
        )
        self.puller: PubSubPuller | None = None
        self.watch_due = 0.0  # monotonic: when the watches are next looked over
        self.position = running.stored_position()
        self.unreadable = 0  # notices that could not be read, since this listener started
        self.note = ""  # what the listener's row says while listening
        self.pause = RECONNECT_FIRST_SECONDS  # before the next try after a transient failure

    def run(self) -> None:
        while not self.running.stop.is_set():
            try:
                self._follow()
                return  # stopped, or the lease went to another process
            except ConnectorError as error:
                if error.permanent:
                    log.warning("listener %s: unavailable: %s", self.running.name, error)
                    self.puller = None  # the key file is read again: the operator may have mended it
                    self.watch_due = 0.0
                    self.running.state(ListenerState.UNAVAILABLE, self._unavailable(error))
                    self.running.wait(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS)
                    continue
                log.info("listener %s: %s", self.running.name, error)
                self.running.state(ListenerState.RECONNECTING, f"Cloud Pub/Sub: {error}")
                self.running.wait(error.retry_after or self.pause)
                self.pause = min(RECONNECT_MOST_SECONDS, self.pause * 2)

    def _unavailable(self, error: ConnectorError) -> str:
        # Every organization's listener page shows it: the settings' names, not the server's paths.
        where = {
            "PUBSUB_KEY_INVALID": "GMAIL_PUBSUB_KEY_FILE: ",
            "NOT_FOUND": "The Pub/Sub subscription (GMAIL_PUBSUB_SUBSCRIPTION) does not exist: ",
            "PERMISSION_DENIED": "The service account may not pull GMAIL_PUBSUB_SUBSCRIPTION: ",
        }.get(error.code, "")
        minutes = max(1, round(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS / 60))
        return (
            f"{where}{error.message} Gmail mailboxes sync on the schedule until this is mended "
            f"(looked at again every {minutes} min)."
        )

    def _connect(self) -> PubSubPuller:
        if self.puller is None:
            self.puller = PubSubPuller(
                PubSubConfig(
                    service_account_info=service_account_key(settings.GMAIL_PUBSUB_KEY_FILE),
                    subscription=self.subscription,
                    api_url=settings.GOOGLE_API_URL,
                    ca_bundle=settings.OUTBOUND_CA_BUNDLE,
                )
            )
        return self.puller

    def _keep_watches(self) -> None:
        done = watches_keep()
        self.watch_due = time.monotonic() + settings.GMAIL_WATCH_CHECK_SECONDS
        if done.opened or done.renewed or done.stopped or done.failed:
            log.info(
                "listener %s: Gmail watches: %s opened, %s renewed, %s stopped, %s failed",
                self.running.name,
                done.opened,
                done.renewed,
                done.stopped,
                done.failed,
            )

    def _follow(self) -> None:
        """Pull until stopped, the lease is lost, or a ConnectorError. Listening once the subscription
        answered and the watches are open."""
        running = self.running
        puller = self._connect()
        puller.ack_deadline_seconds()  # the subscription exists and the service account may pull it
        if time.monotonic() >= self.watch_due:
            self._keep_watches()
        running.state(ListenerState.LISTENING, self.note)
        self.pause = RECONNECT_FIRST_SECONDS
        self.position = self.position or _stamp(timezone.now())
        if not running.received(position=self.position):
            return
        while not running.stop.is_set():
            close_old_connections()
            if time.monotonic() >= self.watch_due:
                self._keep_watches()
            database.close()  # the pull may wait: hold no database connection meanwhile
            asked = time.monotonic()
            notices = puller.pull(PULL_MAX)
            if notices and not self._handle(puller, notices):
                return
            if not notices and time.monotonic() - asked < MIN_EMPTY_PULL_SECONDS:
                running.wait(MIN_EMPTY_PULL_SECONDS)  # a server that answers empty at once: no hot loop

    def _handle(self, puller: PubSubPuller, notices: Sequence[GmailNotice]) -> bool:
        """Wake the mailboxes the notices name, then ack them all; False when the lease was lost."""
        good = [n for n in notices if not n.bad]
        for notice in notices:
            if notice.bad:  # its id and why, never its data
                log.warning(
                    "listener %s: unreadable Pub/Sub message %s acked and dropped: %s",
                    self.running.name,
                    notice.message_id or "(no id)",
                    notice.problem,
                )
        wakes = self._wake(good)
        puller.ack(n.ack_id for n in notices)
        published = [n.published_at for n in notices if n.published_at is not None]
        if published:
            self.position = max(self.position, _stamp(max(published)))
        if len(good) < len(notices):
            self.unreadable += len(notices) - len(good)
            last = next(n.problem for n in reversed(notices) if n.bad)
            self.note = (
                f"{self.unreadable} unreadable Pub/Sub message(s) acked and dropped since it started "
                f"(the last: {last})."
            )
            self.running.state(ListenerState.LISTENING, self.note)
        return self.running.received(events=len(notices), wakes=wakes, position=self.position)

    def _wake(self, notices: Sequence[GmailNotice]) -> int:
        """Wake each mailbox named once; how many sessions were queued."""
        by_address = google_mailboxes_at(n.address for n in notices)
        mailboxes = {m.pk: m for n in notices for m in by_address.get(n.address.lower(), [])}
        if not mailboxes:
            return 0
        chosen = instant_settings_of(m.organization_id for m in mailboxes.values())
        queued = 0
        for mailbox in mailboxes.values():
            if mailbox.suspended or not chosen[mailbox.organization_id].enabled:
                # Gmail keeps publishing until the watch ends: end it now, not at the next look-over.
                for channel in gmail_watches().filter(mailbox=mailbox).select_related("mailbox"):
                    watch_end(channel)
                continue
            queued += mailbox_wake(mailbox_id=mailbox.pk) is Wake.QUEUED
        return queued
