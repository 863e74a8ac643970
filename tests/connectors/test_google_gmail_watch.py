"""connectors/google/gmail_watch.py against the Google sandbox: a mailbox's Gmail watch through the
GoogleConnector, and the operator's Pub/Sub subscription through PubSubPuller (service account)."""

from __future__ import annotations

import base64
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import ConnectorError
from connectors.google.gmail_watch import (
    GmailNotice,
    PubSubPuller,
    mailbox_stop,
    mailbox_watch,
    read_notice,
    service_account_key,
)
from sandbox.base import SandboxServer
from sandbox.fixtures_google import GoogleAccount
from sandbox.tls import SandboxCA
from tests.support.connectors import Rep
from tests.support.gmail_pubsub import Operator, gmail, make_operator, puller, until


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


@pytest.fixture
def operator(google_server: SandboxServer, sandbox_ca: SandboxCA) -> Operator:
    # A 1 s ack deadline (sandbox-only: Google's minimum is 10) keeps redelivery quick to see.
    return make_operator(google_server, sandbox_ca, ack_deadline_seconds=1)


def pulled(source: PubSubPuller, seconds: float = 5) -> list[GmailNotice]:
    return until(source.pull, seconds)


def test_it_watches_a_mailbox_and_pulls_its_change_notices_until_acked(rep: Rep, operator: Operator):
    watch = mailbox_watch(rep.connector(), operator.topic)
    profile = gmail(rep.account).users().getProfile(userId="me").execute()
    assert watch.history_id == int(profile["historyId"])
    assert (
        timedelta(days=7) - timedelta(minutes=1) < watch.expires_at - datetime.now(UTC) <= timedelta(days=7)
    )

    message = rep.app.deliver_mail(rep.user, "lee@client.example", "Quote", "Please send it")
    source = puller(operator)
    notices = pulled(source)
    assert [(n.address, n.history_id, n.bad) for n in notices] == [
        (rep.account.email, int(message["historyId"]), False)
    ]
    notice = notices[0]
    assert notice.history_id > watch.history_id and notice.ack_id and notice.message_id
    assert notice.published_at is not None and abs(notice.published_at - datetime.now(UTC)) < timedelta(
        seconds=5
    )

    source.ack([notice.ack_id])
    time.sleep(1.1)  # past the ack deadline: an unacked notice would be back by now
    assert source.pull() == []
    assert source.token_calls == 1  # one service-account sign-in serves every call


def test_it_gets_an_unacked_notice_again_after_the_deadline_and_extend_holds_or_hands_it_back(
    rep: Rep, operator: Operator
):
    mailbox_watch(rep.connector(), operator.topic, label_ids=["INBOX"])
    rep.app.deliver_mail(rep.user, "lee@client.example", "Hi", "x")
    source = puller(operator)
    first = pulled(source)
    again = pulled(source, 3)
    assert [n.message_id for n in again] == [first[0].message_id]
    assert again[0].ack_id != first[0].ack_id

    source.extend([again[0].ack_id], 30)  # held: not delivered at the 1 s deadline
    time.sleep(1.2)
    assert source.pull() == []
    source.extend([again[0].ack_id], 0)  # handed back: delivered at once
    back = source.pull()
    assert [n.message_id for n in back] == [first[0].message_id]
    source.ack(n.ack_id for n in back)
    source.ack([])  # nothing to ack is no call
    time.sleep(1.1)
    assert source.pull() == []


def test_it_returns_malformed_messages_flagged_bad_beside_good_ones(rep: Rep, operator: Operator):
    mailbox_watch(rep.connector(), operator.topic)
    payloads: list[bytes] = [
        b"not json at all",
        b"[1, 2]",
        json.dumps({"emailAddress": rep.account.email}).encode(),
        json.dumps({"emailAddress": rep.account.email, "historyId": "abc"}).encode(),
        json.dumps({"historyId": 12}).encode(),
        b"\xff\xfe",
        json.dumps({"emailAddress": "ann@client.example", "historyId": "4321"}).encode(),  # the docs' shape
    ]
    topics = operator.pubsub().projects().topics()
    messages = [{"data": base64.b64encode(p).decode()} for p in payloads]
    topics.publish(topic=operator.topic, body={"messages": messages}).execute()
    delivered = rep.app.deliver_mail(rep.user, "lee@client.example", "Real", "x")

    source = puller(operator)
    notices = pulled(source)
    notices += source.pull() if len(notices) < 8 else []
    assert len(notices) == 8 and all(n.ack_id for n in notices)
    good = [(n.address, n.history_id) for n in notices if not n.bad]
    assert good == [("ann@client.example", 4321), (rep.account.email, int(delivered["historyId"]))]
    assert sorted(n.problem for n in notices if n.bad) == [
        "data is not a JSON object",
        "data is not base64 JSON",
        "data is not base64 JSON",
        "no emailAddress",
        "no historyId",
        "no historyId",
    ]
    source.ack(n.ack_id for n in notices)  # bad ones too: they would only come back
    time.sleep(1.1)
    assert source.pull() == []


