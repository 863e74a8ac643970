"""Salesforce change events over the Pub/Sub API (gRPC, the public ``pubsub_api.proto``), read with
grpcio and decoded with fastavro.

One ``Subscription`` is one Subscribe stream of one org: it asks for events with flow control (a
FetchRequest for ``batch`` more each time the last ask is used up), yields them a FetchResponse at a
time with the replay id to resume after, and can be cancelled from another thread. Schemas are
fetched once per schema id (GetSchema). Errors leave as ``PubSubError`` with what the caller should
do about them: sign in again, start afresh (replay id outside retention), fall back to the schedule
(Change Data Capture not enabled), or retry.

The host is the operator's setting (Salesforce's ``api.pubsub.salesforce.com:7443``; the sandbox in
the demo and tests), never a host a token answer or a user names.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import fastavro
import grpc

from connectors.salesforce.pubsub_api import pubsub_api_pb2 as pb
from connectors.salesforce.pubsub_api import pubsub_api_pb2_grpc as pb_grpc

ALL_CHANGES = "/data/ChangeEvents"  # every object the org's admin selected for Change Data Capture
MAX_BATCH = 100  # the most one FetchRequest may ask for


class Failure(StrEnum):
    SIGN_IN = "sign_in"  # the access token was refused: refresh it and subscribe again
    REPLAY_EXPIRED = "replay_expired"  # the stored replay id is outside the 72-hour retention
    NOT_ENABLED = "not_enabled"  # no such topic for the org: CDC is not on for its objects
    TRANSIENT = "transient"  # the stream broke or the service is busy: subscribe again later


class PubSubError(Exception):
    def __init__(self, message: str, failure: Failure, error_code: str = "") -> None:
        super().__init__(message)
        self.failure = failure
        self.error_code = error_code


@dataclass(frozen=True)
class PubSubConfig:
    target: str  # host:port
    ca_bundle: str = ""  # PEM file to trust instead of the system's (the sandbox's CA)
    batch: int = MAX_BATCH


@dataclass(frozen=True)
class Access:
    """Who subscribes: Salesforce authenticates a Pub/Sub call with these three metadata values."""

    access_token: str = field(repr=False)
    instance_url: str
    tenant_id: str  # the org id

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (
            ("accesstoken", self.access_token),
            ("instanceurl", self.instance_url),
            ("tenantid", self.tenant_id),
        )


@dataclass(frozen=True)
class ChangeEvent:
    entity: str  # the object: Event, Task, Contact, EventRelation
    change_type: str  # CREATE, UPDATE, DELETE, UNDELETE, GAP_CREATE, ..., GAP_OVERFLOW
    record_ids: tuple[str, ...]
    change_origin: str  # e.g. "com/salesforce/api/rest/62.0;client=mailsync"; "" from the UI
    commit_user: str
    changed_fields: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)  # the fields the event carries (not None)
    replay_id: bytes = b""

    @property
    def is_gap(self) -> bool:
        return self.change_type.startswith("GAP_")

    def made_by(self, client_name: str) -> bool:
        """Whether the write came from a client that named itself ``client_name``
        (``Sforce-Call-Options: client=...``), as the engine does on every call."""
        parts = (p.strip().lower() for p in self.change_origin.split(";"))
        return f"client={client_name.lower()}" in parts


@dataclass(frozen=True)
class Delivery:
    """One FetchResponse: its events (none for a keepalive) and the replay id to resume after."""

    events: tuple[ChangeEvent, ...]
    latest_replay_id: bytes


class PubSubClient:
    """One TLS channel to the Pub/Sub API, and the schemas read through it."""

    def __init__(self, config: PubSubConfig) -> None:
        self.config = config
        roots = open(config.ca_bundle, "rb").read() if config.ca_bundle else None  # noqa: SIM115
        # Keepalive pings find a half-open connection within minutes (a quiet stream sends nothing for
        # long: without them a dead one looks like a quiet one). Five minutes is the least interval
        # gRPC servers accept by default; pinging more often gets the connection closed.
        options = [("grpc.keepalive_time_ms", 300_000), ("grpc.keepalive_timeout_ms", 20_000)]
        credentials = grpc.ssl_channel_credentials(root_certificates=roots)
        self.channel = grpc.secure_channel(config.target, credentials, options=options)
        self.stub = pb_grpc.PubSubStub(self.channel)
        self._schemas: dict[str, Any] = {}
        self.calls = 0

    def close(self) -> None:
        self.channel.close()

    def _schema(self, schema_id: str, access: Access) -> Any:
        if schema_id not in self._schemas:
            self.calls += 1
            try:
                info = self.stub.GetSchema(
                    pb.SchemaRequest(schema_id=schema_id), metadata=access.metadata(), timeout=30
                )
            except grpc.RpcError as error:
                raise _translate(error) from error
            self._schemas[schema_id] = fastavro.parse_schema(json.loads(info.schema_json))
        return self._schemas[schema_id]

    def decode(self, event: pb.ConsumerEvent, access: Access) -> ChangeEvent:
        record = fastavro.schemaless_reader(
            io.BytesIO(event.event.payload), self._schema(event.event.schema_id, access)
        )
        assert isinstance(record, dict)
        header = record.pop("ChangeEventHeader", None) or {}
        return ChangeEvent(
            entity=str(header.get("entityName", "")),
            change_type=str(header.get("changeType", "")),
            record_ids=tuple(str(i) for i in header.get("recordIds") or ()),
            change_origin=str(header.get("changeOrigin", "")),
            commit_user=str(header.get("commitUser", "")),
            changed_fields=tuple(header.get("changedFields") or ()),
            values={k: v for k, v in record.items() if v is not None},
            replay_id=bytes(event.replay_id),
        )

    def subscribe(
        self, access: Access, *, topic: str = ALL_CHANGES, replay_after: bytes = b""
    ) -> Subscription:
        """A Subscribe stream: after ``replay_after`` (a stored replay id), or from now on."""
        return Subscription(self, access, topic, replay_after)


class Subscription:
    def __init__(self, client: PubSubClient, access: Access, topic: str, replay_after: bytes) -> None:
        self.client, self.access = client, access
        self._asks: queue.Queue[pb.FetchRequest | None] = queue.Queue()
        first = pb.FetchRequest(topic_name=topic, num_requested=client.config.batch)
        if replay_after:
            first.replay_preset, first.replay_id = pb.CUSTOM, replay_after
        else:
            first.replay_preset = pb.LATEST
        self._asks.put(first)
        self._call: Any = None
        self._cancelled = threading.Event()

    def _requests(self) -> Iterator[pb.FetchRequest]:
        while (ask := self._asks.get()) is not None:
            yield ask

    def cancel(self) -> None:
        """End the stream from another thread; ``deliveries`` then ends without an error."""
        self._cancelled.set()
        self._asks.put(None)
        if self._call is not None:
            self._call.cancel()

    def deliveries(self) -> Iterator[Delivery]:
        self.client.calls += 1
        self._call = self.client.stub.Subscribe(self._requests(), metadata=self.access.metadata())
        if self._cancelled.is_set():
            self._call.cancel()
        owed = self.client.config.batch
        try:
            for response in self._call:
                events = tuple(self.client.decode(e, self.access) for e in response.events)
                owed -= len(response.events)
                if owed <= 0:  # the last ask is used up: ask for the next batch
                    owed = self.client.config.batch
                    self._asks.put(pb.FetchRequest(num_requested=owed))
                yield Delivery(events, bytes(response.latest_replay_id))
        except grpc.RpcError as error:
            if self._cancelled.is_set():
                return
            raise _translate(error) from error
        finally:
            self._asks.put(None)
        if not self._cancelled.is_set():
            raise PubSubError("Salesforce ended the change event stream.", Failure.TRANSIENT)


_FAILURES: dict[str, Failure] = {
    "sfdc.platform.eventbus.grpc.service.auth.error": Failure.SIGN_IN,
    "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted": Failure.REPLAY_EXPIRED,
    "sfdc.platform.eventbus.grpc.topic.not.found": Failure.NOT_ENABLED,
}


def _translate(error: grpc.RpcError) -> PubSubError:
    trailers = dict(error.trailing_metadata() or ()) if hasattr(error, "trailing_metadata") else {}
    error_code = str(trailers.get("error-code", ""))
    status = error.code() if hasattr(error, "code") else None
    failure = _FAILURES.get(error_code)
    if failure is None:
        failure = {
            grpc.StatusCode.UNAUTHENTICATED: Failure.SIGN_IN,
            grpc.StatusCode.PERMISSION_DENIED: Failure.NOT_ENABLED,
            grpc.StatusCode.NOT_FOUND: Failure.NOT_ENABLED,
        }.get(status, Failure.TRANSIENT)
    details = error.details() if hasattr(error, "details") else str(error)
    return PubSubError(f"Salesforce Pub/Sub API: {details}", failure, error_code)
