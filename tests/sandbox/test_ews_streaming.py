"""The EWS sandbox's streaming notifications, driven through exchangelib's own streaming API."""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from exchangelib import Account, CalendarItem, Contact, EWSDateTime, EWSTimeZone, Message, Task
from exchangelib.errors import (
    ErrorInvalidSubscription,
    ErrorSubscriptionAccessDenied,
    ErrorSubscriptionNotFound,
)
from exchangelib.properties import (
    CreatedEvent,
    DeletedEvent,
    FolderId,
    ModifiedEvent,
    MovedEvent,
    NewMailEvent,
)

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.support.ews import PASSWORD, Background, ews_account, new_mailbox, wait_until

UTC = EWSTimeZone("UTC")
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
EVENTS = ["CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "NewMailEvent"]


@pytest.fixture
def smtp(ews_server: SandboxServer) -> str:
    # A ConnectionTimeout minute lasts 5 s here: a stream a test forgets ends soon.
    ews_server.app.stream_timing(minute=5.0)  # type: ignore[attr-defined]
    return new_mailbox(ews_server)


@pytest.fixture
def account(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str) -> Account:
    return ews_account(ews_server, sandbox_ca, smtp)


@pytest.fixture
def listener(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str) -> Account:
    """A second account on the same mailbox: a stream holds its account's one connection."""
    return ews_account(ews_server, sandbox_ca, smtp)


def events_of(listener: Account, *subscription_ids: str, minutes: int = 1) -> Background:
    """Every event of the stream, (subscription id, event), read in the background."""

    def read() -> Any:
        for notification in listener.inbox.get_streaming_events(
            list(subscription_ids), connection_timeout=minutes
        ):
            for event in notification.events:
                yield notification.subscription_id, event

    return Background(read)


def is_event(kind: type, item_id: str, subscription_id: str = "") -> Any:
    def match(pair: tuple[str, Any]) -> bool:
        got_id, event = pair
        return (
            type(event) is kind
            and event.item_id is not None
            and event.item_id.id == item_id
            and (not subscription_id or got_id == subscription_id)
        )

    return match


def meeting(account: Account, subject: str) -> CalendarItem:
    return CalendarItem(
        account=account,
        folder=account.calendar,
        subject=subject,
        start=EWSDateTime(2026, 12, 1, 9, tzinfo=UTC),
        end=EWSDateTime(2026, 12, 1, 10, tzinfo=UTC),
    )


def test_it_delivers_calendar_create_modify_and_delete_made_through_ews(
    account: Account, listener: Account
) -> None:
    subscription = account.calendar.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, subscription)
    item = meeting(account, "Kickoff")
    item.save(send_meeting_invitations="SendToNone")
    created = stream.take(is_event(CreatedEvent, item.id))
    assert created[1].parent_folder_id.id == account.calendar.id
    assert created[1].watermark
    assert created[1].item_id.changekey == item.changekey
    item.subject = "Kickoff (moved)"
    item.save(update_fields=["subject"], send_meeting_invitations="SendToNone")
    stream.take(is_event(ModifiedEvent, item.id))
    item_id = item.id
    item.delete(send_meeting_cancellations="SendToNone")
    stream.take(is_event(DeletedEvent, item_id))
    account.calendar.unsubscribe(subscription)
    stream.finish()
    assert stream.error is None


def test_it_delivers_tasks_and_contacts_changes_made_in_outlook(
    ews_server: SandboxServer, smtp: str, account: Account, listener: Account
) -> None:
    app: Any = ews_server.app
    tasks = account.tasks.subscribe_to_streaming(event_types=EVENTS)
    contacts = account.contacts.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, tasks, contacts)
    task = app.create_item(smtp, "tasks", {"Subject": "Call back"})
    contact = app.create_item(smtp, "contacts", {"GivenName": "Ada", "Surname": "Lovelace"})
    stream.take(is_event(CreatedEvent, task["id"], tasks))
    stream.take(is_event(CreatedEvent, contact["id"], contacts))
    app.update_item(smtp, task["id"], {"Subject": "Call back today"})
    app.update_item(smtp, contact["id"], {"Surname": "King"})
    stream.take(is_event(ModifiedEvent, task["id"], tasks))
    stream.take(is_event(ModifiedEvent, contact["id"], contacts))
    app.delete_item(smtp, task["id"])
    app.delete_item(smtp, contact["id"])
    stream.take(is_event(DeletedEvent, task["id"], tasks))
    stream.take(is_event(DeletedEvent, contact["id"], contacts))


