"""Channels open on their own once a mailbox has synced; nothing opens while instant sync is off."""

from __future__ import annotations

from typing import Any

import pytest

from instant.models import NotificationChannel
from instant.services.maintenance import instant_maintain
from syncengine.services.sessions import session_run
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_opens_channels_right_after_the_first_session(instant: str, person: Person, q_sync: None):
    assert not NotificationChannel.objects.filter(mailbox=person.mailbox).exists()

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome != "failed", session and session.error
    streams = set(NotificationChannel.objects.filter(mailbox=person.mailbox).values_list("stream", flat=True))
    assert streams == {"events", "contacts", "tasks"}


def test_it_opens_nothing_while_instant_sync_is_off(
    settings: Any, person: Person, q_sync: None, graph_server: Any
):
    settings.INSTANT_SYNC_ENABLED = False

    session_run(mailbox_id=person.mailbox.pk)
    instant_maintain()

    assert not NotificationChannel.objects.filter(mailbox=person.mailbox).exists()
    assert graph_server.app.subscriptions.list(person.tenant_id) == []


def test_it_waits_for_the_first_sync_before_opening(instant: str, person: Person):
    assert instant_maintain()["opened"] == 0  # never synced: the mailbox may not even work yet


def test_it_keeps_one_channel_when_two_passes_open_the_same_stream(
    instant: str, synced: Person, graph_server: Any
):
    from instant.services.channels import _open
    from syncengine.services.connectors import mail_connector_for

    connector = mail_connector_for(synced.mailbox)
    first = _open(synced.mailbox, connector, "events", replacing=None)
    # A second maintenance pass that read "no channel yet" before the first one saved it:
    second = _open(synced.mailbox, connector, "events", replacing=None)

    assert second.pk == first.pk
    assert NotificationChannel.objects.filter(mailbox=synced.mailbox, stream="events").count() == 1
    live = [s["id"] for s in graph_server.app.subscriptions.list(synced.tenant_id)]
    assert live == [first.channel_id]  # the spare subscription was deleted at Graph
