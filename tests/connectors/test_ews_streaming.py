"""connectors.ews.streaming against the EWS sandbox: exchangelib's streaming calls over real TLS."""

from __future__ import annotations

import time
from typing import Any

import pytest
from exchangelib import Account

from connectors.base import ConnectorError, RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from connectors.ews.streaming import (
    Stopper,
    StreamNotice,
    Subscription,
    SubscriptionGoneError,
    engine_folders,
    stream,
    subscribe,
    unsubscribe,
)
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.support.ews import PASSWORD, Background, ews_account, new_mailbox, wait_until


@pytest.fixture
def smtp(ews_server: SandboxServer) -> str:
    ews_server.app.stream_timing(minute=5.0)  # type: ignore[attr-defined]  # a forgotten stream ends soon
    return new_mailbox(ews_server, "rep")


@pytest.fixture
def app(ews_server: SandboxServer) -> Any:
    return ews_server.app


@pytest.fixture
def connector(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str) -> EwsConnector:
    config = EwsConfig(
        service_endpoint=f"{ews_server.url}/EWS/Exchange.asmx",
        ca_bundle=str(sandbox_ca.ca_path),
        timeout=10,
        retry=RetryPolicy(max_attempts=1, base_delay=0.01, max_wait=1),
    )
    return EwsConnector(config, {"primary_smtp_address": smtp}, {"username": smtp, "password": PASSWORD})


@pytest.fixture
def listener(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str) -> Account:
    """The listener's own account: a stream holds its connection."""
    return ews_account(ews_server, sandbox_ca, smtp)


def notices(account: Account, subscriptions: list[Subscription], stop: Stopper | None = None) -> Background:
    return Background(lambda: stream(account, subscriptions, timeout_minutes=1, stop=stop))


def notice(kind: str, change: str, item_id: str) -> Any:
    def match(found: StreamNotice) -> bool:
        return (found.kind, found.change, found.item_id) == (kind, change, item_id)

    return match


def test_it_hears_each_engine_stream_in_its_own_folders(
    connector: EwsConnector, listener: Account, app: Any, smtp: str
) -> None:
    folders = engine_folders(connector)
    subscriptions = subscribe(listener, folders)
    assert sorted(s.kind for s in subscriptions) == ["contacts", "emails", "events", "tasks"]
    heard = notices(listener, subscriptions)
    event = app.create_item(
        smtp, "calendar", {"Subject": "Demo", "Start": "2026-12-03T09:00:00Z", "End": "2026-12-03T10:00:00Z"}
    )
    task = app.create_item(smtp, folders["tasks"][0], {"Subject": "Follow up"})
    contact = app.create_item(smtp, folders["contacts"][0], {"GivenName": "Ada", "Surname": "Byron"})
    mail = app.create_item(smtp, "inbox", {"Subject": "Order", "From": "buyer@client.example"})
    personal = app.create_item(smtp, "tasks", {"Subject": "Groceries"})  # the default Tasks: not synced
    heard.take(notice("events", "created", event["id"]))
    heard.take(notice("tasks", "created", task["id"]))
    heard.take(notice("contacts", "created", contact["id"]))
    found = heard.take(notice("emails", "created", mail["id"]))
    assert found.watermark
    app.update_item(smtp, task["id"], {"Subject": "Follow up today"})
    heard.take(notice("tasks", "updated", task["id"]))
    app.delete_item(smtp, event["id"])
    heard.take(notice("events", "deleted", event["id"]))
    assert all(n.item_id != personal["id"] for n in heard.seen)


def test_it_tells_a_move_out_of_a_watched_folder_as_a_deletion_there(
    connector: EwsConnector, listener: Account, app: Any, smtp: str
) -> None:
    folders = engine_folders(connector)
    subscriptions = subscribe(listener, {"tasks": folders["tasks"]})
    heard = notices(listener, subscriptions)
    task = app.create_item(smtp, folders["tasks"][0], {"Subject": "Move me"})
    heard.take(notice("tasks", "created", task["id"]))
    moved = app.move_item(smtp, task["id"], "tasks")
    heard.take(notice("tasks", "deleted", task["id"]))
    heard.take(notice("tasks", "created", moved["id"]))


def test_it_ends_quietly_when_exchange_closes_the_stream_at_its_timeout(listener: Account, app: Any) -> None:
    app.stream_timing(minute=0.5, keepalive=0.2)
    subscriptions = subscribe(listener, {"events": ["calendar"]})
    started = time.monotonic()
    assert list(stream(listener, subscriptions, timeout_minutes=1)) == []
    assert 0.4 < time.monotonic() - started < 3