def test_it_delivers_tasks_and_contacts_written_through_ews(account: Account, listener: Account) -> None:
    subscription = account.tasks.subscribe_to_streaming(event_types=EVENTS)
    contacts = account.contacts.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, subscription, contacts)
    task = Task(account=account, folder=account.tasks, subject="Send quote")
    task.save()
    contact = Contact(
        account=account, folder=account.contacts, display_name="Grace Hopper", given_name="Grace"
    )
    contact.save()
    stream.take(is_event(CreatedEvent, task.id, subscription))
    stream.take(is_event(CreatedEvent, contact.id, contacts))


def test_it_delivers_new_mail_in_the_inbox_and_a_move_out_of_it(
    ews_server: SandboxServer, smtp: str, account: Account, listener: Account
) -> None:
    app: Any = ews_server.app
    subscription = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, subscription)
    message = app.create_item(smtp, "inbox", {"Subject": "Quote", "From": "buyer@client.example"})
    stream.take(is_event(CreatedEvent, message["id"]))
    stream.take(is_event(NewMailEvent, message["id"]))
    app.update_item(smtp, message["id"], {"IsRead": True})
    stream.take(is_event(ModifiedEvent, message["id"]))
    moved = app.move_item(smtp, message["id"], "deleteditems")
    event = stream.take(is_event(MovedEvent, moved["id"]))[1]
    assert event.old_item_id.id == message["id"]
    assert event.old_parent_folder_id.id == account.inbox.id


def test_it_delivers_within_a_second_of_the_write(account: Account, listener: Account) -> None:
    subscription = account.inbox.subscribe_to_streaming(event_types=["CreatedEvent"])
    stream = events_of(listener, subscription)
    Message(account=account, folder=account.inbox, subject="Fast").save()  # the stream is open by now
    started = time.monotonic()
    message = Message(account=account, folder=account.inbox, subject="Faster")
    message.save()
    stream.take(is_event(CreatedEvent, message.id), timeout=1.0)
    assert time.monotonic() - started < 1.0


def test_it_leaves_out_other_folders_and_unasked_event_types(account: Account, listener: Account) -> None:
    subscription = account.calendar.subscribe_to_streaming(event_types=["DeletedEvent"])
    stream = events_of(listener, subscription)
    Task(account=account, folder=account.tasks, subject="Not watched").save()
    item = meeting(account, "Created unseen")
    item.save(send_meeting_invitations="SendToNone")
    item_id = item.id
    item.delete(send_meeting_cancellations="SendToNone")
    stream.take(is_event(DeletedEvent, item_id))
    assert stream.seen == []  # neither the task nor the creation came before the deletion


def test_it_carries_several_subscriptions_on_one_call(
    ews_server: SandboxServer, smtp: str, account: Account, listener: Account
) -> None:
    app: Any = ews_server.app
    calendar = account.calendar.subscribe_to_streaming(event_types=EVENTS)
    inbox = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, calendar, inbox)
    message = app.create_item(smtp, "inbox", {"Subject": "Hello"})
    event = app.create_item(
        smtp, "calendar", {"Subject": "Lunch", "Start": "2026-12-02T12:00:00Z", "End": "2026-12-02T13:00:00Z"}
    )
    stream.take(is_event(CreatedEvent, message["id"], inbox))
    stream.take(is_event(CreatedEvent, event["id"], calendar))
    assert [entry["operation"] for entry in app.requests()].count("GetStreamingEvents") == 1


def test_it_keeps_events_made_while_no_stream_was_open(
    ews_server: SandboxServer, smtp: str, account: Account, listener: Account
) -> None:
    subscription = account.tasks.subscribe_to_streaming(event_types=EVENTS)
    task = ews_server.app.create_item(smtp, "tasks", {"Subject": "Queued"})  # type: ignore[attr-defined]
    stream = events_of(listener, subscription)
    stream.take(is_event(CreatedEvent, task["id"]))


def test_it_sends_keepalives_then_closed_when_the_timeout_runs_out(
    ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str, account: Account, listener: Account
) -> None:
    from exchangelib.services import GetStreamingEvents
    from exchangelib.util import DocumentYielder

    ews_server.app.stream_timing(minute=1.2, keepalive=0.3)  # type: ignore[attr-defined]
    subscription = account.calendar.subscribe_to_streaming(event_types=EVENTS)
    service = GetStreamingEvents(account=listener)
    started = time.monotonic()
    assert list(service.call(subscription_ids=[subscription], connection_timeout=1)) == []
    assert 1.1 <= time.monotonic() - started < 3.0
    assert service.connection_status == "Closed"  # exchangelib read the last envelope's status
    # The same call on the wire, cut into envelopes by exchangelib's own reader of the stream.
    body = service.wrap(
        service.get_payload(subscription_ids=[subscription], connection_timeout=1), "Exchange2016"
    )
    answer = requests.post(
        f"{ews_server.url}/EWS/Exchange.asmx",
        data=body,
        auth=(smtp, PASSWORD),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        verify=str(sandbox_ca.ca_path),
        stream=True,
        timeout=10,
    )
    assert answer.headers["Transfer-Encoding"] == "chunked"
    statuses = [
        ET.fromstring(document).findtext(f".//{{{MESSAGES}}}ConnectionStatus")
        for document in DocumentYielder(answer.iter_content())
    ]
    assert statuses[0] == "OK" and statuses[-1] == "Closed"
    assert statuses.count("OK") >= 3  # one on opening, then one every 0.3 s


