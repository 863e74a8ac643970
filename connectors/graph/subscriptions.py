"""Graph change-notification subscriptions for one mailbox, through an existing ``GraphConnector``.

Create (Graph validates ``notificationUrl`` before it answers), renew by PATCHing
``expirationDateTime``, delete. Errors are the connector's ``ConnectorError``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import ConnectorError
from connectors.graph.connector import GraphConnector

CHANGE_TYPES = "created,updated,deleted"


@dataclass(frozen=True)
class Subscription:
    id: str
    resource: str
    expires_at: datetime


def subscription_resource(connector: GraphConnector, *, stream: str) -> str:
    """What to watch for a stream: the same folder or list the engine syncs (looked up or made).

    Under the same root the connector reads: ``me`` (delegated) or ``users/{id}`` (app-only mode)."""
    who = connector.client.mailbox.strip("/")
    if stream == "events":
        return f"{who}/events"
    if stream == "emails":
        return f"{who}/messages"
    if stream == "contacts":
        return f"{who}/contactFolders/{connector.streams.container('contacts')}/contacts"
    if stream == "tasks":
        return f"{who}/todo/lists/{connector.streams.container('tasks')}/tasks"
    raise ValueError(f"no Graph subscription resource for stream {stream!r}")


def subscription_create(
    connector: GraphConnector,
    *,
    resource: str,
    notification_url: str,
    lifecycle_url: str,
    client_state: str,
    expires_at: datetime,
) -> Subscription:
    body = {
        "changeType": CHANGE_TYPES,
        "notificationUrl": notification_url,
        "lifecycleNotificationUrl": lifecycle_url,
        "resource": resource,
        "expirationDateTime": _stamp(expires_at),
        "clientState": client_state,
    }
    made = connector.client.call(
        "create subscription", "POST", connector.client.url("/subscriptions"), json=body
    ).json()
    return Subscription(str(made["id"]), str(made["resource"]), _parse(made["expirationDateTime"]))


def subscription_renew(connector: GraphConnector, *, subscription_id: str, expires_at: datetime) -> datetime:
    url = connector.client.url(f"/subscriptions/{subscription_id}")
    renewed = connector.client.call(
        "renew subscription", "PATCH", url, json={"expirationDateTime": _stamp(expires_at)}
    ).json()
    return _parse(renewed["expirationDateTime"])


def subscription_delete(connector: GraphConnector, *, subscription_id: str) -> None:
    """Delete; one already gone (expired, removed by Graph) is no error."""
    try:
        connector.client.call(
            "delete subscription", "DELETE", connector.client.url(f"/subscriptions/{subscription_id}")
        )
    except ConnectorError as error:
        if error.status != 404:
            raise


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime:
    # Graph writes seven fractional digits ("...00.0000000Z"), more than fromisoformat takes.
    head, _, fraction = value.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + (f".{fraction[:6]}" if fraction else "")).replace(tzinfo=UTC)
