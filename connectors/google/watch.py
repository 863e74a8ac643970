"""Google Calendar push channels for one account, through an existing ``GoogleConnector``.

``events.watch`` opens a channel (Google cannot renew one: open a new one, then stop the old);
``channels.stop`` closes it. Errors are the connector's ``ConnectorError``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import ConnectorError
from connectors.google.connector import GoogleConnector


@dataclass(frozen=True)
class Channel:
    id: str
    resource_id: str
    expires_at: datetime


def channel_watch(
    connector: GoogleConnector,
    *,
    channel_id: str,
    address: str,
    token: str,
    ttl_seconds: int,
    calendar_id: str = "primary",
) -> Channel:
    body = {
        "id": channel_id,
        "type": "web_hook",
        "address": address,
        "token": token,
        "params": {"ttl": str(ttl_seconds)},
    }
    events = connector.client.service("calendar").events()
    made = connector.client.call("watch calendar", lambda: events.watch(calendarId=calendar_id, body=body))
    expires = datetime.fromtimestamp(int(made["expiration"]) / 1000, UTC)
    return Channel(str(made["id"]), str(made["resourceId"]), expires)


def channel_stop(connector: GoogleConnector, *, channel_id: str, resource_id: str) -> None:
    """Stop; a channel already gone (expired) is no error."""
    channels = connector.client.service("calendar").channels()
    try:
        connector.client.call(
            "stop channel", lambda: channels.stop(body={"id": channel_id, "resourceId": resource_id})
        )
    except ConnectorError as error:
        if error.status != 404:
            raise
