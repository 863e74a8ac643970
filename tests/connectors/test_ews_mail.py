"""EwsConnector's mail reader against the EWS sandbox: folder syncs as neutral emails, categories, moves."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import ConnectorError, RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.core.email_records import EmailAddress
from tests.support.connectors import ews_answers_unknown_kind

_numbers = itertools.count(1)


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Box:
    def __init__(self, server: SandboxServer, ca: SandboxCA) -> None:
        self.server, self.app = server, server.app
        self.smtp = f"seller{next(_numbers)}@northwind.example"
        self.app.create_mailbox(self.smtp, "Sam Seller", password="Mail-Passw0rd")
        config = EwsConfig(
            service_endpoint=f"{server.url}/EWS/Exchange.asmx",
            ca_bundle=str(ca.ca_path),
            timeout=10,
            retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_wait=2),
        )
        self.connector = EwsConnector(
            config, {"primary_smtp_address": self.smtp}, {"username": self.smtp, "password": "Mail-Passw0rd"}
        )

    def deliver(
        self, subject: str, folder: str = "inbox", days_ago: float = 0, **props: Any
    ) -> dict[str, Any]:
        fields = {
            "Subject": subject,
            "Body": {"BodyType": "HTML", "text": f"<p>About <b>{subject}</b></p>"},
            "From": "buyer@acme.example",
            "ToRecipients": [self.smtp],
            "CcRecipients": ["boss@acme.example"],
            "DateTimeReceived": ago(days_ago),
            "DateTimeSent": ago(days_ago),
            **props,
        }
        return self.app.create_item(self.smtp, folder, fields)

    def operations(self) -> list[str]:
        return [r.get("operation", "") for r in self.app.requests(user=self.smtp)]


@pytest.fixture
def box(ews_server: SandboxServer, sandbox_ca: SandboxCA) -> Box:
    return Box(ews_server, sandbox_ca)


def test_it_reads_the_inbox_backfill_window_as_neutral_emails(box: Box):
    recent = box.deliver("Renewal", days_ago=1, Categories=["Salesforce"])
    box.deliver("Ancient", days_ago=30)

    changes = box.connector.read_email_changes(folder="inbox", cursor="", backfill_days=6)

    assert changes.full is True
    (email,) = changes.items
    assert email.id == recent["id"]
    assert email.subject == "Renewal"
    assert email.text_body == "About Renewal"
    assert email.html_body == "<p>About <b>Renewal</b></p>"
    assert email.from_ == EmailAddress("buyer@acme.example", "buyer")
    assert [a.address for a in email.to] == [box.smtp]
    assert [a.address for a in email.cc] == ["boss@acme.example"]
    assert email.internet_message_id == recent["InternetMessageId"]
    assert email.conversation_id == recent["ConversationId"] != ""
    assert email.categories == ("Salesforce",)
    assert email.received_at == recent["DateTimeReceived"]
    assert email.folder == "inbox" and email.folder_id
    assert email.version == recent["change_key"]
    assert email.conversation_index


def test_it_reads_only_changes_after_the_cursor_and_one_call_when_quiet(box: Box):
    kept = box.deliver("Kept")
    gone = box.deliver("Gone")
    first = box.connector.read_email_changes(folder="inbox", cursor="")
    box.app.clear()

    quiet = box.connector.read_email_changes(folder="inbox", cursor=first.next_cursor)
    assert quiet.items == () and quiet.full is False
    assert box.operations() == ["SyncFolderItems"]

    box.app.update_item(box.smtp, kept["id"], {"Categories": ["Salesforce"]})
    box.app.delete_item(box.smtp, gone["id"])
    new = box.deliver("New")
    later = box.connector.read_email_changes(folder="inbox", cursor=quiet.next_cursor)

    by_id = {e.id: e for e in later.items}
    assert by_id[kept["id"]].categories == ("Salesforce",)
    assert by_id[gone["id"]].removed is True
    assert by_id[new["id"]].subject == "New"
    assert len(by_id) == 3


def test_it_reads_in_full_when_exchange_refuses_the_sync_state(box: Box):
    box.deliver("Still here")
    first = box.connector.read_email_changes(folder="sent", cursor="")
    box.deliver("Sent one", folder="sentitems")
    box.app.invalidate_sync_states()

    again = box.connector.read_email_changes(folder="sent", cursor=first.next_cursor)

    assert again.full is True
    assert [e.subject for e in again.items] == ["Sent one"]


def test_it_makes_the_salesforce_folder_once_and_reads_it_whole(box: Box):
    ids = box.connector.mail.mail_folder_ids()
    assert set(ids) == {"inbox", "sent", "salesforce"}
    assert box.operations() == ["GetFolder", "FindFolder", "CreateFolder"]
    box.app.clear()
    assert box.connector.mail.mail_folder_ids() == ids
    assert box.operations() == ["GetFolder", "FindFolder"]

    old = box.deliver("Old but filed", days_ago=90)
    moved = box.app.move_item(box.smtp, old["id"], ids["salesforce"])
    changes = box.connector.read_email_changes(folder="salesforce", cursor="")

    assert [e.id for e in changes.items] == [moved["id"]]
    assert changes.items[0].folder == "salesforce"


def test_it_sets_categories_and_moves_emails_in_batched_calls(box: Box):
    emails = [box.deliver(f"Deal {i}") for i in range(3)]
    box.app.clear()

    tagged = box.connector.set_email_categories([(e["id"], ["Salesforce"]) for e in emails])

    assert all(r.ok for r in tagged)
    assert box.operations() == ["UpdateItem"]
    assert box.app.item(box.smtp, emails[0]["id"])["Categories"] == ["Salesforce"]
    assert tagged[0].version == box.app.item(box.smtp, emails[0]["id"])["change_key"]

    box.app.clear()
    moves = [
        (emails[0]["id"], "deleteditems"),
        (emails[1]["id"], "deleteditems"),
        ("QUFNa25vbmU=", "deleteditems"),
    ]
    moved = box.connector.move_emails(moves)

    assert box.operations() == ["MoveItem"]
    assert moved[0].ok and moved[0].id != emails[0]["id"]
    assert moved[2].ok is False and moved[2].code == "ErrorItemNotFound"
    assert [e["Subject"] for e in box.app.items(box.smtp, "deleteditems")] == ["Deal 0", "Deal 1"]


def test_it_refuses_folders_it_does_not_read(box: Box):
    with pytest.raises(ConnectorError) as caught:
        box.connector.read_email_changes(folder="other", cursor="")

    assert caught.value.code == "UNSUPPORTED_FOLDER"


def test_it_reads_a_conversation_across_folders_oldest_first(box: Box):
    thread = box.deliver("Offer", days_ago=3)
    conversation = thread["ConversationId"]
    box.deliver("Re: Offer", folder="sentitems", days_ago=2, ConversationId=conversation)
    filed = box.deliver("Re: Re: Offer", days_ago=1, ConversationId=conversation)
    box.deliver("Unrelated")
    salesforce = box.connector.mail.mail_folder_ids()["salesforce"]
    moved = box.app.move_item(box.smtp, filed["id"], salesforce)
    box.app.clear()

    emails = box.connector.read_conversation(conversation)

    assert [e.subject for e in emails] == ["Offer", "Re: Offer", "Re: Re: Offer"]
    assert [e.folder for e in emails] == ["inbox", "sent", "salesforce"]
    assert emails[2].id == moved["id"]
    assert box.operations() == ["FindItem"]


def test_it_reads_attachments_fetching_only_files_that_qualify(box: Box):
    small, big = b"%PDF-1.4 quote", b"x" * 2048
    email = box.deliver(
        "With files",
        Attachments=[
            {
                "Name": "quote.pdf",
                "ContentType": "application/pdf",
                "Content": base64.b64encode(small).decode(),
            },
            {"Name": "huge.bin", "Content": base64.b64encode(big).decode()},
            {"Name": "logo.png", "ContentType": "image/png", "Content": "iVBORw0=", "IsInline": True},
            {"Name": "Forwarded mail", "Item": True, "Size": 10},
        ],
    )
    plain = box.deliver("No files")
    box.app.clear()

    found = box.connector.read_attachments([email["id"], plain["id"], "QUFNa2dvbmU="], max_bytes=1024)

    files = {a.name: a for a in found[email["id"]]}
    assert files["quote.pdf"].content == small and files["quote.pdf"].skipped == ""
    assert files["quote.pdf"].content_type == "application/pdf" and files["quote.pdf"].size == len(small)
    assert files["huge.bin"].skipped == "too_large" and files["huge.bin"].content is None
    assert files["logo.png"].skipped == "inline"
    assert files["Forwarded mail"].skipped == "not_a_file"
    assert found[plain["id"]] == [] and found["QUFNa2dvbmU="] == []
    assert box.operations() == ["GetItem", "GetAttachment"]


def test_it_adds_the_salesforce_category_to_the_master_list_once(box: Box):
    box.connector.ensure_mail_category()

    assert [(c["name"], c["color"]) for c in box.app.master_categories(box.smtp)] == [("Salesforce", "7")]
    assert box.operations() == ["GetUserConfiguration", "CreateUserConfiguration"]

    box.app.clear()
    box.connector.ensure_mail_category("Customer", color="preset4")
    box.connector.ensure_mail_category("salesforce")

    names = [c["name"] for c in box.app.master_categories(box.smtp)]
    assert names == ["Salesforce", "Customer"]
    assert box.operations() == ["GetUserConfiguration", "UpdateUserConfiguration", "GetUserConfiguration"]


def test_it_reads_past_an_email_it_cannot_parse(box: Box, monkeypatch: pytest.MonkeyPatch):
    # Exchange answers an item type exchangelib does not know: that email is left out, the folder read.
    odd = box.deliver("Odd")
    fine = box.deliver("Fine")
    ews_answers_unknown_kind(monkeypatch, odd["id"], "Message", "FutureMessageType")

    changes = box.connector.read_email_changes(folder="inbox", cursor="")

    assert [e.id for e in changes.items] == [fine["id"]]
