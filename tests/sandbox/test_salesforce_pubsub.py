"""The Salesforce sandbox's Pub/Sub API, driven through the real grpcio client over TLS.

Records change through the REST sandbox (simple-salesforce); their change events arrive on the
gRPC stream, decoded with fastavro against the schema GetSchema gives.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import fastavro
import grpc
import pytest
from simple_salesforce import Salesforce

from connectors.salesforce.pubsub_api import pubsub_api_pb2 as pb
from connectors.salesforce.pubsub_api import pubsub_api_pb2_grpc as pb_grpc
from sandbox.salesforce.pubsub import PubSubServer
from sandbox.tls import SandboxCA
from tests.support.people import sandbox_session
from tests.support.sandbox import Tenant

CONTACTS = "/data/ContactChangeEvent"
WAIT = 10.0  # seconds: the longest any event may take to arrive


@dataclass
class Subscriber:
    """One Subscribe stream: FetchRequests go in through ``ask``, FetchResponses come out on ``responses``."""

    call: Any
    requests: queue.Queue[pb.FetchRequest | None]
    responses: queue.Queue[Any] = field(default_factory=queue.Queue)

    def ask(self, n: int) -> None:
        self.requests.put(pb.FetchRequest(num_requested=n))

    def next_response(self, timeout: float = WAIT) -> pb.FetchResponse:
        item = self.responses.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        return item

    def events(self, count: int, timeout: float = WAIT) -> list[pb.ConsumerEvent]:
        """The next ``count`` events, skipping keepalives, within the deadline."""
        deadline = time.monotonic() + timeout
        got: list[pb.ConsumerEvent] = []
        while len(got) < count:
            got.extend(self.next_response(max(0.01, deadline - time.monotonic())).events)
        return got

    def close(self) -> None:
        self.requests.put(None)
        self.call.cancel()


@dataclass
class PubSubClient:
    stub: pb_grpc.PubSubStub
    metadata: tuple[tuple[str, str], ...]
    schemas: dict[str, Any] = field(default_factory=dict)
    open: list[Subscriber] = field(default_factory=list)

    def subscribe(
        self,
        topic: str = CONTACTS,
        num_requested: int = 10,
        preset: int = pb.LATEST,
        replay_id: bytes = b"",
    ) -> Subscriber:
        outgoing: queue.Queue[pb.FetchRequest | None] = queue.Queue()
        outgoing.put(
            pb.FetchRequest(
                topic_name=topic, replay_preset=preset, replay_id=replay_id, num_requested=num_requested
            )
        )

        def requests() -> Iterator[pb.FetchRequest]:
            while (request := outgoing.get()) is not None:
                yield request

        call = self.stub.Subscribe(requests(), metadata=self.metadata)
        subscriber = Subscriber(call, outgoing)

        def read() -> None:
            try:
                for response in call:
                    subscriber.responses.put(response)
            except grpc.RpcError as error:
                subscriber.responses.put(error)

        threading.Thread(target=read, daemon=True).start()
        self.open.append(subscriber)
        return subscriber

    def decode(self, event: pb.ConsumerEvent) -> dict[str, Any]:
        schema_id = event.event.schema_id
        if schema_id not in self.schemas:
            info = self.stub.GetSchema(pb.SchemaRequest(schema_id=schema_id), metadata=self.metadata)
            self.schemas[schema_id] = fastavro.parse_schema(json.loads(info.schema_json))
        return fastavro.schemaless_reader(io.BytesIO(event.event.payload), self.schemas[schema_id])


@pytest.fixture
def channel(salesforce_pubsub_server: PubSubServer, sandbox_ca: SandboxCA) -> Iterator[grpc.Channel]:
    credentials = grpc.ssl_channel_credentials(root_certificates=sandbox_ca.ca_path.read_bytes())
    with grpc.secure_channel(salesforce_pubsub_server.target, credentials) as channel:
        yield channel


def _metadata(tenant: Tenant, token: str) -> tuple[tuple[str, str], ...]:
    return (("accesstoken", token), ("instanceurl", tenant.url), ("tenantid", tenant.org_id))


@pytest.fixture
def pubsub(tenant: Tenant, channel: grpc.Channel) -> Iterator[PubSubClient]:
    tenant.app.enable_change_data_capture(tenant.org_id, ["Contact", "Event", "EventRelation", "Task"])
    client = PubSubClient(pb_grpc.PubSubStub(channel), _metadata(tenant, tenant.token()["access_token"]))
    yield client
    for subscriber in client.open:
        subscriber.close()


@pytest.fixture
def sf(tenant: Tenant, sandbox_ca: SandboxCA) -> Salesforce:
    session = sandbox_session(sandbox_ca)
    session.headers["Sforce-Call-Options"] = "client=mailsync"  # the engine names itself so
    token = tenant.token()
    return Salesforce(
        instance_url=token["instance_url"], session_id=token["access_token"], session=session, version="62.0"
    )


def _subscribed(pubsub: PubSubClient, **kwargs: Any) -> Subscriber:
    """A subscription that has answered once (a keepalive): it is listening from now on."""
    subscriber = pubsub.subscribe(**kwargs)
    first = subscriber.next_response()
    assert not first.events
    return subscriber


def _header(decoded: dict[str, Any]) -> dict[str, Any]:
    return decoded["ChangeEventHeader"]


def test_it_delivers_a_created_contact_as_a_create_event(
    pubsub: PubSubClient, sf: Salesforce, tenant: Tenant
) -> None:
    subscriber = _subscribed(pubsub)
    contact_id = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"})[
        "id"
    ]

    [event] = subscriber.events(1)
    decoded = pubsub.decode(event)
    header = _header(decoded)
    assert header["entityName"] == "Contact"
    assert header["changeType"] == "CREATE"
    assert header["recordIds"] == [contact_id]
    assert header["changeOrigin"] == "com/salesforce/api/rest/62.0;client=mailsync"
    assert header["commitUser"] == tenant.user_id
    assert header["sequenceNumber"] == 1
    assert header["transactionKey"]
    assert header["commitTimestamp"] > 0
    assert decoded["LastName"] == "Lovelace"
    assert decoded["Email"] == "ada@example.com"
    assert len(event.replay_id) == 8

    topic = pubsub.stub.GetTopic(pb.TopicRequest(topic_name=CONTACTS), metadata=pubsub.metadata)
    assert topic.can_subscribe and not topic.can_publish
    assert topic.tenant_guid == tenant.org_id
    assert topic.schema_id == event.event.schema_id


def test_it_carries_the_changed_fields_of_an_update_and_a_delete(
    pubsub: PubSubClient, sf: Salesforce
) -> None:
    contact_id = sf.Contact.create({"LastName": "Hopper", "Title": "Rear Admiral"})["id"]
    subscriber = _subscribed(pubsub)

    sf.Contact.update(contact_id, {"Email": "grace@example.com", "Title": None})
    sf.Contact.delete(contact_id)

    update, delete = (pubsub.decode(e) for e in subscriber.events(2))
    assert _header(update)["changeType"] == "UPDATE"
    assert {"Email", "Title", "LastModifiedDate"} <= set(_header(update)["changedFields"])
    assert _header(update)["nulledFields"] == ["Title"]
    assert update["Email"] == "grace@example.com"
    assert update["LastName"] is None  # unchanged fields are not sent
    assert _header(delete)["changeType"] == "DELETE"
    assert _header(delete)["recordIds"] == [contact_id]
    assert _header(update)["transactionKey"] != _header(delete)["transactionKey"]
    assert _header(delete)["commitNumber"] > _header(update)["commitNumber"]


def test_it_sends_events_of_every_enabled_object_on_the_all_changes_topic(
    pubsub: PubSubClient, sf: Salesforce, tenant: Tenant
) -> None:
    subscriber = _subscribed(pubsub, topic="/data/ChangeEvents")
    sf.Task.create({"Subject": "Call back"})
    sf.Contact.create({"LastName": "Turing"})
    contact_id = tenant.app.records(tenant.org_id, "Contact")[-1]["Id"]
    sf.Contact.delete(contact_id)
    tenant.app.undelete_record(tenant.org_id, contact_id)

    kinds = [
        (_header(d)["entityName"], _header(d)["changeType"]) for d in map(pubsub.decode, subscriber.events(4))
    ]
    assert kinds == [
        ("Task", "CREATE"),
        ("Contact", "CREATE"),
        ("Contact", "DELETE"),
        ("Contact", "UNDELETE"),
    ]


def test_it_never_sends_more_events_than_requested(pubsub: PubSubClient, sf: Salesforce) -> None:
    subscriber = _subscribed(pubsub, num_requested=1)
    for name in ("One", "Two", "Three"):
        sf.Contact.create({"LastName": name})

    [first] = subscriber.events(1)
    assert pubsub.decode(first)["LastName"] == "One"
    owed_nothing = time.monotonic() + 1.5  # three keepalive periods: nothing may come unasked
    while time.monotonic() < owed_nothing:
        with pytest.raises(queue.Empty):
            subscriber.next_response(timeout=max(0.01, owed_nothing - time.monotonic()))

    subscriber.ask(5)
    response = subscriber.next_response()
    assert [pubsub.decode(e)["LastName"] for e in response.events] == ["Two", "Three"]
    assert response.pending_num_requested == 3
    assert response.latest_replay_id == response.events[-1].replay_id


def test_it_keeps_an_idle_subscription_alive_with_the_latest_replay_id(
    pubsub: PubSubClient, sf: Salesforce
) -> None:
    subscriber = _subscribed(pubsub)
    sf.Contact.create({"LastName": "Curie"})
    [event] = subscriber.events(1)

    keepalive = subscriber.next_response()
    assert not keepalive.events
    assert keepalive.pending_num_requested == 9
    assert int.from_bytes(keepalive.latest_replay_id, "big") >= int.from_bytes(event.replay_id, "big")


def test_it_replays_exactly_the_later_events_from_a_stored_replay_id(
    pubsub: PubSubClient, sf: Salesforce
) -> None:
    subscriber = _subscribed(pubsub)
    sf.Contact.create({"LastName": "Before"})
    [stored] = subscriber.events(1)
    subscriber.close()  # the subscriber goes away; changes go on

    sf.Contact.create({"LastName": "Missed 1"})
    sf.Contact.create({"LastName": "Missed 2"})
    resumed = pubsub.subscribe(preset=pb.CUSTOM, replay_id=stored.replay_id)
    missed = resumed.events(2)
    assert [pubsub.decode(e)["LastName"] for e in missed] == ["Missed 1", "Missed 2"]
    assert not resumed.next_response().events  # and nothing else: a keepalive


def test_it_replays_every_retained_event_from_earliest(pubsub: PubSubClient, sf: Salesforce) -> None:
    for name in ("First", "Second", "Third"):
        sf.Contact.create({"LastName": name})
    subscriber = pubsub.subscribe(preset=pb.EARLIEST)
    assert [pubsub.decode(e)["LastName"] for e in subscriber.events(3)] == ["First", "Second", "Third"]


def test_it_refuses_a_replay_id_older_than_the_retention_window(
    pubsub: PubSubClient, sf: Salesforce, tenant: Tenant
) -> None:
    sf.Contact.create({"LastName": "Old"})
    [old] = pubsub.subscribe(preset=pb.EARLIEST).events(1)
    tenant.app.advance_clock(73 * 3600)
    try:
        subscriber = pubsub.subscribe(preset=pb.CUSTOM, replay_id=old.replay_id)
        with pytest.raises(grpc.RpcError) as refused:
            subscriber.next_response()
    finally:
        tenant.app.advance_clock(-73 * 3600)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    trailers = dict(refused.value.trailing_metadata())
    assert trailers["error-code"] == "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
    assert "rpcId:" in refused.value.details()


def test_it_refuses_a_wrong_access_token(tenant: Tenant, channel: grpc.Channel) -> None:
    tenant.app.enable_change_data_capture(tenant.org_id, ["Contact"])
    stub = pb_grpc.PubSubStub(channel)
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetTopic(pb.TopicRequest(topic_name=CONTACTS), metadata=_metadata(tenant, "00Dbogus!token"))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (
        dict(refused.value.trailing_metadata())["error-code"]
        == "sfdc.platform.eventbus.grpc.service.auth.error"
    )

    client = PubSubClient(stub, _metadata(tenant, "00Dbogus!token"))
    with pytest.raises(grpc.RpcError) as stream_refused:
        client.subscribe().next_response()
    assert stream_refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_it_refuses_an_object_change_data_capture_is_not_enabled_for(
    tenant: Tenant, channel: grpc.Channel
) -> None:
    client = PubSubClient(pb_grpc.PubSubStub(channel), _metadata(tenant, tenant.token()["access_token"]))
    with pytest.raises(grpc.RpcError) as nothing_enabled:
        client.stub.GetTopic(pb.TopicRequest(topic_name=CONTACTS), metadata=client.metadata)
    assert nothing_enabled.value.code() == grpc.StatusCode.NOT_FOUND
    assert "not enabled" in nothing_enabled.value.details()

    tenant.app.enable_change_data_capture(tenant.org_id, ["Contact"])
    assert client.stub.GetTopic(pb.TopicRequest(topic_name=CONTACTS), metadata=client.metadata).can_subscribe
    with pytest.raises(grpc.RpcError) as task_not_enabled:
        client.subscribe(topic="/data/TaskChangeEvent").next_response()
    assert task_not_enabled.value.code() == grpc.StatusCode.NOT_FOUND


def test_it_delivers_an_injected_gap_event(pubsub: PubSubClient, sf: Salesforce, tenant: Tenant) -> None:
    subscriber = _subscribed(pubsub)
    contact_id = sf.Contact.create({"LastName": "Gapped"})["id"]
    replay = tenant.app.inject_change_gap(tenant.org_id, "Contact", "GAP_UPDATE", [contact_id])
    tenant.app.inject_change_gap(tenant.org_id, "Contact", "GAP_OVERFLOW")

    create, gap, overflow = subscriber.events(3)
    assert _header(pubsub.decode(create))["changeType"] == "CREATE"
    assert gap.replay_id == replay
    assert _header(pubsub.decode(gap))["changeType"] == "GAP_UPDATE"
    assert _header(pubsub.decode(gap))["recordIds"] == [contact_id]
    assert _header(pubsub.decode(overflow))["changeType"] == "GAP_OVERFLOW"


def test_it_makes_no_event_for_a_rolled_back_write(pubsub: PubSubClient, sf: Salesforce) -> None:
    subscriber = _subscribed(pubsub)
    rolled_back = sf.restful(
        "composite/sobjects",
        method="POST",
        data=json.dumps(
            {
                "allOrNone": True,
                "records": [
                    {"attributes": {"type": "Contact"}, "LastName": "Kept?"},
                    {"attributes": {"type": "Contact"}, "NoSuchField": "x"},
                ],
            }
        ),
    )
    assert not any(r["success"] for r in rolled_back)
    sf.Contact.create({"LastName": "Real"})
    [event] = subscriber.events(1)
    assert pubsub.decode(event)["LastName"] == "Real"


def test_it_keeps_delivering_what_was_asked_for_after_the_client_ends_its_requests(
    pubsub: PubSubClient, sf: Salesforce
) -> None:
    # One FetchRequest, then the client's side of the stream ends: that is "no more requests", not
    # "stop" (Salesforce delivers the five asked for).
    responses = pubsub.stub.Subscribe(
        iter([pb.FetchRequest(topic_name=CONTACTS, replay_preset=pb.LATEST, num_requested=5)]),
        metadata=pubsub.metadata,
    )
    try:
        assert not next(responses).events  # listening (a keepalive)
        sf.Contact.create({"LastName": "Hamilton"})
        delivered = next(r for r in responses if r.events)
        assert len(delivered.events) == 1
    finally:
        responses.cancel()