def test_it_stops_a_blocked_stream_from_another_thread(listener: Account, app: Any, smtp: str) -> None:
    subscriptions = subscribe(listener, {"events": ["calendar"]})
    stop = Stopper()
    heard = notices(listener, subscriptions, stop)
    wait_until(lambda: app.streaming.open_streams(smtp) == 1)
    started = time.monotonic()
    stop.stop()
    heard.finish(timeout=2)
    assert time.monotonic() - started < 1  # the keepalive (30 s by default) was not waited for
    assert heard.error is None


def test_it_reports_a_broken_stream_as_transient_and_reads_on_after_it(
    listener: Account, app: Any, smtp: str
) -> None:
    subscriptions = subscribe(listener, {"emails": ["inbox"]})
    heard = notices(listener, subscriptions)
    wait_until(lambda: app.streaming.open_streams(smtp) == 1)
    app.drop_streams()
    heard.finish()
    assert isinstance(heard.error, ConnectorError)
    assert (heard.error.code, heard.error.permanent) == ("STREAM_LOST", False)
    mail = app.create_item(smtp, "inbox", {"Subject": "While the stream was down"})
    again = notices(listener, subscriptions)
    again.take(notice("emails", "created", mail["id"]))


def test_it_tells_an_expired_subscription_apart_so_the_caller_subscribes_again(
    listener: Account, app: Any, smtp: str
) -> None:
    subscriptions = subscribe(listener, {"events": ["calendar"], "emails": ["inbox"]})
    app.age_subscriptions(30)
    with pytest.raises(SubscriptionGoneError) as gone:
        list(stream(listener, subscriptions, timeout_minutes=1))
    assert set(gone.value.subscription_ids) == {s.id for s in subscriptions}
    assert (gone.value.code, gone.value.permanent) == ("SUBSCRIPTION_GONE", True)
    fresh = subscribe(listener, {"emails": ["inbox"]})
    heard = notices(listener, fresh)
    mail = app.create_item(smtp, "inbox", {"Subject": "After resubscribing"})
    heard.take(notice("emails", "created", mail["id"]))


def test_it_names_only_the_gone_subscription_among_live_ones(listener: Account) -> None:
    live, gone = subscribe(listener, {"events": ["calendar"], "emails": ["inbox"]})
    unsubscribe(listener, [gone.id])
    with pytest.raises(SubscriptionGoneError) as refused:
        list(stream(listener, [live, gone], timeout_minutes=1))
    assert refused.value.subscription_ids == (gone.id,)


def test_it_tells_a_refused_sign_in_apart(listener: Account, app: Any, smtp: str) -> None:
    subscriptions = subscribe(listener, {"events": ["calendar"]})
    app.set_password(smtp, "Changed-Passw0rd")
    with pytest.raises(ConnectorError) as refused:
        list(stream(listener, subscriptions, timeout_minutes=1))
    assert (refused.value.code, refused.value.permanent) == ("MAIL_AUTH_REVOKED", True)
    with pytest.raises(ConnectorError) as again:
        subscribe(listener, {"events": ["calendar"]})
    assert again.value.code == "MAIL_AUTH_REVOKED"


def test_it_reports_a_busy_server_as_transient(listener: Account, app: Any) -> None:
    subscriptions = subscribe(listener, {"events": ["calendar"]})
    app.server_busy(count=1, back_off_ms=250)
    with pytest.raises(ConnectorError) as busy:
        list(stream(listener, subscriptions, timeout_minutes=1))
    assert (busy.value.permanent, busy.value.retry_after) == (False, 0.25)


def test_it_unsubscribes_and_skips_ids_already_gone(listener: Account, app: Any, smtp: str) -> None:
    subscriptions = subscribe(listener, {"events": ["calendar"], "tasks": ["tasks"]})
    unsubscribe(listener, [subscriptions[0].id])
    unsubscribe(listener, [s.id for s in subscriptions])  # the first is gone already: no error
    assert [s for s in app.streaming.subscriptions.values() if s.owner == smtp] == []


def test_it_leaves_no_subscription_behind_when_one_folder_is_refused(
    listener: Account, app: Any, smtp: str
) -> None:
    with pytest.raises(ConnectorError) as refused:
        subscribe(listener, {"events": ["calendar"], "tasks": ["AAMkAGNvbnRvc28tbm8tc3VjaC1mb2xkZXI="]})
    assert (refused.value.code, refused.value.permanent) == ("ErrorFolderNotFound", True)
    assert [s for s in app.streaming.subscriptions.values() if s.owner == smtp] == []
