"""Graph: subscriptions opened for a synced mailbox, notifications that wake it, forged ones refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from instant.models import NotificationChannel
from instant.services.maintenance import instant_maintain
from syncengine.models import Mailbox, Trigger
from tests.support.instant import event, queued_sessions, wait_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _deliveries(graph_server: Any, subscription_id: str) -> list[Any]:
    return [
        d for d in graph_server.app.subscriptions.pusher.delivered() if subscription_id.encode() in d.body
    ]


def test_it_opens_a_subscription_per_synced_stream_after_the_validation_handshake(
    instant: str, synced: Person, graph_server: Any
):
    report = instant_maintain()

    assert report["opened"] == 3
    channels = {c.stream: c for c in NotificationChannel.objects.filter(mailbox=synced.mailbox)}
    assert set(channels) == {"events", "contacts", "tasks"}
    live = {s["id"]: s for s in graph_server.app.subscriptions.list(synced.tenant_id)}
    assert set(live) == {c.channel_id for c in channels.values()}
    assert live[channels["events"].channel_id]["notificationUrl"] == f"{instant}/hooks/graph/"
    # The secret is kept only as a hash: what Graph echoes back is not in our database.
    assert live[channels["events"].channel_id]["clientState"] != channels["events"].secret_hash
    assert instant_maintain()["opened"] == 0  # nothing left to open


def test_it_queues_one_session_when_the_user_changes_an_event(
    instant: str, synced: Person, graph_server: Any
):
    instant_maintain()
    synced.outlook.create_event(**event("Call with Globex"))

    assert wait_for(lambda: queued_sessions(synced.mailbox.pk)) == [Trigger.NOTIFICATION]
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")
    assert channel.notifications >= 1 and channel.last_notified_at is not None


def test_it_queues_one_session_for_a_burst_of_notifications(instant: str, synced: Person, graph_server: Any):
    instant_maintain()
    events = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events").channel_id
    for n in range(4):
        synced.outlook.create_event(**event(f"Burst {n}"))
        time.sleep(0.5)  # apart enough that the sandbox sends separate notifications

    wait_for(lambda: sum(len(json.loads(d.body)["value"]) for d in _deliveries(graph_server, events)) == 4)
    assert len(_deliveries(graph_server, events)) >= 2
    assert all(d.status == 202 for d in _deliveries(graph_server, events))
    assert queued_sessions(synced.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_refuses_a_notification_with_the_wrong_client_state(instant: str, synced: Person):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")
    forged = {
        "value": [
            {
                "subscriptionId": channel.channel_id,
                "clientState": "guessed",
                "changeType": "created",
                "resource": f"Users/{synced.graph_user_id}/Events/x",
            }
        ]
    }

    answer = requests.post(f"{instant}/hooks/graph/", data=json.dumps(forged), timeout=5)

    assert answer.status_code == 403
    assert queued_sessions(synced.mailbox.pk) == []
    assert NotificationChannel.objects.get(pk=channel.pk).notifications == 0


def test_it_answers_the_validation_handshake_with_the_token_as_plain_text(instant: str, db: None):
    answer = requests.post(f"{instant}/hooks/graph/?validationToken=Validation%3A%20abc%20123", timeout=5)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text == "Validation: abc 123"


def test_it_rejects_a_body_that_is_not_a_notification_list(instant: str, db: None):
    answer = requests.post(f"{instant}/hooks/graph/", data=b"{not json", timeout=5)

    assert answer.status_code == 400


def test_it_does_not_wake_a_suspended_mailbox(instant: str, synced: Person, graph_server: Any):
    instant_maintain()
    events = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events").channel_id
    Mailbox.objects.filter(pk=synced.mailbox.pk).update(suspended=True, suspended_reason="test")

    synced.outlook.create_event(**event("While suspended"))

    wait_for(lambda: _deliveries(graph_server, events))
    assert queued_sessions(synced.mailbox.pk) == []


def test_it_renews_a_subscription_before_it_expires(instant: str, synced: Person, graph_server: Any):
    from datetime import timedelta

    from django.utils import timezone

    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")
    NotificationChannel.objects.filter(pk=channel.pk).update(expires_at=timezone.now() + timedelta(hours=1))

    assert instant_maintain()["renewed"] == 1

    renewed = NotificationChannel.objects.get(pk=channel.pk)
    assert renewed.channel_id == channel.channel_id and renewed.renewed_at is not None
    assert renewed.expires_at > timezone.now() + timedelta(days=2)
    [live] = [s for s in graph_server.app.subscriptions.list() if s["id"] == channel.channel_id]
    assert live["expirationDateTime"].startswith(renewed.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_it_reopens_a_subscription_graph_removed(instant: str, synced: Person, graph_server: Any):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")
    graph_server.app.subscriptions.send_lifecycle(channel.channel_id, "subscriptionRemoved")

    # The lifecycle call queues a task; run what it would run.
    from instant.tasks import renew_channel

    wait_for(lambda: _lifecycle_accepted(graph_server))
    renew_channel(channel.pk, "subscriptionRemoved")

    reopened = NotificationChannel.objects.get(pk=channel.pk)
    assert reopened.channel_id != channel.channel_id
    assert reopened.channel_id in {s["id"] for s in graph_server.app.subscriptions.list()}


def _lifecycle_accepted(graph_server: Any) -> bool:
    return any(
        d.url.endswith("/hooks/graph/lifecycle/") and d.status == 202
        for d in graph_server.app.subscriptions.pusher.delivered()
    )


def test_it_syncs_when_graph_says_notifications_were_missed(instant: str, synced: Person, graph_server: Any):
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")

    graph_server.app.subscriptions.send_lifecycle(channel.channel_id, "missed")

    assert wait_for(lambda: queued_sessions(synced.mailbox.pk)) == [Trigger.NOTIFICATION]


def test_it_watches_the_inbox_too_when_the_org_saves_emails(instant: str, synced: Person, graph_server: Any):
    from emails.models import EmailSettings

    EmailSettings.objects.create(organization=synced.organization, enabled=True)
    instant_maintain()
    channel = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="emails")
    assert channel.resource == "me/messages"

    graph_server.app.mail.deliver(
        synced.tenant_id,
        synced.graph_user_id,
        {
            "from": {"address": "ann@acme.example", "name": "Ann"},
            "to": [synced.mailbox.address],
            "subject": "Quote",
        },
    )

    assert wait_for(lambda: queued_sessions(synced.mailbox.pk)) == [Trigger.NOTIFICATION]
    # The sandbox records a delivery once our answer is back, a moment after the session is queued.
    [delivery] = wait_for(lambda: _deliveries(graph_server, channel.channel_id))
    [item] = json.loads(delivery.body)["value"]
    assert item["changeType"] == "created" and "/Messages/" in item["resource"]
