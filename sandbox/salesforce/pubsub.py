"""The Salesforce sandbox's Pub/Sub API: gRPC over TLS, serving the REST sandbox's change events.

The same app (store, tokens, change event bus) as the REST sandbox, on a port of its own, as
Salesforce serves Pub/Sub API on its own host. Clients authenticate with gRPC metadata
(``accesstoken``, ``instanceurl``, ``tenantid``), subscribe with flow control (each FetchRequest
asks for ``num_requested`` more events, never more are sent) and replay from LATEST, EARLIEST or a
stored replay id within the 72-hour retention. Errors carry Salesforce's ``error-code`` trailer.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc

from connectors.salesforce.pubsub_api import pubsub_api_pb2 as pb
from connectors.salesforce.pubsub_api import pubsub_api_pb2_grpc as pb_grpc
from sandbox.salesforce.app import SalesforceSandbox
from sandbox.salesforce.cdc import ALL_CHANGES, CDC_OBJECTS, BusEvent, replay_bytes, topic_of
from sandbox.salesforce.ids import is_id, to18
from sandbox.salesforce.store import Org
from sandbox.tls import SandboxCA

MAX_NUM_REQUESTED = 100  # the documented most one FetchRequest may ask for
AUTH_ERROR = "sfdc.platform.eventbus.grpc.service.auth.error"
REPLAY_ID_ERROR = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
# Not in Salesforce's published table as such: the sandbox's code for a topic the org lacks.
TOPIC_ERROR = "sfdc.platform.eventbus.grpc.topic.not.found"
SCHEMA_ERROR = "sfdc.platform.eventbus.grpc.schema.not.found"


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, error_code: str, message: str) -> NoReturn:
    rpc_id = str(uuid.uuid4())
    context.set_trailing_metadata((("error-code", error_code), ("rpc-id", rpc_id)))
    context.abort(code, f"{message} rpcId: {rpc_id}")
    raise AssertionError("unreachable")  # context.abort raises


@dataclass
class _Flow:
    """How many events a subscription still owes its client, and whether the client went away."""

    pending: int = 0
    closed: bool = False


class PubSubServicer(pb_grpc.PubSubServicer):
    def __init__(self, app: SalesforceSandbox, keepalive_seconds: float) -> None:
        self.app = app
        self.keepalive_seconds = keepalive_seconds

    # -- auth and topics ------------------------------------------------------------------------------
    def _org(self, context: grpc.ServicerContext) -> tuple[Org, str]:
        metadata = {key.lower(): value for key, value in context.invocation_metadata()}
        token, tenant = str(metadata.get("accesstoken", "")), str(metadata.get("tenantid", ""))
        with self.app.lock:
            grant = self.app.oauth.resolve(token) if token else None
            org = self.app.store.orgs.get(grant.org_id) if grant else None
        if grant is None or org is None or not is_id(tenant) or to18(tenant) != org.id:
            _abort(
                context,
                grpc.StatusCode.UNAUTHENTICATED,
                AUTH_ERROR,
                "An authentication exception occurred. Provide valid authentication via metadata headers.",
            )
        return org, grant.user_id

    def _objects(self, context: grpc.ServicerContext, org: Org, topic: str) -> set[str]:
        """The objects whose changes the topic carries; refused as Salesforce does when CDC is not
        enabled for them (the topic does not exist for the org)."""
        with self.app.lock:
            enabled = set(self.app.cdc.bus(org.id).enabled)
        if topic == ALL_CHANGES and enabled:
            return enabled
        wanted = next((name for name in CDC_OBJECTS if topic_of(name) == topic), None)
        if wanted is None or wanted not in enabled:
            _abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                TOPIC_ERROR,
                f"Topic {topic} not found: Change Data Capture is not enabled for it in this org.",
            )
        return {wanted}

    # -- unary RPCs -----------------------------------------------------------------------------------
    def GetTopic(self, request: pb.TopicRequest, context: grpc.ServicerContext) -> pb.TopicInfo:  # noqa: N802
        org, _ = self._org(context)
        objects = self._objects(context, org, request.topic_name)
        schema_id = ""
        if len(objects) == 1 and request.topic_name != ALL_CHANGES:  # ChangeEvents mixes schemas
            with self.app.lock:
                schema_id, _ = self.app.cdc.schema_for(org, next(iter(objects)))
        return pb.TopicInfo(
            topic_name=request.topic_name,
            tenant_guid=org.id,
            can_publish=False,  # change events are Salesforce's to publish
            can_subscribe=True,
            schema_id=schema_id,
            rpc_id=str(uuid.uuid4()),
        )

    def GetSchema(self, request: pb.SchemaRequest, context: grpc.ServicerContext) -> pb.SchemaInfo:  # noqa: N802
        self._org(context)
        with self.app.lock:
            schema_json = self.app.cdc.schemas.get(request.schema_id)
        if schema_json is None:
            _abort(context, grpc.StatusCode.NOT_FOUND, SCHEMA_ERROR, f"Schema {request.schema_id} not found.")
        return pb.SchemaInfo(schema_json=schema_json, schema_id=request.schema_id, rpc_id=str(uuid.uuid4()))

    def Publish(self, request: pb.PublishRequest, context: grpc.ServicerContext) -> pb.PublishResponse:  # noqa: N802
        org, _ = self._org(context)
        self._objects(context, org, request.topic_name)
        refused = pb.Error(code=pb.PUBLISH, msg="Change events can't be published by clients.")
        return pb.PublishResponse(
            results=[pb.PublishResult(error=refused, correlation_key=e.id) for e in request.events],
            rpc_id=str(uuid.uuid4()),
        )

    # -- Subscribe ------------------------------------------------------------------------------------
    def Subscribe(  # noqa: N802
        self, request_iterator: Iterator[pb.FetchRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.FetchResponse]:
        org, _ = self._org(context)
        first = next(request_iterator, None)
        if first is None:
            return
        objects = self._objects(context, org, first.topic_name)
        position = self._start(context, org, first)
        flow = _Flow(pending=min(first.num_requested, MAX_NUM_REQUESTED))
        changed = self.app.changes_published

        def read_requests() -> None:
            # The end of the client's requests is not the end of the subscription: what it asked for
            # is still delivered (the stream ends when the client cancels: ``wake``).
            try:
                for more in request_iterator:
                    with changed:
                        flow.pending += min(max(more.num_requested, 0), MAX_NUM_REQUESTED)
                        changed.notify_all()
            except grpc.RpcError:  # the client went away
                with changed:
                    flow.closed = True
                    changed.notify_all()

        def wake() -> None:
            with changed:
                flow.closed = True
                changed.notify_all()

        context.add_callback(wake)
        threading.Thread(target=read_requests, name="pubsub-requests", daemon=True).start()
        keepalive_at = time.monotonic() + self.keepalive_seconds
        while context.is_active():
            with changed:
                if flow.closed:
                    return
                batch, position = self._next(org, objects, position, flow.pending)
                if not batch:
                    # Wait for the time left, not a fresh timeout per wake-up: another org's traffic
                    # must not starve this subscriber's keepalive.
                    changed.wait(timeout=max(0.0, keepalive_at - time.monotonic()))
                    if flow.closed or time.monotonic() < keepalive_at:
                        continue
                    if flow.pending <= 0:
                        keepalive_at = time.monotonic() + self.keepalive_seconds
                        continue  # owed nothing: nothing to keep alive
                    # A write may have landed while the wait took the lock back: look again before
                    # the keepalive moves the position past everything published.
                    batch, position = self._next(org, objects, position, flow.pending)
                    if not batch:
                        position = max(position, self.app.cdc.last_replay)
                keepalive_at = time.monotonic() + self.keepalive_seconds
                flow.pending -= len(batch)
                response = pb.FetchResponse(
                    events=[_consumer_event(e) for e in batch],
                    latest_replay_id=replay_bytes(position),
                    rpc_id=str(uuid.uuid4()),
                    pending_num_requested=flow.pending,
                )
            yield response  # never while holding the app's lock

    def _start(self, context: grpc.ServicerContext, org: Org, first: pb.FetchRequest) -> int:
        """The replay position the subscription starts after."""
        with self.app.lock:
            self.app.cdc.retained(org.id)  # drop what the window lost before judging a replay id
            bus = self.app.cdc.bus(org.id)
            if first.replay_preset == pb.EARLIEST:
                return bus.purged_through
            if first.replay_preset != pb.CUSTOM:
                return self.app.cdc.last_replay
            replay = int.from_bytes(first.replay_id, "big") if len(first.replay_id) == 8 else -1
            if replay <= bus.purged_through or replay > self.app.cdc.last_replay:
                _abort(
                    context,
                    grpc.StatusCode.INVALID_ARGUMENT,
                    REPLAY_ID_ERROR,
                    "The Replay ID validation failed: "
                    "the Replay ID is invalid or outside the retention window.",
                )
            return replay

    def _next(self, org: Org, objects: set[str], position: int, wanted: int) -> tuple[list[BusEvent], int]:
        """Up to ``wanted`` events of the topic after ``position``, and the position past them
        (past every other org's and topic's events too, when none of the topic's is left)."""
        if wanted <= 0:
            return [], position
        later = [e for e in self.app.cdc.retained(org.id) if e.replay > position and e.sobject in objects]
        batch = later[:wanted]
        if len(batch) < len(later):
            return batch, batch[-1].replay
        return batch, max(position, self.app.cdc.last_replay) if batch else position


def _consumer_event(event: BusEvent) -> pb.ConsumerEvent:
    return pb.ConsumerEvent(
        event=pb.ProducerEvent(id=event.event_id, schema_id=event.schema_id, payload=event.payload),
        replay_id=replay_bytes(event.replay),
    )


class PubSubServer:
    """Serves one Salesforce sandbox app's Pub/Sub API over TLS on 127.0.0.1."""

    def __init__(
        self,
        app: SalesforceSandbox,
        ca: SandboxCA,
        port: int = 0,
        host: str = "127.0.0.1",
        keepalive_seconds: float = 30.0,
        max_workers: int = 16,
    ) -> None:
        self.app = app
        self.servicer = PubSubServicer(app, keepalive_seconds)
        # Each open Subscribe holds a worker: beyond the pool, a call is refused, not left hanging.
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pubsub"),
            maximum_concurrent_rpcs=max_workers - 1,
        )
        pb_grpc.add_PubSubServicer_to_server(self.servicer, self.server)
        credentials = grpc.ssl_server_credentials([ca.leaf_pems()])
        self.port = self.server.add_secure_port(f"{host}:{port}", credentials)
        self.target = f"{host}:{self.port}"  # what grpc.secure_channel takes

    def start(self) -> PubSubServer:
        self.server.start()
        return self

    def stop(self, grace: Any = None) -> None:
        self.server.stop(grace).wait()
