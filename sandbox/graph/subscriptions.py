"""Graph change notifications: ``/v1.0/subscriptions`` and the notifications themselves.

As Graph does: a create first validates the notification URL (and the lifecycle URL) by POSTing
``?validationToken=...`` and expecting the token echoed as text/plain within 10 s, and only then
answers 201. Afterwards every change of a watched item of that user (events, messages, contacts,
To Do tasks) is POSTed as ``{"value": [...]}`` with the subscription's ``clientState``. PATCH
renews, DELETE removes, an expired subscription is dropped and falls silent.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sandbox.base import Request, Response, json_response
from sandbox.graph.errors import GraphError, graph_error_response, graph_headers
from sandbox.push import Pusher, Watcher, post, receiver_allowed

VALIDATION_TIMEOUT = 10.0
# Longest lifetimes Graph allows: Outlook items 10,080 minutes (7 days), To Do tasks 4,230.
MAX_MINUTES = {"events": 10080, "messages": 10080, "contacts": 10080, "tasks": 4230}
CHANGE_TYPES = {"created", "updated", "deleted"}
ODATA_TYPES = {
    "events": ("Events", "#Microsoft.Graph.Event"),
    "messages": ("Messages", "#Microsoft.Graph.Message"),
    "contacts": ("Contacts", "#Microsoft.Graph.Contact"),
    "tasks": ("Tasks", "#microsoft.graph.todoTask"),
}
WHO = r"(?:me|users/(?P<who>[^/]+))"
RESOURCES = [
    (re.compile(rf"^{WHO}(?:/calendar)?/events$", re.I), "events"),
    (re.compile(rf"^{WHO}/messages$", re.I), "messages"),
    (re.compile(rf"^{WHO}/mailFolders(?:/|\(')(?P<scope>[^/']+)(?:'\))?/messages$", re.I), "messages"),
    (re.compile(rf"^{WHO}/contacts$", re.I), "contacts"),
    (re.compile(rf"^{WHO}/contactFolders/(?P<scope>[^/]+)/contacts$", re.I), "contacts"),
    (re.compile(rf"^{WHO}/todo/lists/(?P<scope>[^/]+)/tasks$", re.I), "tasks"),
]
Items = dict[str, tuple[int, bool]]  # item id -> (change counter, deleted)


@dataclass
class Subscription:
    id: str
    tenant_id: str
    user_id: str
    app_id: str
    resource: str
    kind: str
    scope: str  # a folder or list id, "" for the whole mailbox
    change_types: set[str]
    notification_url: str
    lifecycle_url: str
    client_state: str
    expires: datetime
    seen: Items = field(default_factory=dict)
    mailbox_seq: int = 0

    def render(self, base_url: str) -> dict[str, Any]:
        return {
            "@odata.context": f"{base_url}/v1.0/$metadata#subscriptions/$entity",
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.app_id,
            "changeType": ",".join(sorted(self.change_types)),
            "clientState": self.client_state or None,
            "notificationUrl": self.notification_url,
            "lifecycleNotificationUrl": self.lifecycle_url or None,
            "expirationDateTime": _stamp(self.expires),
            "creatorId": self.user_id,
            "includeResourceData": False,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationQueryOptions": None,
            "notificationUrlAppId": None,
        }


class GraphSubscriptions:
    """Installed on a ``GraphSandbox`` by ``install``; ``app`` is that sandbox (typed loosely: no cycle)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.subscriptions: dict[str, Subscription] = {}
        self.pusher = Pusher("graph")
        self.watcher = Watcher("graph", self.scan)

    @classmethod
    def install(cls, app: Any) -> GraphSubscriptions:
        subs = cls(app)
        app.route("POST", r"/v1\.0/subscriptions", subs._create)
        app.route("GET", r"/v1\.0/subscriptions", subs._guarded(subs._list))
        app.route("GET", r"/v1\.0/subscriptions/(?P<sub>[^/]+)", subs._guarded(subs._get))
        app.route("PATCH", r"/v1\.0/subscriptions/(?P<sub>[^/]+)", subs._guarded(subs._renew))
        app.route("DELETE", r"/v1\.0/subscriptions/(?P<sub>[^/]+)", subs._guarded(subs._delete))
        return subs

    # -- Python API for tests and the demo ----------------------------------------------------------
    def list(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.lock:
            return [
                {**s.render(""), "tenantId": s.tenant_id, "userId": s.user_id}
                for s in self.subscriptions.values()
                if tenant_id in (None, s.tenant_id)
            ]

    def send_lifecycle(self, subscription_id: str, event: str) -> None:
        """Graph's lifecycle events: reauthorizationRequired, subscriptionRemoved, missed."""
        with self.app.lock:
            sub = self.subscriptions[subscription_id]
            if event == "subscriptionRemoved":
                del self.subscriptions[subscription_id]
            item = {
                "subscriptionId": sub.id,
                "subscriptionExpirationDateTime": _stamp(sub.expires),
                "tenantId": sub.tenant_id,
                "clientState": sub.client_state or None,
                "lifecycleEvent": event,
            }
        if sub.lifecycle_url:
            self._push(sub.lifecycle_url, [item])

    def forget_all(self) -> None:
        """Drop every subscription at once (tests tidying up a shared sandbox)."""
        with self.app.lock:
            self.subscriptions.clear()

    def expire(self, subscription_id: str) -> None:
        """Let a subscription run out now (as if its expirationDateTime had passed)."""
        with self.app.lock:
            self.subscriptions[subscription_id].expires = datetime.now(UTC) - timedelta(seconds=1)

    # -- routes -------------------------------------------------------------------------------------
    def _guarded(self, handler: Callable[[Request, Any], Response]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.app.lock:
                try:
                    token = self.app._authenticate(request)
                    response = handler(request, token)
                except GraphError as problem:
                    return graph_error_response(request, problem.status, problem.code, problem.message)
            response.headers.update(graph_headers(request))
            return response

        return run

    def _create(self, request: Request) -> Response:
        try:
            with self.app.lock:
                token = self.app._authenticate(request)
                sub = self._parse(request, token)
            # The handshake runs outside the lock: the receiver may take its time (up to 10 s).
            for url in filter(None, (sub.notification_url, sub.lifecycle_url)):
                _validate_endpoint(url)
            with self.app.lock:
                sub.mailbox_seq, sub.seen = self._snapshot(sub)
                self.subscriptions[sub.id] = sub
        except GraphError as problem:
            return graph_error_response(request, problem.status, problem.code, problem.message)
        self.watcher.ensure_running()
        return json_response(201, sub.render(request.base_url), graph_headers(request))

    def _parse(self, request: Request, token: Any) -> Subscription:
        body = request.json()
        if not isinstance(body, dict):
            raise GraphError(400, "InvalidRequest", "The request body must be a subscription object.")
        missing = [
            k for k in ("changeType", "notificationUrl", "resource", "expirationDateTime") if not body.get(k)
        ]
        if missing:
            raise GraphError(400, "InvalidRequest", f"Required property '{missing[0]}' is missing.")
        change_types = {c.strip() for c in str(body["changeType"]).split(",")}
        if not change_types <= CHANGE_TYPES:
            raise GraphError(400, "InvalidRequest", f"Unsupported changeType '{body['changeType']}'.")
        for key in ("notificationUrl", "lifecycleNotificationUrl"):
            if body.get(key) and not receiver_allowed(str(body[key])):
                raise GraphError(400, "InvalidRequest", f"The {key} must be an https URL.")
        if len(str(body.get("clientState") or "")) > 128:
            raise GraphError(400, "InvalidRequest", "clientState must be at most 128 characters.")
        resource = str(body["resource"]).strip("/")
        kind, scope, user_id = self._resource(resource, token)
        expires = _expiry(body["expirationDateTime"], kind)
        return Subscription(
            id=str(uuid.uuid4()),
            tenant_id=token.tenant_id,
            user_id=user_id,
            app_id=token.client_id,
            resource=resource,
            kind=kind,
            scope=scope,
            change_types=change_types,
            notification_url=str(body["notificationUrl"]),
            lifecycle_url=str(body.get("lifecycleNotificationUrl") or ""),
            client_state=str(body.get("clientState") or ""),
            expires=expires,
        )

    def _resource(self, resource: str, token: Any) -> tuple[str, str, str]:
        for pattern, kind in RESOURCES:
            match = pattern.match(resource)
            if match is None:
                continue
            who = match.group("who")
            tenant = self.app.directory.tenants[token.tenant_id]
            if who is None:
                if token.user_id is None:
                    raise GraphError(
                        400, "BadRequest", "/me request is only valid with delegated authentication flow."
                    )
                return kind, match.groupdict().get("scope") or "", token.user_id
            user = tenant.find_user(who)
            if user is None:
                raise GraphError(404, "ErrorInvalidUser", f"The requested user '{who}' is invalid.")
            if token.user_id is not None and token.user_id != user.id:
                raise GraphError(
                    403, "ExtensionError", "Operation: Create; Exception: [Status Code: Forbidden]"
                )
            return kind, match.groupdict().get("scope") or "", user.id
        raise GraphError(400, "InvalidRequest", f"Resource '{resource}' is not supported for subscriptions.")

    def _own(self, request: Request, token: Any) -> Subscription:
        sub = self.subscriptions.get(request.params["sub"])
        if sub is None or sub.tenant_id != token.tenant_id or sub.expires <= datetime.now(UTC):
            raise GraphError(404, "ResourceNotFound", "The object was not found.")
        return sub

    def _list(self, request: Request, token: Any) -> Response:
        mine = [
            s.render(request.base_url) for s in self.subscriptions.values() if s.tenant_id == token.tenant_id
        ]
        return json_response(
            200, {"@odata.context": f"{request.base_url}/v1.0/$metadata#subscriptions", "value": mine}
        )

    def _get(self, request: Request, token: Any) -> Response:
        return json_response(200, self._own(request, token).render(request.base_url))

    def _renew(self, request: Request, token: Any) -> Response:
        sub = self._own(request, token)
        body = request.json() or {}
        if not isinstance(body, dict) or not body.get("expirationDateTime"):
            raise GraphError(400, "InvalidRequest", "Required property 'expirationDateTime' is missing.")
        sub.expires = _expiry(body["expirationDateTime"], sub.kind)
        return json_response(200, sub.render(request.base_url))

    def _delete(self, request: Request, token: Any) -> Response:
        del self.subscriptions[self._own(request, token).id]
        return json_response(204, None)

    # -- change detection ---------------------------------------------------------------------------
    def scan(self) -> None:
        """Drop expired subscriptions; notify the others of what changed since the last look."""
        outgoing: list[tuple[str, list[dict[str, Any]]]] = []
        with self.app.lock:
            now = datetime.now(UTC)
            for sub in list(self.subscriptions.values()):
                if sub.expires <= now:
                    del self.subscriptions[sub.id]
                    continue
                items = self._changes(sub)
                if items:
                    outgoing.append((sub.notification_url, items))
        for url, items in outgoing:
            self._push(url, items)

    def _changes(self, sub: Subscription) -> list[dict[str, Any]]:
        if self._mailbox(sub).seq == sub.mailbox_seq:  # nothing of this user changed: skip the walk
            return []
        seq, current = self._snapshot(sub)
        changes: list[tuple[str, str]] = []
        for item_id, (item_seq, deleted) in current.items():
            before = sub.seen.get(item_id)
            if before is None and not deleted:
                changes.append(("created", item_id))
            elif before is not None and item_seq > before[0] and not before[1]:
                changes.append(("deleted" if deleted else "updated", item_id))
        changes += [("deleted", i) for i, (_, gone) in sub.seen.items() if i not in current and not gone]
        sub.mailbox_seq, sub.seen = seq, current
        segment, odata_type = ODATA_TYPES[sub.kind]
        out = []
        for change_type, item_id in changes:
            if change_type not in sub.change_types:
                continue
            path = f"Users/{sub.user_id}/{segment}/{item_id}"
            out.append(
                {
                    "subscriptionId": sub.id,
                    "subscriptionExpirationDateTime": _stamp(sub.expires),
                    "changeType": change_type,
                    "resource": path,
                    "resourceData": {"@odata.type": odata_type, "@odata.id": path, "id": item_id},
                    "clientState": sub.client_state or None,
                    "tenantId": sub.tenant_id,
                }
            )
        return out

    def _snapshot(self, sub: Subscription) -> tuple[int, Items]:
        """The mailbox's change counter and the watched items' (counter, deleted), read under the lock."""
        mailbox = self._mailbox(sub)
        if sub.kind == "events":
            return mailbox.seq, {
                e.id: (max([e.seq, *(x.seq for x in e.exceptions.values())]), e.deleted)
                for e in mailbox.events.values()
            }
        if sub.kind == "contacts":
            book = self.app.contact_store.book(mailbox)
            found = book.contacts.values()
        elif sub.kind == "tasks":
            box = self.app.todo_store.box(mailbox)
            lists = [box.lists[sub.scope]] if sub.scope in box.lists else list(box.lists.values())
            return mailbox.seq, {
                t.id: (t.seq, t.deleted) for task_list in lists for t in task_list.tasks.values()
            }
        else:
            found = self.app.mail_store.account(mailbox).messages.values()
        return mailbox.seq, {
            i.id: (i.seq, i.deleted) for i in found if not sub.scope or i.folder_id == sub.scope
        }

    def _mailbox(self, sub: Subscription) -> Any:
        return self.app._mailbox_of(self.app.directory.tenants[sub.tenant_id], sub.user_id)

    def _push(self, url: str, items: list[dict[str, Any]]) -> None:
        self.pusher.send(url, json.dumps({"value": items}).encode(), {"Content-Type": "application/json"})


def _validate_endpoint(url: str) -> None:
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        + secrets.token_hex(8)
    )
    joiner = "&" if "?" in url else "?"
    status, body = post(
        f"{url}{joiner}validationToken={quote(token)}",
        b"",
        {"Content-Type": "text/plain"},
        VALIDATION_TIMEOUT,
    )
    if status != 200 or body.decode("utf-8", "replace") != token:
        raise GraphError(
            400,
            "ValidationError",
            "Subscription validation request failed. Notification endpoint must respond with 200 OK "
            "to validation request.",
        )


def _expiry(value: Any, kind: str) -> datetime:
    try:
        expires = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphError(400, "InvalidRequest", f"Invalid expirationDateTime '{value}'.") from error
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if expires <= now:
        raise GraphError(400, "InvalidRequest", "Subscription expiration can only be in the future.")
    if expires > now + timedelta(minutes=MAX_MINUTES[kind]):
        raise GraphError(
            400,
            "InvalidRequest",
            f"Subscription expiration can only be {MAX_MINUTES[kind]} minutes in the future.",
        )
    return expires


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
