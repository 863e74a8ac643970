"""GraphConnector's mail reads and writes against the Graph sandbox, through msal and real HTTP."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import ConnectorError
from connectors.graph.connector import GraphConnector
from syncengine.core.email_records import EmailAddress
from syncengine.services.connectors import mail_connector_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deliver(graph: Any, person: Person, subject: str, days_ago: float = 0.5, **extra: Any) -> dict[str, Any]:
    email = {
        "from": {"address": "Lead@Acme.example", "name": "Lee Lead"},
        "to": [person.mailbox.address],
        "subject": subject,
        "receivedDateTime": ago(days_ago),
        **extra,
    }
    return graph.mail.deliver(person.tenant_id, person.graph_user_id, email)


def api_calls(graph: Any, person: Person) -> int:
    return len(graph.requests(tenant=person.tenant_id, kind="api"))


def cursors(connector: GraphConnector) -> dict[str, str]:
    """A first read of the three folders, as the engine does on activation."""
    return {
        folder: connector.read_email_changes(folder=folder, cursor="").next_cursor  # type: ignore[arg-type]
        for folder in ("inbox", "sent", "salesforce")
    }


# -- reads ---------------------------------------------------------------------------------------------
def test_it_backfills_the_inbox_window_then_reads_only_changes(person: Person, graph: Any) -> None:
    recent = deliver(
        graph,
        person,
        "Pricing",
        days_ago=2,
        cc=["Buyer@Acme.example"],
        body="<p>Hello</p><p>Our <b>budget</b> is set.</p>",
        bodyType="html",
    )
    deliver(graph, person, "Too old", days_ago=10)
    connector = mail_connector_for(person.mailbox)

    first = connector.read_email_changes(folder="inbox", cursor="")

    assert first.full is True
    [email] = first.items
    assert email.id == recent["id"] and email.folder == "inbox"
    assert email.internet_message_id == recent["internetMessageId"]
    assert email.conversation_id == recent["conversationId"]
    assert email.subject == "Pricing"
    assert email.from_ == EmailAddress("lead@acme.example", "Lee Lead")
    assert email.to == (EmailAddress(person.mailbox.address.lower(), ""),)
    assert email.cc == (EmailAddress("buyer@acme.example", ""),)
    assert email.text_body == "Hello\n\nOur budget is set."
    assert "<b>budget</b>" in email.html_body
    assert email.received_at == recent["receivedDateTime"] and email.sent_at.endswith("Z")
    assert email.removed is False and email.is_draft is False and email.version == recent["changeKey"]

    graph.clear()
    calls = connector.calls
    quiet = connector.read_email_changes(folder="inbox", cursor=first.next_cursor)
    assert quiet.items == () and quiet.full is False
    assert connector.calls - calls == 1 and api_calls(graph, person) == 1

    fresh = deliver(graph, person, "Follow-up")
    later = connector.read_email_changes(folder="inbox", cursor=quiet.next_cursor)
    assert [e.id for e in later.items] == [fresh["id"]]


def test_it_costs_one_call_per_quiet_folder(person: Person, graph: Any) -> None:
    deliver(graph, person, "Hello")
    graph.mail.send(person.tenant_id, person.graph_user_id, {"to": ["x@acme.example"], "subject": "Hi"})
    connector = mail_connector_for(person.mailbox)
    first = cursors(connector)
    fresh = mail_connector_for(person.mailbox)  # a later session: a new connector, the stored cursors
    fresh.refresh()
    graph.clear()

    for folder, cursor in first.items():
        assert fresh.read_email_changes(folder=folder, cursor=cursor).items == ()  # type: ignore[arg-type]

    assert fresh.calls == 3 and api_calls(graph, person) == 3


def test_it_sees_a_move_to_the_salesforce_folder_in_both_folders(person: Person, graph: Any) -> None:
    message = deliver(graph, person, "Save me")
    connector = mail_connector_for(person.mailbox)
    state = cursors(connector)

    moved = graph.mail.move(person.tenant_id, person.graph_user_id, message["id"], "Salesforce emails")

    inbox = connector.read_email_changes(folder="inbox", cursor=state["inbox"])
    target = connector.read_email_changes(folder="salesforce", cursor=state["salesforce"])
    assert [(e.id, e.removed) for e in inbox.items] == [(message["id"], True)]
    [arrived] = target.items
    assert arrived.id == moved["id"] and arrived.folder == "salesforce" and not arrived.removed
    assert arrived.internet_message_id == message["internetMessageId"]


def test_it_finds_or_makes_the_salesforce_folder_once(person: Person, graph: Any) -> None:
    connector = mail_connector_for(person.mailbox)
    first = connector.read_email_changes(folder="salesforce", cursor="")
    again = mail_connector_for(person.mailbox).mail.find_or_create_mail_folder()
    ids = mail_connector_for(person.mailbox).mail.mail_folder_ids()

    named = [
        f
        for f in graph.mail.folders(person.tenant_id, person.graph_user_id)
        if f["displayName"] == "Salesforce emails"
    ]
    assert len(named) == 1 and again == ids["salesforce"] == named[0]["id"]
    assert first.items == () and first.full is True
    inbox = graph.mail.folders(person.tenant_id, person.graph_user_id)
    assert ids["inbox"] == next(f["id"] for f in inbox if f["wellKnownName"] == "inbox")


def test_it_reads_the_same_email_from_two_mailboxes_with_one_internet_message_id(
    person: Person, make_person: Callable[..., Person], graph: Any
) -> None:
    bob = make_person("bob", organization=person.organization)
    graph.mail.send(
        person.tenant_id,
        person.graph_user_id,
        {"to": [bob.mailbox.address, "client@acme.example"], "subject": "Proposal", "body": "Attached"},
    )

    sent = mail_connector_for(person.mailbox).read_email_changes(folder="sent", cursor="")
    received = mail_connector_for(bob.mailbox).read_email_changes(folder="inbox", cursor="")

    [mine], [theirs] = sent.items, received.items
    assert mine.folder == "sent" and theirs.folder == "inbox"
    assert mine.internet_message_id == theirs.internet_message_id != ""
    assert mine.conversation_id == theirs.conversation_id
    assert mine.id != theirs.id
    assert mine.from_ == theirs.from_ == EmailAddress(person.mailbox.address.lower(), "Alice")


def test_it_falls_back_to_a_full_read_in_the_window_after_410(person: Person, graph: Any) -> None:
    deliver(graph, person, "Recent", days_ago=1)
    old = deliver(graph, person, "Three weeks", days_ago=21)
    connector = mail_connector_for(person.mailbox)
    cursor = connector.read_email_changes(folder="inbox", cursor="").next_cursor
    graph.invalidate_delta_tokens(person.tenant_id)

    again = connector.read_email_changes(folder="inbox", cursor=cursor)
    wider = connector.read_email_changes(folder="inbox", cursor=cursor, backfill_days=30)

    assert again.full is True and [e.subject for e in again.items] == ["Recent"]
    assert wider.full is True and {e.id for e in wider.items} >= {old["id"]}
    garbled = connector.read_email_changes(folder="inbox", cursor="{not json")
    assert garbled.full is True and [e.subject for e in garbled.items] == ["Recent"]
    with pytest.raises(ConnectorError):
        connector.read_email_changes(folder="other", cursor="")


def test_it_reads_a_whole_thread_in_one_call(person: Person, graph: Any) -> None:
    first = deliver(graph, person, "Deal", days_ago=3)
    graph.mail.reply(
        person.tenant_id, person.graph_user_id, first["id"], {"body": "Yes", "sentDateTime": ago(2)}
    )
    deliver(graph, person, None, days_ago=1, inReplyTo=first["id"], body="Great")
    deliver(graph, person, "Unrelated", days_ago=1)
    connector = mail_connector_for(person.mailbox)
    cursors(connector)
    calls = connector.calls

    thread = connector.read_conversation(first["conversationId"])

    assert connector.calls - calls == 1
    assert [(e.subject, e.folder) for e in thread] == [
        ("Deal", "inbox"),
        ("RE: Deal", "sent"),
        ("RE: Deal", "inbox"),
    ]
    assert {e.conversation_id for e in thread} == {first["conversationId"]}


# -- attachments ---------------------------------------------------------------------------------------
def test_it_fetches_attachments_in_batches_within_the_size_limit(person: Person, graph: Any) -> None:
    messages = [deliver(graph, person, f"Mail {i}") for i in range(25)]
    small = {m["id"]: f"file {i}".encode() for i, m in enumerate(messages)}
    for message in messages:
        graph.mail.add_attachment(
            person.tenant_id, person.graph_user_id, message["id"], "a.txt", small[message["id"]]
        )
    big_id = messages[0]["id"]
    graph.mail.add_attachment(person.tenant_id, person.graph_user_id, big_id, "big.bin", b"x" * 5000)
    graph.mail.add_attachment(
        person.tenant_id, person.graph_user_id, big_id, "logo.png", b"png", "image/png", True
    )
    connector = mail_connector_for(person.mailbox)
    connector.refresh()
    graph.clear()

    found = connector.read_attachments([m["id"] for m in messages], max_bytes=1000)

    # 25 lists in 2 $batch calls, then 25 small files' contents in 2 more: never one call per email.
    assert connector.calls == 2 + math.ceil(25 / 20) == api_calls(graph, person)
    assert len(graph.requests(tenant=person.tenant_id, kind="batch-item")) == 50
    for message in messages:
        fetched = [a for a in found[message["id"]] if a.content is not None]
        assert [(a.name, a.content) for a in fetched] == [("a.txt", small[message["id"]])]
    skipped = {a.name: a.skipped for a in found[big_id] if a.content is None}
    assert skipped == {"big.bin": "too_large", "logo.png": "inline"}
    assert next(a.size for a in found[big_id] if a.name == "big.bin") == 5000


def test_it_maps_an_email_gone_meanwhile_to_no_attachments(person: Person, graph: Any) -> None:
    message = deliver(graph, person, "Files", attachments=[{"name": "n.txt", "text": "note"}])
    gone = deliver(graph, person, "Gone")
    graph.mail.delete(person.tenant_id, person.graph_user_id, gone["id"])

    found = mail_connector_for(person.mailbox).read_attachments([message["id"], gone["id"]])

    assert [a.content for a in found[message["id"]]] == [b"note"]
    assert found[gone["id"]] == []


# -- writes --------------------------------------------------------------------------------------------
def test_it_writes_categories_in_batches(person: Person, graph: Any) -> None:
    messages = [deliver(graph, person, f"Mail {i}") for i in range(21)]
    connector = mail_connector_for(person.mailbox)
    connector.refresh()
    graph.clear()
    changes = [(m["id"], ["Salesforce", "Salesforce"]) for m in messages] + [("AAMkmissing", ["Salesforce"])]

    results = connector.set_email_categories(changes)

    assert connector.calls == 2 and api_calls(graph, person) == 2
    assert [r.ok for r in results] == [True] * 21 + [False]
    assert results[-1].code == "ErrorItemNotFound" and results[-1].id == "AAMkmissing"
    stored = graph.mail.messages(person.tenant_id, person.graph_user_id, "inbox")
    assert all(m["categories"] == ["Salesforce"] for m in stored)
    assert {r.version for r in results[:21]} == {m["changeKey"] for m in stored}


def test_it_moves_emails_back_under_new_ids(person: Person, graph: Any) -> None:
    message = deliver(graph, person, "Filed")
    graph.mail.create_folder(person.tenant_id, person.graph_user_id, "Salesforce emails")
    parked = graph.mail.move(person.tenant_id, person.graph_user_id, message["id"], "Salesforce emails")

    [result] = mail_connector_for(person.mailbox).move_emails([(parked["id"], "inbox")])

    assert result.ok and result.id not in (parked["id"], message["id"])
    inbox = graph.mail.messages(person.tenant_id, person.graph_user_id, "inbox")
    assert [m["id"] for m in inbox] == [result.id]


def test_it_adds_the_salesforce_category_to_the_master_list_once(person: Person, graph: Any) -> None:
    connector = mail_connector_for(person.mailbox)
    connector.ensure_mail_category()
    connector.ensure_mail_category()

    master = graph.mail.categories(person.tenant_id, person.graph_user_id)
    assert [(c["displayName"], c["color"]) for c in master if c["displayName"] == "Salesforce"] == [
        ("Salesforce", "preset7")
    ]


def test_it_learns_folder_roles_once_for_threads_read_cold(person: Person, graph: Any) -> None:
    first = deliver(graph, person, "Deal", days_ago=3)
    binned = deliver(graph, person, None, days_ago=2, inReplyTo=first["id"])
    binned = graph.mail.move(person.tenant_id, person.graph_user_id, binned["id"], "deleteditems")
    graph.mail.create_folder(person.tenant_id, person.graph_user_id, "Salesforce emails")
    connector = mail_connector_for(person.mailbox)
    connector.refresh()
    graph.clear()

    cold = connector.read_conversation(first["conversationId"])
    warm = connector.read_conversation(first["conversationId"])

    assert connector.calls == 3  # the thread, the folder ids once ($batch), the thread again
    assert [(e.id, e.folder) for e in cold] == [(first["id"], "inbox"), (binned["id"], "other")]
    assert warm == cold
    with pytest.raises(ConnectorError):
        connector.read_conversation("")
