"""Gmail push without an inbound address: ``users.watch`` has Gmail publish each mailbox change to the
operator's Cloud Pub/Sub topic, and ``PubSubPuller`` pulls those notifications from the operator's
subscription (REST ``pull`` / ``acknowledge`` / ``modifyAckDeadline``), all through
google-api-python-client.

A notification only says "this mailbox changed, its history is now at N": the caller reads Gmail
history from its own cursor. Gmail's watch lasts 7 days and must be renewed (watch again) before then.
Pub/Sub calls are the operator's service account's (a JWT bearer grant), never a mailbox user's.
Errors are the connector's ``ConnectorError``s; a message that cannot be read comes back flagged
``bad`` rather than raising, so the caller acks and records it and the others still go through.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import google_auth_httplib2
from google.auth import exceptions as auth_exceptions
from google.oauth2 import service_account
from googleapiclient.discovery import build

from connectors.base import ConnectorError
from connectors.google.connector import GoogleConnector
from connectors.google.errors import from_exception
from connectors.google.transport import CountingHttp

PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub"
GMAIL_PUBLISHER = "gmail-api-push@system.gserviceaccount.com"
ACK_CHUNK = 1000  # ack ids per acknowledge call: well inside Pub/Sub's request size limit
_PUBLISHED = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z")
_REFUSED = {"invalid_grant", "invalid_scope", "invalid_client", "unauthorized_client"}


def topic_path(project: str, topic: str) -> str:
    return f"projects/{project}/topics/{topic}"


def subscription_path(project: str, subscription: str) -> str:
    return f"projects/{project}/subscriptions/{subscription}"


# -- Gmail: one mailbox's watch -----------------------------------------------------------------------
@dataclass(frozen=True)
class Watch:
    history_id: int  # the mailbox's history when the watch began: read history from here
    expires_at: datetime


def mailbox_watch(
    connector: GoogleConnector, topic: str, *, label_ids: Sequence[str] = (), exclude: bool = False
) -> Watch:
    """Start (or renew: a watch again replaces the last) Gmail's push of the mailbox's changes to
    ``topic`` ("projects/{p}/topics/{t}"). ``label_ids``: only changes touching them (or, ``exclude``,
    all but those); none: every change."""
    body: dict[str, Any] = {"topicName": topic}
    if label_ids:
        body.update(labelIds=list(label_ids), labelFilterBehavior="exclude" if exclude else "include")
    users = connector.client.service("gmail").users()
    try:
        made = connector.client.call("watch mailbox", lambda: users.watch(userId="me", body=body))
    except ConnectorError as error:
        if error.status in (400, 403, 404) and error.code in ("forbidden", "notFound", "invalidArgument"):
            # The operator's setup, not the mailbox: no mailbox can be watched until it is mended.
            raise ConnectorError(
                f"Gmail cannot publish to the Pub/Sub topic {topic!r}: it must exist and grant "
                f"{GMAIL_PUBLISHER} the Pub/Sub Publisher role. ({error.message})",
                permanent=True,
                code="GMAIL_TOPIC_REFUSED",
                status=error.status,
            ) from error
        raise
    expires = datetime.fromtimestamp(int(made["expiration"]) / 1000, UTC)
    return Watch(int(made["historyId"]), expires)


def mailbox_stop(connector: GoogleConnector) -> None:
    """Stop Gmail's push for the mailbox (no error when none was on)."""
    users = connector.client.service("gmail").users()
    connector.client.call("stop mailbox watch", lambda: users.stop(userId="me"))


# -- Pub/Sub: the operator's subscription -------------------------------------------------------------
def service_account_key(path: str) -> dict[str, Any]:
    """The service account's JSON key file as ``PubSubConfig`` takes it; unreadable is permanent."""
    try:
        with open(path, encoding="utf-8") as file:
            key = json.load(file)
    except (OSError, ValueError) as error:
        raise ConnectorError(
            f"The Pub/Sub service account key file cannot be read: {type(error).__name__}",
            permanent=True,
            code="PUBSUB_KEY_INVALID",
        ) from error
    if not isinstance(key, dict) or key.get("type") != "service_account":
        raise ConnectorError(
            "The Pub/Sub key file is not a service account's JSON key.",
            permanent=True,
            code="PUBSUB_KEY_INVALID",
        )
    return key