def test_it_reads_an_item_that_is_not_base64_or_not_even_an_object_as_a_bad_notice():
    broken = read_notice({"ackId": "a1", "message": {"data": "%%%not-base64%%%", "messageId": "7"}})
    assert (broken.ack_id, broken.message_id, broken.bad, broken.problem) == (
        "a1",
        "7",
        True,
        "data is not base64 JSON",
    )
    assert read_notice("junk").bad and read_notice({"message": {}}).problem == "no ackId"
    odd_time = read_notice({"ackId": "a2", "message": {"data": "", "publishTime": 12}})
    assert odd_time.bad and odd_time.published_at is None
    urlsafe = base64.urlsafe_b64encode(json.dumps({"emailAddress": "a@b.example", "historyId": 9}).encode())
    stamp = "2026-12-06T20:40:01.123456789Z"  # nanoseconds, as Pub/Sub may write them
    fine = read_notice(
        {"ackId": "a3", "message": {"data": urlsafe.decode().rstrip("="), "publishTime": stamp}}
    )
    assert (fine.address, fine.history_id, fine.bad) == ("a@b.example", 9, False)
    assert fine.published_at == datetime(2026, 12, 6, 20, 40, 1, 123456, UTC)


def test_it_refuses_a_topic_gmail_may_not_publish_to_as_the_operators_permanent_error(
    rep: Rep, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    ungranted = make_operator(google_server, sandbox_ca, grant_gmail=False)
    for topic, status in ((ungranted.topic, 403), (f"projects/{ungranted.project}/topics/missing", 404)):
        with pytest.raises(ConnectorError) as refused:
            mailbox_watch(rep.connector(), topic)
        assert (refused.value.code, refused.value.status, refused.value.permanent) == (
            "GMAIL_TOPIC_REFUSED",
            status,
            True,
        )
        assert "gmail-api-push@system.gserviceaccount.com" in refused.value.message


def test_it_stops_a_mailbox_watch(rep: Rep, operator: Operator):
    connector = rep.connector()
    mailbox_watch(connector, operator.topic)
    mailbox_stop(connector)
    mailbox_stop(connector)  # none on: still fine
    rep.app.deliver_mail(rep.user, "lee@client.example", "After stop", "x")
    assert puller(operator).pull() == []


def test_it_maps_pubsub_refusals_to_connector_errors(
    operator: Operator, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    other = make_operator(google_server, sandbox_ca)
    with pytest.raises(ConnectorError) as foreign:
        puller(operator, service_account_info=other.key).pull()  # not a member of the project
    assert (foreign.value.status, foreign.value.code, foreign.value.permanent) == (
        403,
        "PERMISSION_DENIED",
        True,
    )
    with pytest.raises(ConnectorError) as missing:
        puller(operator, subscription=f"projects/{operator.project}/subscriptions/gone").pull()
    assert (missing.value.status, missing.value.code, missing.value.permanent) == (404, "NOT_FOUND", True)
    forged = {**operator.key, "private_key": other.key["private_key"]}
    with pytest.raises(ConnectorError) as signed:
        puller(operator, service_account_info=forged).ack(["x"])
    assert (signed.value.code, signed.value.permanent) == ("PUBSUB_AUTH_FAILED", True)
    assert "Invalid JWT Signature" in signed.value.message
    with pytest.raises(ConnectorError) as unusable:
        puller(operator, service_account_info={"type": "service_account"})
    assert unusable.value.code == "PUBSUB_KEY_INVALID" and unusable.value.permanent

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    offline = puller(
        operator, api_url=f"https://127.0.0.1:{port}", token_uri=f"https://127.0.0.1:{port}/token"
    )
    with pytest.raises(ConnectorError) as unreachable:
        offline.pull()
    assert (unreachable.value.code, unreachable.value.permanent) == ("NETWORK", False)


def test_it_waits_on_an_empty_subscription_then_answers_none(operator: Operator):
    source = puller(operator)
    assert source.ack_deadline_seconds() == 1  # what the sandbox hook set (Google's least is 10)
    started = time.monotonic()
    assert source.pull(5) == []
    assert time.monotonic() - started >= 0.4  # the server held the pull (its wait here: 0.5 s)


def test_it_reads_the_service_account_key_file_and_refuses_what_is_not_one(
    operator: Operator, tmp_path: Path
):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(operator.key))
    source = puller(operator, service_account_info=service_account_key(str(key_file)))
    assert source.ack_deadline_seconds() == 1
    (tmp_path / "oauth.json").write_text(json.dumps({"web": {"client_id": "x"}}))
    for wrong in (tmp_path / "missing.json", tmp_path / "oauth.json"):
        with pytest.raises(ConnectorError) as refused:
            service_account_key(str(wrong))
        assert (refused.value.code, refused.value.permanent) == ("PUBSUB_KEY_INVALID", True)
