"""Calendar push notifications: ``events.watch`` channels and ``channels.stop``.

As Google does: a watch answers with the channel (its opaque ``resourceId``, expiration in epoch
milliseconds), then sends a ``sync`` message; each later change of the user's events sends an
``exists`` message. Messages carry headers only (X-Goog-Channel-ID, -Token, -Expiration,
X-Goog-Resource-ID, -URI, -State, X-Goog-Message-Number) and never say what changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, google_error, json_body
from sandbox.push import Pusher, Watcher, receiver_allowed

DEFAULT_TTL = timedelta(days=7)
MAX_TTL = timedelta(days=30)
UserHandler = Callable[[Request, User], Response]


@dataclass
class Channel:
    id: str
    resource_id: str
    user_id: str
    calendar: str
    address: str
    token: str
    expires: datetime
    resource_uri: str
    seq: int  # the newest change of the user's events already announced
    messages: int = 0


class CalendarWatch:
    """Installed on a ``GoogleSandbox`` by ``install``; ``app`` is that sandbox (typed loosely: no cycle)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.channels: dict[str, Channel] = {}
        self.pusher = Pusher("google")
        self.watcher = Watcher("google", self.scan)

    @classmethod
    def install(
        cls, app: Any, authed: Callable[[str, UserHandler], Callable[[Request], Response]]
    ) -> CalendarWatch:
        watch = cls(app)
        app.route(
            "POST",
            r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events/watch",
            authed("calendar", watch._watch),
        )
        app.route("POST", r"/calendar/v3/channels/stop", authed("calendar", watch._stop))
        return watch

    # -- Python API ---------------------------------------------------------------------------------
    def list(self) -> list[dict[str, Any]]:
        with self.app.lock:
            return [
                {"id": c.id, "resourceId": c.resource_id, "token": c.token, "address": c.address,
                 "expiration": _millis(c.expires), "user_id": c.user_id}
                for c in self.channels.values()
            ]  # fmt: skip

    def forget_all(self) -> None:
        """Drop every channel at once (tests tidying up a shared sandbox)."""
        with self.app.lock:
            self.channels.clear()

    # -- routes -------------------------------------------------------------------------------------
    def _watch(self, request: Request, user: User) -> Response:
        calendar = request.params["calendar"]
        if calendar not in ("primary", user.email):
            raise google_error(404, "Not Found", "notFound")
        body = json_body(request)
        channel_id = str(body.get("id") or "")
        address = str(body.get("address") or "")
        if not channel_id:
            raise bad_request("Required channel id.")
        if str(body.get("type", "")).lower() not in ("web_hook", "webhook"):
            raise bad_request(f"Invalid channel type: {body.get('type')!r}.")
        if not receiver_allowed(address):
            raise bad_request(f"WebHook callback must be HTTPS: {address}")
        if channel_id in self.channels:
            raise google_error(400, f"Channel id {channel_id} not unique", "channelIdNotUnique")
        ttl = DEFAULT_TTL
        if (body.get("params") or {}).get("ttl"):
            try:
                ttl = timedelta(seconds=int(body["params"]["ttl"]))
            except (TypeError, ValueError) as error:
                raise bad_request("Invalid ttl.") from error
        expires = datetime.now(UTC) + min(ttl, MAX_TTL)
        channel = Channel(
            id=channel_id,
            resource_id=secrets.token_urlsafe(20),
            user_id=user.id,
            calendar=calendar,
            address=address,
            token=str(body.get("token") or ""),
            expires=expires,
            resource_uri=f"{request.base_url}/calendar/v3/calendars/{calendar}/events?alt=json",
            seq=self._newest(user.id),
        )
        self.channels[channel.id] = channel
        self._notify(channel, "sync")
        self.watcher.ensure_running()
        return json_response(
            200,
            {
                "kind": "api#channel",
                "id": channel.id,
                "resourceId": channel.resource_id,
                "resourceUri": channel.resource_uri,
                "token": channel.token or None,
                "expiration": _millis(channel.expires),
            },
        )

    def _stop(self, request: Request, user: User) -> Response:
        body = json_body(request)
        channel = self.channels.get(str(body.get("id") or ""))
        if channel is None or channel.resource_id != body.get("resourceId") or channel.user_id != user.id:
            raise google_error(404, f"Channel '{body.get('id')}' not found for project", "notFound")
        del self.channels[channel.id]
        return json_response(204, None)

    # -- change detection ---------------------------------------------------------------------------
    def scan(self) -> None:
        with self.app.lock:
            now = datetime.now(UTC)
            for channel in list(self.channels.values()):
                if channel.expires <= now:
                    del self.channels[channel.id]
                    continue
                newest = self._newest(channel.user_id)
                if newest > channel.seq:
                    channel.seq = newest
                    self._notify(channel, "exists")

    def _newest(self, user_id: str) -> int:
        return max((e.seq for e in self.app.calendar_store.events.values() if e.owner == user_id), default=0)

    def _notify(self, channel: Channel, state: str) -> None:
        channel.messages += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": format_datetime(channel.expires, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.messages),
            "Content-Length": "0",
        }
        if channel.token:
            headers["X-Goog-Channel-Token"] = channel.token
        self.pusher.send(channel.address, b"", headers)


def _millis(instant: datetime) -> str:
    return str(int(instant.timestamp() * 1000))