@dataclass(frozen=True)
class PubSubConfig:
    # The service account's JSON key, as read from its file (never in a repr: it holds the private key).
    service_account_info: Mapping[str, Any] = field(repr=False)
    subscription: str  # projects/{p}/subscriptions/{s}
    api_url: str = ""  # "" = https://pubsub.googleapis.com/; else one host serving Google's APIs (sandbox)
    token_uri: str = ""  # "" = the key's own
    ca_bundle: str = ""
    # Longer than the server holds an empty pull (Google: seconds, sometimes more), so a wait is no error.
    timeout: float = 90.0


@dataclass(frozen=True)
class GmailNotice:
    """One Pub/Sub message from Gmail. ``problem``: why it could not be read ("" when it could)."""

    ack_id: str
    address: str
    history_id: int
    published_at: datetime | None
    message_id: str = ""
    problem: str = ""

    @property
    def bad(self) -> bool:
        return bool(self.problem)


class PubSubPuller:
    """Pulls Gmail's notifications from the operator's subscription. ``calls`` / ``token_calls`` count
    the HTTP requests made (API / sign-in). One per thread: its httplib2 connection is not shared.
    Nothing is retried here: a transient ``ConnectorError`` (network, 5xx) is the caller's to wait on."""

    def __init__(self, config: PubSubConfig) -> None:
        self.config = config
        self.calls = 0
        self.token_calls = 0
        info = dict(config.service_account_info)
        if config.token_uri:
            info["token_uri"] = config.token_uri
        try:
            creds = service_account.Credentials.from_service_account_info(info, scopes=[PUBSUB_SCOPE])
        except (ValueError, KeyError) as error:
            raise ConnectorError(
                f"The Pub/Sub service account key cannot be used: {error}",
                permanent=True,
                code="PUBSUB_KEY_INVALID",
            ) from error
        self._token_uri = str(info.get("token_uri") or "")
        raw = CountingHttp(ca_bundle=config.ca_bundle, timeout=config.timeout, on_request=self._count)
        url = config.api_url.rstrip("/") + "/" if config.api_url else None
        self._subscriptions = (
            build(
                "pubsub",
                "v1",
                http=google_auth_httplib2.AuthorizedHttp(creds, http=raw),
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": url} if url else None,
            )
            .projects()
            .subscriptions()
        )

    def _count(self, uri: str) -> None:
        if self._token_uri and uri.startswith(self._token_uri):
            self.token_calls += 1
        else:
            self.calls += 1

    def ack_deadline_seconds(self) -> int:
        """The subscription's ack deadline (it must exist and be ours): what a notice not acked in time
        waits before it is delivered again, so a slow caller knows when to ``extend``."""
        found = self._call(lambda: self._subscriptions.get(subscription=self.config.subscription))
        return int(found.get("ackDeadlineSeconds") or 10)

    def pull(self, max_messages: int = 100) -> list[GmailNotice]:
        """What waits (up to ``max_messages``); when nothing does, the server holds the call a few
        seconds, then answers none. Each notice must be acked within the subscription's deadline or
        it comes again."""
        body = {"maxMessages": max_messages}
        answer = self._call(
            lambda: self._subscriptions.pull(subscription=self.config.subscription, body=body)
        )
        received = answer.get("receivedMessages") if isinstance(answer, dict) else None
        return [read_notice(r) for r in received] if isinstance(received, list) else []

    def ack(self, ack_ids: Iterable[str]) -> None:
        """Done with these: never delivered again (an expired ack id is ignored by Pub/Sub)."""
        self._each_chunk(ack_ids, lambda ids: self._subscriptions.acknowledge(
            subscription=self.config.subscription, body={"ackIds": ids}
        ))  # fmt: skip

    def extend(self, ack_ids: Iterable[str], seconds: int) -> None:
        """Keep these another ``seconds`` (up to 600) from now; 0 hands them back to be delivered again."""
        self._each_chunk(ack_ids, lambda ids: self._subscriptions.modifyAckDeadline(
            subscription=self.config.subscription, body={"ackIds": ids, "ackDeadlineSeconds": seconds}
        ))  # fmt: skip

    def _each_chunk(self, ack_ids: Iterable[str], make: Callable[[list[str]], Any]) -> None:
        ids = [i for i in dict.fromkeys(ack_ids) if i]
        for start in range(0, len(ids), ACK_CHUNK):
            chunk = ids[start : start + ACK_CHUNK]
            self._call(functools.partial(make, chunk))

    def _call(self, make: Callable[[], Any]) -> Any:
        try:
            return make().execute(num_retries=0)
        except Exception as error:
            raise _pubsub_error(error) from error


