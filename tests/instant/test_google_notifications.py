"""Google Calendar: a watch channel for a synced mailbox, push messages that wake it, forged ones refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from instant.models import NotificationChannel
from instant.services.maintenance import instant_maintain
from syncengine.models import Mailbox, Trigger
from tests.support.instant import queued_sessions, wait_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _create_event(google_server: Any, person: Person, subject: str) -> None:
    google_server.app.create_event(
        person.mailbox.address,
        {
            "summary": subject,
            "start": {"dateTime": "2026-12-01T10:00:00Z"},
            "end": {"dateTime": "2026-12-01T11:00:00Z"},
        },
    )


def _delivered(google_server: Any, channel_id: str, state: str) -> list[Any]:
    return [
        d
        for d in google_server.app.watch.pusher.delivered()
        if d.headers.get("X-Goog-Channel-ID") == channel_id
        and d.headers.get("X-Goog-Resource-State") == state
    ]


def test_it_opens_a_calendar_channel_and_accepts_googles_sync_message(
    instant: str, on_google: Person, google_server: Any
):
    assert instant_maintain()["opened"] == 1

    channel = NotificationChannel.objects.get(mailbox=on_google.mailbox)
    assert channel.stream == "events" and channel.resource_id
    [live] = [c for c in google_server.app.watch.list() if c["id"] == channel.channel_id]
    assert live["address"] == f"{instant}/hooks/google/"
    [sync] = wait_for(lambda: _delivered(google_server, channel.channel_id, "sync"))
    assert sync.status == 200
    assert queued_sessions(on_google.mailbox.pk) == []  # "sync" only confirms the channel


def test_it_queues_one_session_when_a_calendar_event_changes(
    instant: str, on_google: Person, google_server: Any
):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=on_google.mailbox)
    wait_for(lambda: _delivered(google_server, channel.channel_id, "sync"))

    _create_event(google_server, on_google, "Globex review")
    wait_for(lambda: _delivered(google_server, channel.channel_id, "exists"))
    _create_event(google_server, on_google, "Globex review, part two")
    wait_for(lambda: len(_delivered(google_server, channel.channel_id, "exists")) >= 2)

    assert queued_sessions(on_google.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_refuses_a_message_with_the_wrong_channel_token(instant: str, on_google: Person):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=on_google.mailbox)
    headers = {
        "X-Goog-Channel-ID": channel.channel_id,
        "X-Goog-Channel-Token": "guessed",
        "X-Goog-Resource-State": "exists",
        "X-Goog-Resource-ID": channel.resource_id,
        "X-Goog-Message-Number": "2",
    }

    answer = requests.post(f"{instant}/hooks/google/", headers=headers, timeout=5)

    assert answer.status_code == 403
    assert queued_sessions(on_google.mailbox.pk) == []


def test_it_replaces_a_channel_before_it_expires_and_stops_the_old_one(
    instant: str, on_google: Person, google_server: Any
):
    instant_maintain()
    old = NotificationChannel.objects.get(mailbox=on_google.mailbox)
    NotificationChannel.objects.filter(pk=old.pk).update(expires_at=timezone.now() + timedelta(hours=1))

    assert instant_maintain()["renewed"] == 1

    new = NotificationChannel.objects.get(pk=old.pk)
    assert new.channel_id != old.channel_id and new.expires_at > timezone.now() + timedelta(days=6)
    assert [
        c["id"] for c in google_server.app.watch.list() if c["user_id"] == _user_id(google_server, on_google)
    ] == [new.channel_id]


def test_it_closes_the_channel_of_a_suspended_mailbox(instant: str, on_google: Person, google_server: Any):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=on_google.mailbox)
    Mailbox.objects.filter(pk=on_google.mailbox.pk).update(suspended=True, suspended_reason="test")

    assert instant_maintain()["closed"] == 1

    assert not NotificationChannel.objects.filter(mailbox=on_google.mailbox).exists()
    assert channel.channel_id not in {c["id"] for c in google_server.app.watch.list()}


def _user_id(google_server: Any, person: Person) -> str:
    return str(google_server.app.accounts.require_user(person.mailbox.address).id)
