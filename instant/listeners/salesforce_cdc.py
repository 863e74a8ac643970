"""An organization's Salesforce change events: one subscriber per organization (not per user) on
``/data/ChangeEvents`` (Event, EventRelation, Task, Contact, as the org's admin selected them for
Change Data Capture), waking the mailboxes each change concerns.

- **Resuming**: the replay id after each delivery is stored on the listener's lease row (after the
  mailboxes are woken, so a crash between the two wakes them again rather than not at all); a
  restart, or another process taking over, subscribes after it.
- **Echoes**: the engine names itself on every Salesforce call (``client=mailsync``), and change
  events carry that in their ``changeOrigin``: those are the engine's own writes and wake nobody.
- **Missed windows**: a gap event stands for the changes it names; an overflow, or a replay id
  older than the 72 hours Salesforce keeps, wakes every mailbox of the org, whose sessions read
  what changed by their own cursors (nothing lost, and nothing twice: sessions upsert by sync key).
- **Fallback**: without Change Data Capture for the org (no topic), or without anyone connected,
  the listener says so on its row and looks again later; mailboxes sync on the schedule meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db import connection as database

from connectors.base import ConnectorError
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.pubsub import Access, Failure, PubSubClient, PubSubConfig, PubSubError
from instant.listeners.running import Running
from instant.listeners.supervisor import ListenerSpec
from instant.models import InstantSettings, ListenerState
from instant.services.org_settings import instant_settings_for
from instant.services.salesforce_changes import route, wake_all
from syncengine.crypto import is_unreadable
from syncengine.models import ConnectionStatus, Mailbox, Role, SalesforceConnection
from syncengine.services.connectors import salesforce_for

log = logging.getLogger(__name__)
KIND = "salesforce-cdc"
RECONNECT_FIRST_SECONDS = 1.0  # the pause before subscribing again after a break, doubling
RECONNECT_MOST_SECONDS = 60.0


def listener_name(organization_id: int) -> str:
    return f"{KIND}:org:{organization_id}"


def wanted() -> list[ListenerSpec]:
    """One subscriber for each organization with someone connected to Salesforce, a mailbox, and
    instant sync from Salesforce on."""
    if not (settings.SALESFORCE_ENABLED and settings.SALESFORCE_PUBSUB_TARGET):
        return []
    connected = set(
        SalesforceConnection.objects.filter(status=ConnectionStatus.CONNECTED).values_list(
            "organization_id", flat=True
        )
    )
    with_mailboxes = set(
        Mailbox.objects.filter(organization_id__in=connected).values_list("organization_id", flat=True)
    )
    off = set(InstantSettings.objects.filter(from_salesforce=False).values_list("organization_id", flat=True))
    return [
        ListenerSpec(listener_name(pk), KIND, pk, partial(listen, pk)) for pk in sorted(with_mailboxes - off)
    ]


def _connection(organization_id: int, refused: set[int]) -> SalesforceConnection | None:
    """Whose sign-in the subscriber uses: an org admin's when one is connected (they can see every
    record's changes), else any member's."""
    candidates = (
        SalesforceConnection.objects.filter(
            organization_id=organization_id, status=ConnectionStatus.CONNECTED
        )
        .exclude(pk__in=refused)
        .order_by("pk")
    )
    admins = set(
        SalesforceConnection.objects.filter(
            organization_id=organization_id,
            user__memberships__organization_id=organization_id,
            user__memberships__role=Role.ORG_ADMIN,
        ).values_list("pk", flat=True)
    )
    readable = [c for c in candidates if not is_unreadable(c.credentials)]
    return next((c for c in readable if c.pk in admins), readable[0] if readable else None)


def listen(organization_id: int, running: Running) -> None:
    client = PubSubClient(
        PubSubConfig(target=settings.SALESFORCE_PUBSUB_TARGET, ca_bundle=settings.OUTBOUND_CA_BUNDLE)
    )
    pause = _Pause()
    refused: set[int] = set()  # connections whose sign-in failed in this run
    try:
        while not running.stop.is_set():
            close_old_connections()
            connection = _connection(organization_id, refused)
            if connection is None:
                refused.clear()
                running.state(
                    ListenerState.UNAVAILABLE, "Nobody in the organization has a working Salesforce sign-in."
                )
                running.wait(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS)
                continue
            connector = salesforce_for(connection)
            try:
                try:
                    _follow(organization_id, running, client, connector, connection.salesforce_org_id, pause)
                except PubSubError as error:
                    _answer(organization_id, running, connector, connection, error, pause, refused)
            except ConnectorError as error:  # the sign-in could not be renewed: try another member's
                log.warning("listener %s: %s", running.name, error)
                refused.add(connection.pk)
                running.state(
                    ListenerState.RECONNECTING, f"Salesforce sign-in of {connection.username}: {error}"
                )
                pause.wait(running)
    finally:
        client.close()


class _Pause:
    """The wait before subscribing again: 1 s, doubling to a minute, afresh once events flow."""

    def __init__(self) -> None:
        self.seconds = RECONNECT_FIRST_SECONDS
        self.sign_in_refusals = 0

    def wait(self, running: Running) -> None:
        running.wait(self.seconds)
        self.seconds = min(RECONNECT_MOST_SECONDS, self.seconds * 2)

    def reset(self) -> None:
        self.seconds, self.sign_in_refusals = RECONNECT_FIRST_SECONDS, 0


def _answer(
    organization_id: int,
    running: Running,
    connector: SalesforceConnector,
    connection: SalesforceConnection,
    error: PubSubError,
    pause: _Pause,
    refused: set[int],
) -> None:
    """What a failed subscription does next (a ConnectorError out of here tries another member)."""
    log.info("listener %s: %s (%s)", running.name, error, error.failure)
    if error.failure is Failure.SIGN_IN:
        # A fresh token, once; refused again with it, the trouble is this sign-in (no Pub/Sub access,
        # a wrong org id): another member's is tried.
        pause.sign_in_refusals += 1
        if pause.sign_in_refusals > 1:
            refused.add(connection.pk)
            pause.sign_in_refusals = 0
        running.state(ListenerState.RECONNECTING, f"Salesforce refused the sign-in of {connection.username}.")
        pause.wait(running)
        connector.refresh()
        return
    if error.failure is Failure.REPLAY_EXPIRED:
        # Older than Salesforce keeps: what happened meanwhile is read by each mailbox's cursor.
        if not running.forget_position(
            "The stored replay id was outside Salesforce's 72 hours: every mailbox reconciles."
        ):
            running.request_stop()  # the lease went to another process
            return
        everyone = Mailbox.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
        running.received(wakes=wake_all(everyone))
        return
    if error.failure is Failure.NOT_ENABLED:
        running.state(
            ListenerState.UNAVAILABLE,
            "Change Data Capture is not on for Events, Tasks or Contacts in this Salesforce org "
            "(Setup > Change Data Capture): Salesforce changes reach mailboxes on the schedule.",
        )
        running.wait(settings.LISTENER_UNAVAILABLE_RETRY_SECONDS)
        pause.reset()
        return
    running.state(ListenerState.RECONNECTING, str(error))
    pause.wait(running)


def _follow(
    organization_id: int,
    running: Running,
    client: PubSubClient,
    connector: SalesforceConnector,
    salesforce_org_id: str,
    pause: _Pause,
) -> None:
    if not connector.credentials.get("access_token"):
        connector.refresh()
    access = Access(
        access_token=connector.credentials["access_token"],
        instance_url=connector.credentials.get("instance_url", ""),
        tenant_id=salesforce_org_id,
    )
    position = running.stored_position()
    subscription = client.subscribe(access, replay_after=bytes.fromhex(position) if position else b"")
    forget = running.on_stop(subscription.cancel)
    running.listening()
    client_name = connector.config.client_name

    def look_up(entity: str, fields: Sequence[str], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        try:
            return connector.fields_by_id(entity, fields, ids)
        except ConnectorError as error:  # the schedule still brings these changes
            log.warning("listener %s: could not read whose %s records are: %s", running.name, entity, error)
            return {}

    try:
        last = position
        for delivery in subscription.deliveries():
            wakes = 0
            if delivery.events:
                routed = route(
                    organization_id,
                    delivery.events,
                    chosen=instant_settings_for(organization_id),
                    client_name=client_name,
                    look_up=look_up,
                )
                wakes = wake_all(routed.mailbox_ids)
            pause.reset()  # the stream works: a later break starts its pauses afresh
            replay = delivery.latest_replay_id.hex() or last
            if not delivery.events and replay == last:
                continue
            if not running.received(events=len(delivery.events), wakes=wakes, position=replay):
                running.request_stop()  # the lease went to another process: it resumes from there
                return
            last = replay
            database.close()  # blocked on the stream next, maybe for long: hold no database connection
    finally:
        forget()
