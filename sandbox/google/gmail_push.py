"""Gmail push notifications: ``users.watch`` / ``users.stop``, published through the sandbox's Pub/Sub.

As Gmail does: a watch names an existing Cloud Pub/Sub topic that
``gmail-api-push@system.gserviceaccount.com`` may publish to (else 404 / 403, Gmail's own "Error
sending test message" answers), lasts 7 days, and answers the mailbox's current ``historyId`` and the
``expiration`` (epoch ms, both strings). From then on each history record of the mailbox (message
added or deleted, labels added or removed) that the label filter lets through is published at once as
``{"emailAddress", "historyId"}`` JSON in the message data. A second watch replaces the first.

Not faithful: Gmail keeps one watch per mailbox and developer project and does not check here that
the topic's project is the OAuth client's; the sandbox keeps one per mailbox. Gmail may batch several
changes into one notification; the sandbox sends one per change. Gmail's ``historyId`` in the data is
a JSON number, as Gmail sends it (its docs show a string): clients should read either.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, google_error, json_body
from sandbox.google.pubsub import GMAIL_PUSH, PUBLISHER

WATCH_MS = 7 * 86400 * 1000
TOPIC = re.compile(r"projects/[^/]+/topics/[^/]+")
UserHandler = Callable[[Request, User], Response]


@dataclass
class GmailWatch:
    user_id: str
    email: str
    topic: str
    labels: frozenset[str]
    behavior: str  # include | exclude
    expiration: int  # epoch ms


class GmailPush:
    """Installed on a ``GoogleSandbox`` by ``install``; ``app`` is that sandbox (typed loosely: no cycle)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.watches: dict[str, GmailWatch] = {}
        app.gmail_store.on_record = self.recorded

    @classmethod
    def install(
        cls, app: Any, authed: Callable[[str, UserHandler], Callable[[Request], Response]]
    ) -> GmailPush:
        push = cls(app)
        gm = r"/gmail/v1/users/(?P<who>[^/]+)"
        app.route("POST", gm + r"/watch", authed("gmail", push._watch))
        app.route("POST", gm + r"/stop", authed("gmail", push._stop))
        return push

    # -- routes -------------------------------------------------------------------------------------
    def _watch(self, request: Request, user: User) -> Response:
        self.app.gmail._who(request, user)
        body = json_body(request)
        topic = str(body.get("topicName") or "")
        if not topic:
            raise google_error(400, "topicName required", "invalidArgument")
        if not TOPIC.fullmatch(topic):
            raise google_error(
                400, "Invalid topic name format. Should follow 'projects/my-project-id/topics/my-topic-id'",
                "invalidArgument",
            )  # fmt: skip
        found = self.app.pubsub.topics.get(topic)
        if found is None:
            message = f"Resource not found (resource={topic.rpartition('/')[2]})."
            raise google_error(
                404, f"Error sending test message to Cloud PubSub {topic} : {message}", "notFound"
            )
        if not found.grants(GMAIL_PUSH, PUBLISHER):
            raise google_error(
                403,
                f"Error sending test message to Cloud PubSub {topic} : "
                "User not authorized to perform this action.",
                "forbidden",
            )
        box = self.app.gmail_store.box(user)
        labels = [str(label) for label in body.get("labelIds") or []]
        for label in labels:
            self.app.gmail_store.require_label(box, label)
        # labelFilterBehavior replaces the deprecated labelFilterAction; either is read, lower case.
        behavior = str(body.get("labelFilterBehavior") or body.get("labelFilterAction") or "include").lower()
        if behavior not in ("include", "exclude"):
            raise bad_request(f"Invalid value for labelFilterBehavior: {behavior}")
        watch = GmailWatch(
            user.id, user.email, topic, frozenset(labels), behavior, int(time.time() * 1000) + WATCH_MS
        )
        self.watches[user.id] = watch
        return json_response(
            200,
            {"historyId": str(self.app.gmail_store.history_id(user)), "expiration": str(watch.expiration)},
        )

    def _stop(self, request: Request, user: User) -> Response:
        self.app.gmail._who(request, user)
        self.watches.pop(user.id, None)
        return Response(204)

    # -- publishing ---------------------------------------------------------------------------------
    def recorded(self, user_id: str, record: dict[str, Any]) -> None:
        """A history record was written (the app's lock is held): publish it if a watch wants it."""
        watch = self.watches.get(user_id)
        if watch is None:
            return
        if watch.expiration <= time.time() * 1000:
            del self.watches[user_id]
            return
        if watch.labels and bool(self._touched(record) & watch.labels) == (watch.behavior == "exclude"):
            return
        topic = self.app.pubsub.topics.get(watch.topic)
        if topic is None or not topic.grants(GMAIL_PUSH, PUBLISHER):
            return  # Gmail's publish fails; nobody hears of it
        data = json.dumps({"emailAddress": watch.email, "historyId": record["id"]}).encode("utf-8")
        self.app.pubsub.publish(watch.topic, data)

    @staticmethod
    def _touched(record: dict[str, Any]) -> set[str]:
        """The labels a change concerns: the message's own and those added or removed."""
        labels = {label for m in record["messages"] for label in m["labelIds"]}
        for kind in ("labelsAdded", "labelsRemoved"):
            for item in record.get(kind) or []:
                labels |= set(item.get("labelIds") or [])
        return labels
