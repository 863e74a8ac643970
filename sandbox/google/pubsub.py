"""Cloud Pub/Sub v1 (REST), as ``https://pubsub.googleapis.com/v1/`` serves it: enough for Gmail push.

Projects, topics (create, get, publish, IAM policy), subscriptions (create, get, delete, pull,
acknowledge, modifyAckDeadline). Callers are Cloud IAM members: a project's service accounts are its
owners; anyone else is refused (403) even with the pubsub scope, and a token without it answers 403
insufficient scopes. A pull answers at once when messages wait, otherwise it long-polls (on a
condition of the app's lock) up to the subscription's wait, then answers ``{}``. A message not acked
within its ack deadline is delivered again with a new ack id; messages are kept 7 days.

Sandbox-only: a subscription's ack deadline may be under Google's 10 s minimum, and its long-poll
wait is set per subscription (both through ``create_gmail_push``), so tests stay fast.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.base import HttpError, Request, Response, json_response
from sandbox.google.errors import json_body

GMAIL_PUSH = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
PUBLISHER = "roles/pubsub.publisher"
OWNER = "roles/owner"
DEFAULT_ACK_SECONDS = 10.0
RETENTION_SECONDS = 7 * 86400
PULL_WAIT_SECONDS = 3.0  # Google holds an empty pull a while; this is the sandbox's while
NAME = re.compile(r"[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}")
PROJECT = r"/v1/projects/(?P<project>[^/]+)"
MemberHandler = Callable[[Request, str], Response]


def pubsub_error(status: int, message: str, rpc_status: str) -> HttpError:
    """Pub/Sub's error body: code, message and status, without Gmail's ``errors`` list."""
    return HttpError(
        json_response(status, {"error": {"code": status, "message": message, "status": rpc_status}})
    )


def not_found(name: str) -> HttpError:
    return pubsub_error(404, f"Resource not found (resource={name}).", "NOT_FOUND")


def denied() -> HttpError:
    return pubsub_error(403, "User not authorized to perform this action.", "PERMISSION_DENIED")


def invalid(message: str) -> HttpError:
    return pubsub_error(400, message, "INVALID_ARGUMENT")


@dataclass
class Project:
    id: str
    members: dict[str, str] = field(default_factory=dict)  # IAM member -> role


@dataclass
class Topic:
    name: str  # projects/{p}/topics/{t}
    project: str
    bindings: list[dict[str, Any]] = field(default_factory=list)
    etag: int = 0

    def grants(self, member: str, role: str) -> bool:
        return any(b.get("role") == role and member in (b.get("members") or []) for b in self.bindings)


@dataclass
class Delivery:
    """One message as one subscription holds it: ack id and deadline of its latest delivery."""

    message_id: str
    data: bytes
    attributes: dict[str, str]
    published: float  # epoch seconds
    ack_id: str = ""
    deadline: float = 0.0
    attempts: int = 0


@dataclass
class Subscription:
    name: str
    topic: str
    ack_seconds: float
    pull_wait: float = PULL_WAIT_SECONDS
    messages: list[Delivery] = field(default_factory=list)

    def render(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "topic": self.topic,
            "pushConfig": {},
            "ackDeadlineSeconds": max(1, round(self.ack_seconds)),
            "messageRetentionDuration": f"{RETENTION_SECONDS}s",
            "expirationPolicy": {"ttl": "2678400s"},
            "state": "ACTIVE",
        }


class PubSub:
    """Installed on a ``GoogleSandbox``; ``app`` is that sandbox (typed loosely: no import cycle)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.projects: dict[str, Project] = {}
        self.topics: dict[str, Topic] = {}
        self.subscriptions: dict[str, Subscription] = {}
        # Shares the app's lock: a waiting pull lets every other request run, and wakes on a publish.
        self.changed = threading.Condition(app.lock)
        self._message_ids = itertools.count(int(time.time()) * 1000)

    @classmethod
    def install(cls, app: Any, authed: Callable[[MemberHandler], Callable[[Request], Response]]) -> PubSub:
        pubsub = cls(app)
        topic = PROJECT + r"/topics/(?P<topic>[^/:]+)"
        sub = PROJECT + r"/subscriptions/(?P<sub>[^/:]+)"
        app.route("PUT", topic, authed(pubsub._create_topic))
        app.route("GET", topic, authed(pubsub._get_topic))
        app.route("POST", topic + r":publish", authed(pubsub._publish))
        app.route("POST", topic + r":setIamPolicy", authed(pubsub._set_policy))
        app.route("GET", topic + r":getIamPolicy", authed(pubsub._get_policy))
        app.route("PUT", sub, authed(pubsub._create_subscription))
        app.route("GET", sub, authed(pubsub._get_subscription))
        app.route("DELETE", sub, authed(pubsub._delete_subscription))
        app.route("POST", sub + r":pull", authed(pubsub._pull))
        app.route("POST", sub + r":acknowledge", authed(pubsub._acknowledge))
        app.route("POST", sub + r":modifyAckDeadline", authed(pubsub._modify_deadline))
        return pubsub

    # -- Python API (the caller holds the app's lock) -----------------------------------------------
    def add_owner(self, project_id: str, member: str) -> None:
        self.projects.setdefault(project_id, Project(project_id)).members[member] = OWNER

    def create_topic(self, name: str) -> Topic:
        project, _, topic_id = self._split(name, "topics")
        if name in self.topics:
            raise pubsub_error(
                409, f"Resource already exists in the project (resource={topic_id}).", "ALREADY_EXISTS"
            )
        self.topics[name] = Topic(name, project)
        return self.topics[name]

    def create_subscription(
        self, name: str, topic: str, ack_seconds: float = DEFAULT_ACK_SECONDS, pull_wait: float | None = None
    ) -> Subscription:
        _, _, sub_id = self._split(name, "subscriptions")
        if topic not in self.topics:
            raise not_found(topic.rpartition("/")[2])
        if name in self.subscriptions:
            raise pubsub_error(
                409, f"Resource already exists in the project (resource={sub_id}).", "ALREADY_EXISTS"
            )
        wait = PULL_WAIT_SECONDS if pull_wait is None else pull_wait
        self.subscriptions[name] = Subscription(name, topic, ack_seconds, wait)
        return self.subscriptions[name]

    def grant(self, topic: str, member: str, role: str = PUBLISHER) -> None:
        found = self.topics[topic]
        found.bindings.append({"role": role, "members": [member]})
        found.etag += 1

    def publish(self, topic: str, data: bytes, attributes: dict[str, str] | None = None) -> str:
        """Hand one message to every subscription of ``topic`` now; its message id."""
        message_id = str(next(self._message_ids))
        now = time.time()
        for sub in self.subscriptions.values():
            if sub.topic == topic:
                sub.messages.append(Delivery(message_id, data, dict(attributes or {}), now))
        self.changed.notify_all()
        return message_id

    def drop(self, subscription: str) -> int:
        """Forget every message the subscription holds (a lost window); how many there were."""
        sub = self.subscriptions[subscription]
        count = len(sub.messages)
        sub.messages.clear()
        return count

    # -- access --------------------------------------------------------------------------------------
    @staticmethod
    def _split(name: str, kind: str) -> tuple[str, str, str]:
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "projects" or parts[2] != kind or not NAME.fullmatch(parts[3]):
            raise invalid(f"Invalid [{kind}] name: (name={name})")
        if parts[3].startswith("goog"):
            raise invalid(f"Invalid [{kind}] name: (name={name})")
        return parts[1], kind, parts[3]

    def _owner(self, project_id: str, member: str) -> None:
        project = self.projects.get(project_id)
        if project is None or project.members.get(member) != OWNER:
            raise denied()

    def _topic(self, request: Request, member: str) -> Topic:
        self._owner(request.params["project"], member)
        name = f"projects/{request.params['project']}/topics/{request.params['topic']}"
        if name not in self.topics:
            raise not_found(request.params["topic"])
        return self.topics[name]

    def _subscription(self, request: Request, member: str) -> Subscription:
        self._owner(request.params["project"], member)
        name = f"projects/{request.params['project']}/subscriptions/{request.params['sub']}"
        if name not in self.subscriptions:
            raise not_found(request.params["sub"])
        return self.subscriptions[name]

    # -- topics --------------------------------------------------------------------------------------
    def _create_topic(self, request: Request, member: str) -> Response:
        self._owner(request.params["project"], member)
        json_body(request)
        topic = self.create_topic(f"projects/{request.params['project']}/topics/{request.params['topic']}")
        return json_response(200, {"name": topic.name})

    def _get_topic(self, request: Request, member: str) -> Response:
        return json_response(200, {"name": self._topic(request, member).name})

    def _publish(self, request: Request, member: str) -> Response:
        project = request.params["project"]
        name = f"projects/{project}/topics/{request.params['topic']}"
        topic = self.topics.get(name)
        owner = self.projects.get(project) is not None and self.projects[project].members.get(member) == OWNER
        if not owner and (topic is None or not topic.grants(member, PUBLISHER)):
            raise denied()
        if topic is None:
            raise not_found(request.params["topic"])
        messages = json_body(request).get("messages") or []
        if not isinstance(messages, list) or not messages:
            raise invalid("The request contains no messages.")
        decoded: list[tuple[bytes, dict[str, str]]] = []
        for n, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("attributes") or {}, dict):
                raise invalid(f"Invalid value at 'messages[{n}]': expected a PubsubMessage.")
            try:
                data = base64.b64decode(str(message.get("data") or ""), validate=True)
            except binascii.Error:
                raise invalid(
                    f"Invalid value at 'messages[{n}].data' (TYPE_BYTES), Base64 decoding failed."
                ) from None
            attributes = message.get("attributes") or {}
            if not data and not attributes:
                raise invalid("Some messages are empty: each must have data or attributes.")
            decoded.append((data, {str(k): str(v) for k, v in attributes.items()}))
        ids = [self.publish(topic.name, data, attributes) for data, attributes in decoded]
        return json_response(200, {"messageIds": ids})

    def _policy(self, topic: Topic) -> dict[str, Any]:
        etag = base64.b64encode(topic.etag.to_bytes(8, "big")).decode("ascii")
        return {"version": 1, "etag": etag, **({"bindings": topic.bindings} if topic.bindings else {})}

    def _get_policy(self, request: Request, member: str) -> Response:
        return json_response(200, self._policy(self._topic(request, member)))

    def _set_policy(self, request: Request, member: str) -> Response:
        topic = self._topic(request, member)
        policy = json_body(request).get("policy")
        if not isinstance(policy, dict):
            raise invalid("Request contains an invalid argument.")
        if policy.get("etag") and policy["etag"] != self._policy(topic)["etag"]:
            raise pubsub_error(
                409,
                "There were concurrent policy changes. "
                "Please retry the whole read-modify-write with exponential backoff.",
                "ABORTED",
            )
        bindings = policy.get("bindings") or []
        for binding in bindings:
            if not isinstance(binding, dict) or not str(binding.get("role", "")).startswith("roles/"):
                raise invalid("Request contains an invalid argument.")
        topic.bindings = [{"role": b["role"], "members": list(b.get("members") or [])} for b in bindings]
        topic.etag += 1
        return json_response(200, self._policy(topic))

    # -- subscriptions -------------------------------------------------------------------------------
    def _create_subscription(self, request: Request, member: str) -> Response:
        self._owner(request.params["project"], member)
        body = json_body(request)
        topic = str(body.get("topic") or "")
        if not topic:
            raise invalid("Request contains an invalid argument.")
        self._split(topic, "topics")
        seconds = body.get("ackDeadlineSeconds") or DEFAULT_ACK_SECONDS
        if not isinstance(seconds, int | float) or not 10 <= seconds <= 600:
            raise invalid(
                f"Invalid ack deadline given: {seconds}. The ack deadline must be between 10 and 600 seconds."
            )
        name = f"projects/{request.params['project']}/subscriptions/{request.params['sub']}"
        return json_response(200, self.create_subscription(name, topic, float(seconds)).render())

    def _get_subscription(self, request: Request, member: str) -> Response:
        return json_response(200, self._subscription(request, member).render())

    def _delete_subscription(self, request: Request, member: str) -> Response:
        sub = self._subscription(request, member)
        del self.subscriptions[sub.name]
        self.changed.notify_all()
        return json_response(200, {})

    def _pull(self, request: Request, member: str) -> Response:
        sub = self._subscription(request, member)
        body = json_body(request)
        wanted = body.get("maxMessages")
        if isinstance(wanted, str) and wanted.isdigit():  # proto3 JSON takes an int32 as a string too
            wanted = int(wanted)
        if not isinstance(wanted, int) or wanted <= 0:
            raise invalid("Invalid max_messages: must be greater than 0.")
        give_up = time.time() + (0.0 if body.get("returnImmediately") else sub.pull_wait)
        while True:
            if self.subscriptions.get(sub.name) is not sub:
                raise not_found(request.params["sub"])
            now = time.time()
            sub.messages = [m for m in sub.messages if m.published > now - RETENTION_SECONDS]
            ready = [m for m in sub.messages if not m.ack_id or m.deadline <= now][:wanted]
            if ready:
                return json_response(200, {"receivedMessages": [self._deliver(sub, m, now) for m in ready]})
            waits = [give_up - now, *(m.deadline - now for m in sub.messages if m.ack_id)]
            if give_up <= now:
                return json_response(200, {})
            self.changed.wait(max(0.01, min(waits)))

    @staticmethod
    def _deliver(sub: Subscription, message: Delivery, now: float) -> dict[str, Any]:
        message.ack_id = secrets.token_urlsafe(24)  # a redelivery's ack id is new; the old one is void
        message.deadline = now + sub.ack_seconds
        message.attempts += 1
        published = datetime.fromtimestamp(message.published, UTC)
        body: dict[str, Any] = {
            "data": base64.b64encode(message.data).decode("ascii"),
            "messageId": message.message_id,
            "publishTime": published.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if message.attributes:
            body["attributes"] = message.attributes
        return {"ackId": message.ack_id, "message": body}

    def _ack_ids(self, body: dict[str, Any]) -> set[str]:
        ids = body.get("ackIds")
        if not isinstance(ids, list) or not ids:
            raise invalid("No ack ids specified.")
        if not all(isinstance(i, str) and i for i in ids):
            raise invalid(f"You have passed an invalid ack ID to the service (ack_id={ids[0]!r}).")
        return set(ids)

    def _acknowledge(self, request: Request, member: str) -> Response:
        sub = self._subscription(request, member)
        ids = self._ack_ids(json_body(request))
        # An ack id that expired (its message was delivered again) is ignored, as Google does.
        sub.messages = [m for m in sub.messages if m.ack_id not in ids]
        return json_response(200, {})

    def _modify_deadline(self, request: Request, member: str) -> Response:
        sub = self._subscription(request, member)
        body = json_body(request)
        ids = self._ack_ids(body)
        seconds = body.get("ackDeadlineSeconds")
        if not isinstance(seconds, int) or not 0 <= seconds <= 600:
            raise invalid(
                f"Invalid ack deadline given: {seconds}. The ack deadline must be between 0 and 600 seconds."
            )
        now = time.time()
        for message in sub.messages:
            if message.ack_id and message.ack_id in ids:
                message.deadline = now + seconds  # 0: a nack, delivered again at once
        self.changed.notify_all()
        return json_response(200, {})
