"""GoogleConnector's Gmail side (the email stream's MailboxMail) against the Google sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.base import ConnectorError
from sandbox.fixtures_google import GoogleAccount
from tests.support.connectors import Rep


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


def days_ago(days: float) -> dict[str, str]:
    return {"Date": format_datetime(datetime.now(UTC) - timedelta(days=days))}


def label_id(rep: Rep, name: str) -> str:
    return next(label["id"] for label in rep.app.mail_labels(rep.user) if label["name"] == name)


def test_it_reads_the_inbox_within_the_backfill_window_as_neutral_emails(rep: Rep):
    recent = rep.app.deliver_mail(
        rep.user,
        "Lee Client <Lee@Client.example>",
        "Quote request",
        "Could you send the quote?",
        headers={**days_ago(1), "Cc": "boss@client.example", "Message-ID": "<q1@client.example>"},
    )
    rep.app.deliver_mail(rep.user, "old@client.example", "Old news", "Long ago", headers=days_ago(30))
    rep.app.send_mail(rep.user, "lee@client.example", "Sent one", "Not in the inbox")
    connector = rep.connector()
    changes = connector.read_email_changes(folder="inbox", cursor="", backfill_days=6)
    assert changes.full is True
    [email] = changes.items
    assert email.id == recent["id"] and email.folder == "inbox" and email.folder_id == "INBOX"
    assert email.subject == "Quote request" and email.text_body == "Could you send the quote?"
    assert email.from_ is not None and (email.from_.address, email.from_.name) == (
        "lee@client.example",
        "Lee Client",
    )
    assert [a.address for a in email.to] == [rep.account.email] and [a.address for a in email.cc] == [
        "boss@client.example"
    ]
    assert email.internet_message_id == "<q1@client.example>" and email.conversation_id == recent["threadId"]
    assert email.received_at.endswith("Z") and email.sent_at.endswith("Z") and not email.categories
    assert json.loads(changes.next_cursor)["role"] == "inbox"


def test_it_follows_history_with_one_call_when_nothing_changed_and_reports_removals(rep: Rep):
    kept = rep.app.deliver_mail(rep.user, "a@client.example", "Kept", "1")
    archived = rep.app.deliver_mail(rep.user, "b@client.example", "Archived", "2")
    deleted = rep.app.deliver_mail(rep.user, "c@client.example", "Deleted", "3")
    connector = rep.connector()
    first = connector.read_email_changes(folder="inbox", cursor="")
    assert {e.id for e in first.items} == {kept["id"], archived["id"], deleted["id"]}
    quiet_connector = rep.connector()
    quiet = quiet_connector.read_email_changes(folder="inbox", cursor=first.next_cursor)
    assert quiet.items == () and quiet.full is False and quiet_connector.calls == 1
    new = rep.app.deliver_mail(rep.user, "d@client.example", "New", "4")
    rep.app.label_mail(rep.user, archived["id"], remove=["INBOX"])
    rep.app.delete_mail(rep.user, deleted["id"])
    rep.app.send_mail(rep.user, "x@client.example", "Elsewhere", "sent, not inbox")
    delta = rep.connector().read_email_changes(folder="inbox", cursor=quiet.next_cursor)
    got = {e.id: e for e in delta.items}
    assert set(got) == {new["id"], archived["id"], deleted["id"]}
    assert got[new["id"]].subject == "New" and not got[new["id"]].removed
    assert got[archived["id"]].removed and got[deleted["id"]].removed


def test_it_reads_the_salesforce_label_as_a_folder_and_in_full_after_a_stale_history_id(rep: Rep):
    connector = rep.connector()
    first = connector.read_email_changes(
        folder="salesforce", cursor="", salesforce_folder="Salesforce emails"
    )
    assert first.items == ()
    folder = label_id(rep, "Salesforce emails")
    message = rep.app.deliver_mail(rep.user, "a@client.example", "Save me", "please")
    rep.app.label_mail(rep.user, message["id"], add=[folder])
    delta = rep.connector().read_email_changes(folder="salesforce", cursor=first.next_cursor)
    assert [(e.id, e.folder, e.folder_id) for e in delta.items] == [(message["id"], "salesforce", folder)]
    rep.app.invalidate_sync_tokens(rep.user)
    again = rep.connector().read_email_changes(folder="salesforce", cursor=delta.next_cursor)
    assert again.full is True and [e.id for e in again.items] == [message["id"]]


def test_it_reads_a_thread_across_folders_and_its_attachments(rep: Rep):
    first = rep.app.deliver_mail(
        rep.user,
        "lee@client.example",
        "Contract",
        "Draft attached.",
        headers={"Message-ID": "<c1@client.example>", **days_ago(2)},
        attachments=[
            {"filename": "terms.txt", "content": "Net 30", "mime_type": "text/plain"},
            {"filename": "big.txt", "content": "x" * 2000, "mime_type": "text/plain"},
        ],
    )
    reply = rep.app.send_mail(
        rep.user, "lee@client.example", "Re: Contract", "Signed.", In_Reply_To="<c1@client.example>"
    )
    connector = rep.connector()
    thread = connector.read_conversation(first["threadId"])
    assert [(e.id, e.folder) for e in thread] == [(first["id"], "inbox"), (reply["id"], "sent")]
    assert thread[0].has_attachments and not thread[1].has_attachments
    before = connector.calls
    files = connector.read_attachments([first["id"], reply["id"]], max_bytes=1000)
    assert connector.calls - before == 2  # one batch of message reads, one batch of file reads
    by_name = {a.name: a for a in files[first["id"]]}
    assert by_name["terms.txt"].content == b"Net 30" and by_name["terms.txt"].skipped == ""
    assert by_name["big.txt"].content is None and by_name["big.txt"].skipped == "too_large"
    assert files[reply["id"]] == []
    assert connector.read_conversation("ffffffffffffffff") == []


def test_it_tags_with_labels_and_moves_out_of_the_salesforce_folder(rep: Rep):
    connector = rep.connector()
    first = connector.read_email_changes(folder="salesforce", cursor="")
    folder = label_id(rep, "Salesforce emails")
    incoming = rep.app.deliver_mail(rep.user, "a@client.example", "In", "1")
    outgoing = rep.app.send_mail(rep.user, "a@client.example", "Out", "2")
    for message in (incoming, outgoing):
        rep.app.label_mail(rep.user, message["id"], add=[folder])
    personal = rep.app.create_mail_label(rep.user, "Personal")  # made after the connector read the labels
    rep.app.label_mail(rep.user, incoming["id"], add=[personal])
    read = connector.read_email_changes(folder="salesforce", cursor=first.next_cursor)
    assert {e.id: e.categories for e in read.items} == {incoming["id"]: ("Personal",), outgoing["id"]: ()}
    connector.ensure_mail_category("Salesforce")
    labels = {label["name"]: label for label in rep.app.mail_labels(rep.user)}
    assert labels["Salesforce"]["color"]["backgroundColor"] == "#4a86e8"
    before = connector.calls
    tagged = connector.set_email_categories(
        [(incoming["id"], ["Salesforce"]), (outgoing["id"], ["Salesforce", "Deals"])]
    )
    assert all(r.ok and r.version for r in tagged) and connector.calls - before <= 3
    moved = connector.move_emails([(incoming["id"], "inbox"), (outgoing["id"], "sentitems")])
    assert [(r.ok, r.id) for r in moved] == [(True, incoming["id"]), (True, outgoing["id"])]
    mail = {m["id"]: m for m in rep.app.mail(rep.user)}
    salesforce = label_id(rep, "Salesforce")
    assert set(mail[incoming["id"]]["labelIds"]) == {"INBOX", "UNREAD", salesforce}  # Personal replaced
    assert set(mail[outgoing["id"]]["labelIds"]) == {"SENT", salesforce, label_id(rep, "Deals")}
    missing = connector.set_email_categories([("0000000000000000", ["Salesforce"])])
    assert not missing[0].ok and missing[0].permanent


def test_it_refuses_folders_it_does_not_read(rep: Rep):
    with pytest.raises(ConnectorError) as caught:
        rep.connector().read_email_changes(folder="other", cursor="")
    assert caught.value.code == "UNSUPPORTED_FOLDER" and caught.value.permanent


def test_it_reads_past_a_message_gmail_refuses_and_fetches_it_again_next_time(rep: Rep):
    fine = rep.app.deliver_mail(rep.user, "a@client.example", "Fine", "1")
    refused = rep.app.deliver_mail(rep.user, "b@client.example", "Refused", "2")
    rep.app.add_fault(status=400, path=rf"/messages/{refused['id']}$", method="GET", count=1)

    first = rep.connector().read_email_changes(folder="inbox", cursor="")

    assert [e.subject for e in first.items] == ["Fine"]  # the folder is not held back
    assert json.loads(first.next_cursor)["retry"] == [refused["id"]]
    later = rep.app.deliver_mail(rep.user, "c@client.example", "Later", "3")
    second = rep.connector().read_email_changes(folder="inbox", cursor=first.next_cursor)
    assert {e.id: e.subject for e in second.items} == {refused["id"]: "Refused", later["id"]: "Later"}
    assert not any(e.removed for e in second.items)
    assert "retry" not in json.loads(second.next_cursor)
    assert fine["id"] not in {e.id for e in second.items}


def test_it_still_fails_the_read_when_gmail_is_down_for_every_message(rep: Rep):
    rep.app.deliver_mail(rep.user, "a@client.example", "One", "1")
    rep.app.add_fault(status=503, path=r"/gmail/v1/users/me/messages/[^/]+$", method="GET", count=20)

    with pytest.raises(ConnectorError) as caught:
        rep.connector().read_email_changes(folder="inbox", cursor="")

    assert caught.value.permanent is False


def test_it_skips_one_attachment_gmail_refuses_and_keeps_the_others(rep: Rep):
    message = rep.app.deliver_mail(
        rep.user,
        "lee@client.example",
        "Files",
        "Two attached.",
        attachments=[
            {"filename": "a.txt", "content": "first", "mime_type": "text/plain"},
            {"filename": "b.txt", "content": "second", "mime_type": "text/plain"},
        ],
    )
    rep.app.add_fault(status=400, path=r"/attachments/[^/]+$", method="GET", count=1)

    files = rep.connector().read_attachments([message["id"]], max_bytes=1000)

    by_name = {a.name: a for a in files[message["id"]]}
    assert sorted(by_name) == ["a.txt", "b.txt"]
    assert [a.skipped for a in files[message["id"]]].count("unreadable") == 1
    assert {a.content for a in files[message["id"]]} - {None} in ({b"first"}, {b"second"})
