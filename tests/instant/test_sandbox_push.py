"""The sandboxes behave like the providers: Graph validates the receiver, reports each kind of change,
refuses lifetimes beyond its limits and falls silent when a subscription expires or is deleted."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.graph import subscriptions as graph_subs
from instant.models import NotificationChannel
from instant.services.maintenance import instant_maintain
from syncengine.services.connectors import mail_connector_for
from tests.support.instant import wait_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _bodies(graph_server: Any, subscription_id: str) -> list[dict[str, Any]]:
    return [
        item
        for d in graph_server.app.subscriptions.pusher.delivered()
        if subscription_id.encode() in d.body
        for item in json.loads(d.body)["value"]
    ]


def subscribe(
    connector: Any, resource: str, notification_url: str, lasting: timedelta = timedelta(hours=1)
) -> Any:
    """A Graph subscription asked for as the engine does (no lifecycle URL, client state "s")."""
    return graph_subs.subscription_create(
        connector,
        resource=resource,
        notification_url=notification_url,
        lifecycle_url="",
        client_state="s",
        expires_at=timezone.now() + lasting,
    )


def test_it_refuses_a_subscription_whose_receiver_fails_the_handshake(instant: str, person: Person):
    connector = mail_connector_for(person.mailbox)

    with pytest.raises(ConnectorError) as refused:
        subscribe(connector, "me/events", f"{instant}/hooks/google/")  # answers 400, never echoes the token

    assert refused.value.status == 400 and "validation" in str(refused.value).lower()


def test_it_refuses_a_lifetime_beyond_graphs_limit(instant: str, person: Person):
    connector = mail_connector_for(person.mailbox)

    with pytest.raises(ConnectorError) as refused:
        subscribe(connector, "me/todo/lists/x/tasks", f"{instant}/hooks/graph/", timedelta(minutes=4231))

    assert refused.value.status == 400


def test_it_reports_contact_and_task_changes_with_their_change_type(
    instant: str, synced: Person, graph_server: Any
):
    instant_maintain()
    contacts = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="contacts")
    tasks = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="tasks")
    folder = contacts.resource.split("/")[2]
    task_list = tasks.resource.split("/")[3]

    made = synced.outlook.call("POST", f"/me/contactFolders/{folder}/contacts", {"givenName": "Ada"})
    wait_for(lambda: _bodies(graph_server, contacts.channel_id))
    synced.outlook.call("PATCH", f"/me/contacts/{made['id']}", {"surname": "Lovelace"})
    wait_for(lambda: len(_bodies(graph_server, contacts.channel_id)) >= 2)
    synced.outlook.call("DELETE", f"/me/contacts/{made['id']}")
    wait_for(lambda: len(_bodies(graph_server, contacts.channel_id)) >= 3)
    synced.outlook.call("POST", f"/me/todo/lists/{task_list}/tasks", {"title": "Send quote"})
    wait_for(lambda: _bodies(graph_server, tasks.channel_id))

    assert [i["changeType"] for i in _bodies(graph_server, contacts.channel_id)] == [
        "created",
        "updated",
        "deleted",
    ]
    [task] = _bodies(graph_server, tasks.channel_id)
    assert task["resource"].startswith(f"Users/{synced.graph_user_id}/Tasks/")
    assert task["resourceData"]["@odata.type"] == "#microsoft.graph.todoTask"


def test_it_falls_silent_once_a_subscription_expires_or_is_deleted(
    instant: str, synced: Person, graph_server: Any
):
    instant_maintain()
    events = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="events")
    contacts = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="contacts")
    graph_server.app.subscriptions.expire(events.channel_id)
    connector = mail_connector_for(synced.mailbox)
    graph_subs.subscription_delete(connector, subscription_id=contacts.channel_id)
    graph_subs.subscription_delete(connector, subscription_id=contacts.channel_id)  # gone already: fine

    synced.outlook.create_event(
        subject="Unheard",
        start={"dateTime": "2026-12-01T10:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-12-01T11:00:00", "timeZone": "UTC"},
    )
    folder = contacts.resource.split("/")[2]
    synced.outlook.call("POST", f"/me/contactFolders/{folder}/contacts", {"givenName": "Unheard"})
    # A change on a live subscription, made last, proves the sandbox has looked since.
    tasks = NotificationChannel.objects.get(mailbox=synced.mailbox, stream="tasks")
    synced.outlook.call("POST", f"/me/todo/lists/{tasks.resource.split('/')[3]}/tasks", {"title": "Heard"})
    wait_for(lambda: _bodies(graph_server, tasks.channel_id))

    assert _bodies(graph_server, events.channel_id) == []
    assert _bodies(graph_server, contacts.channel_id) == []
    with pytest.raises(ConnectorError) as gone:
        graph_subs.subscription_renew(
            connector, subscription_id=events.channel_id, expires_at=timezone.now() + timedelta(hours=1)
        )
    assert gone.value.status == 404


def test_it_subscribes_under_users_paths_in_app_only_mode(instant: str, person: Person, graph_server: Any):
    from connectors.graph.connector import GraphConnector
    from tests.support.people import GRAPH_CLIENT_ID

    graph = graph_server.app
    graph.authority.require_admin_consent(person.tenant_id)
    graph.authority.grant_admin_consent(person.tenant_id, GRAPH_CLIENT_ID)
    base = mail_connector_for(person.mailbox)
    account = {"tenant_id": person.tenant_id, "user_id": person.graph_user_id, "mode": "app"}
    connector = GraphConnector(base.config, account, {}, sleep=lambda seconds: None)

    resource = graph_subs.subscription_resource(connector, stream="events")
    sub = subscribe(connector, resource, f"{instant}/hooks/graph/")
    person.outlook.create_event(
        subject="Seen by the app",
        start={"dateTime": "2026-12-01T10:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-12-01T11:00:00", "timeZone": "UTC"},
    )

    assert resource == f"users/{person.graph_user_id}/events"
    [item] = wait_for(lambda: _bodies(graph_server, sub.id))
    assert item["resource"].startswith(f"Users/{person.graph_user_id}/Events/")