def _pubsub_error(error: Exception) -> ConnectorError:
    """Pub/Sub failures are the operator's (their service account, project, subscription), not a
    mailbox's: say so, rather than asking anyone to reconnect a mailbox."""
    if isinstance(error, auth_exceptions.RefreshError):
        data = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
        code = str(data.get("error") or "")
        return ConnectorError(
            f"Google refused the Pub/Sub service account's sign-in ({code}: "
            f"{str(data.get('error_description') or error)[:160]})",
            permanent=code in _REFUSED,
            code="PUBSUB_AUTH_FAILED",
        )
    mapped = from_exception(error)
    if mapped.code == "MAIL_PERMISSION_MISSING":
        return ConnectorError(
            f"The Pub/Sub service account's token lacks the {PUBSUB_SCOPE} scope.",
            permanent=True,
            code="PUBSUB_SCOPE_MISSING",
            status=mapped.status,
        )
    return mapped


def read_notice(received: Any) -> GmailNotice:
    """One ``receivedMessages`` item as a notice; anything unreadable is a notice with a ``problem``."""
    try:
        return _read(received)
    except Exception as error:  # a malformed message must never stop the others
        return GmailNotice("", "", 0, None, problem=f"unreadable: {type(error).__name__}")


def _read(received: Any) -> GmailNotice:
    if not isinstance(received, dict):
        return GmailNotice("", "", 0, None, problem="not an object")
    ack_id = str(received.get("ackId") or "")
    found = received.get("message")
    message: dict[str, Any] = found if isinstance(found, dict) else {}
    message_id = str(message.get("messageId") or "")
    published = _published(message.get("publishTime"))

    def bad(problem: str) -> GmailNotice:
        return GmailNotice(ack_id, "", 0, published, message_id, problem)

    if not ack_id:
        return bad("no ackId")
    text = str(message.get("data") or "")
    try:
        # JSON bytes are base64; accept the URL-safe alphabet too.
        raw = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        return bad("data is not base64 JSON")
    if not isinstance(payload, dict):
        return bad("data is not a JSON object")
    address = payload.get("emailAddress")
    if not isinstance(address, str) or "@" not in address:
        return bad("no emailAddress")
    history = payload.get("historyId")  # Gmail sends a number; its docs show a string
    if isinstance(history, str) and history.strip().isdigit():
        history = int(history)
    if not isinstance(history, int) or isinstance(history, bool) or history <= 0:
        return bad("no historyId")
    return GmailNotice(ack_id, address.strip(), history, published, message_id)


def _published(value: Any) -> datetime | None:
    """RFC 3339 with up to nanoseconds, as Pub/Sub writes it; None when it is not."""
    match = _PUBLISHED.fullmatch(str(value or ""))
    if match is None:
        return None
    whole = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return whole.replace(microsecond=int((match.group(2) or "0")[:6].ljust(6, "0")))