def test_it_refuses_unknown_malformed_and_unsubscribed_ids(account: Account, listener: Account) -> None:
    with pytest.raises(ErrorInvalidSubscription):
        list(listener.inbox.get_streaming_events("not-a-subscription", connection_timeout=1))
    subscription = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    account.inbox.unsubscribe(subscription)
    with pytest.raises(ErrorSubscriptionNotFound) as refused:
        list(listener.inbox.get_streaming_events(subscription, connection_timeout=1))
    assert subscription in str(refused.value)  # exchangelib lists the ErrorSubscriptionIds
    with pytest.raises(ErrorSubscriptionNotFound):
        account.inbox.unsubscribe(subscription)


def test_it_refuses_a_call_when_one_of_its_ids_is_gone(account: Account, listener: Account) -> None:
    live = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    gone = account.calendar.subscribe_to_streaming(event_types=EVENTS)
    account.calendar.unsubscribe(gone)
    with pytest.raises(ErrorSubscriptionNotFound) as refused:
        list(listener.inbox.get_streaming_events([live, gone], connection_timeout=1))
    assert gone in str(refused.value) and live not in str(refused.value)


def test_it_expires_a_subscription_not_read_for_30_minutes(
    ews_server: SandboxServer, account: Account, listener: Account
) -> None:
    app: Any = ews_server.app
    kept = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    app.age_subscriptions(29)
    stream = events_of(listener, kept)  # read in time: it lives on
    Message(account=account, folder=account.inbox, subject="Still here").save()
    stream.take(lambda pair: isinstance(pair[1], CreatedEvent))
    idle = account.calendar.subscribe_to_streaming(event_types=EVENTS)
    app.age_subscriptions(30)
    with pytest.raises(ErrorSubscriptionNotFound):
        list(account.calendar.get_streaming_events(idle, connection_timeout=1))  # listener is streaming
    Message(account=account, folder=account.inbox, subject="Read all along").save()
    stream.take(lambda pair: isinstance(pair[1], CreatedEvent))  # the one being read never expired


def test_it_refuses_another_mailboxs_subscription(
    ews_server: SandboxServer, sandbox_ca: SandboxCA, account: Account
) -> None:
    other = ews_account(ews_server, sandbox_ca, new_mailbox(ews_server, "other"))
    theirs = other.inbox.subscribe_to_streaming(event_types=EVENTS)
    with pytest.raises(ErrorSubscriptionAccessDenied):
        list(account.inbox.get_streaming_events(theirs, connection_timeout=1))


def test_it_cuts_open_streams_when_told_to_drop_them(
    ews_server: SandboxServer, smtp: str, account: Account, listener: Account
) -> None:
    app: Any = ews_server.app
    subscription = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    stream = events_of(listener, subscription)
    first = app.create_item(smtp, "inbox", {"Subject": "Before"})
    stream.take(is_event(CreatedEvent, first["id"]))
    app.drop_streams()
    stream.finish()
    assert isinstance(stream.error, requests.exceptions.ChunkedEncodingError)  # a broken answer, not Closed
    later = app.create_item(smtp, "inbox", {"Subject": "While away"})
    again = events_of(listener, subscription)  # the subscription outlived its connection
    again.take(is_event(CreatedEvent, later["id"]))


def test_it_hands_a_subscription_to_the_newer_stream(
    account: Account, listener: Account, ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str
) -> None:
    subscription = account.inbox.subscribe_to_streaming(event_types=EVENTS)
    older = events_of(listener, subscription)
    wait_until(lambda: ews_server.app.streaming.open_streams(smtp) == 1)  # type: ignore[attr-defined]
    newer = events_of(ews_account(ews_server, sandbox_ca, smtp), subscription)
    older.finish()  # Closed: its one subscription is read elsewhere now
    assert older.error is None
    message = Message(account=account, folder=account.inbox, subject="To the newer")
    message.save()
    newer.take(is_event(CreatedEvent, message.id))


def test_it_refuses_to_subscribe_a_folder_that_is_not_there(account: Account) -> None:
    from exchangelib.errors import ErrorFolderNotFound
    from exchangelib.services import SubscribeToStreaming

    missing = FolderId(id=base64.b64encode(b"no such folder").decode())
    with pytest.raises(ErrorFolderNotFound):
        SubscribeToStreaming(account=account).get(folders=[missing], event_types=EVENTS)
