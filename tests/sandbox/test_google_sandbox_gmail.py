"""The Google sandbox's Gmail v1, driven through google-api-python-client over TLS."""

from __future__ import annotations

import base64
import email
import email.policy
from typing import Any

import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.fixtures_google import GoogleAccount
from tests.support.sandbox import authed_http


def gmail(account: GoogleAccount, http: Any = None) -> Any:
    return build(
        "gmail",
        "v1",
        http=http or authed_http(account),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": account.server.url + "/"},
    )


def test_it_lists_messages_newest_first_and_gets_them_as_metadata_and_raw(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    older = app.deliver_mail(
        user,
        "Lee <lee@client.example>",
        "Quote",
        "Please send the quote.",
        headers={"Date": "Mon, 23 Nov 2026 09:00:00 +0000"},
    )
    newer = app.deliver_mail(
        user,
        "ann@client.example",
        "Re: Quote",
        "Thanks!",
        headers={"Date": "Tue, 24 Nov 2026 09:00:00 +0000"},
    )
    api = gmail(google_account).users().messages()
    listed = api.list(userId="me").execute()
    assert [m["id"] for m in listed["messages"]] == [newer["id"], older["id"]]
    meta = api.get(userId="me", id=older["id"], format="metadata", metadataHeaders=["Subject"]).execute()
    headers = {h["name"]: h["value"] for h in meta["payload"]["headers"]}
    assert headers["Subject"] == "Quote" and headers["From"] == "Lee <lee@client.example>"
    assert meta["labelIds"] == ["INBOX", "UNREAD"] and meta["snippet"] == "Please send the quote."
    assert meta["internalDate"] == str(1795424400000)
    raw = api.get(userId="me", id=older["id"], format="raw").execute()["raw"]
    parsed = email.message_from_bytes(base64.urlsafe_b64decode(raw), policy=email.policy.default)
    assert parsed["Subject"] == "Quote" and parsed.get_content().strip() == "Please send the quote."
    full = api.get(userId="me", id=older["id"]).execute()
    assert (
        base64.urlsafe_b64decode(full["payload"]["body"]["data"]).decode().strip() == "Please send the quote."
    )
    with pytest.raises(HttpError) as missing:
        api.get(userId="me", id="0000000000000000").execute()
    assert missing.value.resp.status == 404


def test_it_keeps_labels_and_filters_by_them(google_account: GoogleAccount):
    api = gmail(google_account).users()
    made = api.labels().create(userId="me", body={"name": "Salesforce"}).execute()
    assert made["type"] == "user"
    names = {label["name"] for label in api.labels().list(userId="me").execute()["labels"]}
    assert {"INBOX", "SENT", "Salesforce"} <= names
    message = google_account.app.deliver_mail(google_account.user_id, "x@client.example", "Hi", "Body")
    api.messages().modify(userId="me", id=message["id"], body={"addLabelIds": [made["id"]]}).execute()
    tagged = api.messages().list(userId="me", labelIds=[made["id"]]).execute()
    assert [m["id"] for m in tagged["messages"]] == [message["id"]]
    with pytest.raises(HttpError) as bad:
        api.messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["Label_404"]}).execute()
    assert bad.value.resp.status == 400


def test_it_reports_history_since_a_history_id_and_404_for_a_stale_one(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    api = gmail(google_account).users()
    start = api.getProfile(userId="me").execute()["historyId"]
    arrived = app.deliver_mail(user, "x@client.example", "New", "Hello")
    sent = app.send_mail(user, "x@client.example", "Reply", "Hi back")
    app.label_mail(user, arrived["id"], remove=["UNREAD"])
    history = api.history().list(userId="me", startHistoryId=start).execute()
    kinds = [[k for k in record if k not in ("id", "messages")] for record in history["history"]]
    assert kinds == [["messagesAdded"], ["messagesAdded"], ["labelsRemoved"]]
    assert history["history"][1]["messagesAdded"][0]["message"]["labelIds"] == ["SENT"]
    assert history["history"][2]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    assert int(history["historyId"]) >= int(history["history"][-1]["id"])
    added = api.history().list(userId="me", startHistoryId=start, historyTypes=["messageAdded"]).execute()
    assert [r["messages"][0]["id"] for r in added["history"]] == [arrived["id"], sent["id"]]
    quiet = api.history().list(userId="me", startHistoryId=history["historyId"]).execute()
    assert "history" not in quiet
    app.invalidate_sync_tokens(user)
    with pytest.raises(HttpError) as stale:
        api.history().list(userId="me", startHistoryId=start).execute()
    assert stale.value.resp.status == 404


def test_it_sends_inserts_and_deletes_through_the_api(google_account: GoogleAccount):
    api = gmail(google_account).users().messages()
    raw = base64.urlsafe_b64encode(
        b"From: rep@x.example\r\nTo: a@client.example\r\nSubject: Intro\r\n\r\nHello there\r\n"
    ).decode()
    sent = api.send(userId="me", body={"raw": raw}).execute()
    assert sent["labelIds"] == ["SENT"]
    api.delete(userId="me", id=sent["id"]).execute()
    with pytest.raises(HttpError) as gone:
        api.get(userId="me", id=sent["id"]).execute()
    assert gone.value.resp.status == 404


def test_it_answers_a_gmail_batch_of_gets(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    ids = [app.deliver_mail(user, "x@client.example", f"M{n}", "Body")["id"] for n in range(3)]
    http = authed_http(google_account)
    api = gmail(google_account, http).users().messages()
    replies: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: replies.__setitem__(rid, resp or exc),
        batch_uri=f"{google_account.server.url}/batch/gmail/v1",
    )
    for message_id in ids:
        batch.add(api.get(userId="me", id=message_id, format="metadata"), request_id=message_id)
    batch.execute(http=http)
    subjects = {
        rid: {h["name"]: h["value"] for h in reply["payload"]["headers"]}["Subject"]
        for rid, reply in replies.items()
    }
    assert subjects == {ids[0]: "M0", ids[1]: "M1", ids[2]: "M2"}
    assert [r["kind"] for r in app.requests(tenant=user)][-1] == "api"


def test_it_reads_a_thread_and_fetches_attachments_by_id(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    first = app.deliver_mail(
        user,
        "lee@client.example",
        "Contract",
        "Draft attached.",
        headers={"Message-ID": "<c1@client.example>", "Date": "Mon, 23 Nov 2026 09:00:00 +0000"},
        attachments=[{"filename": "terms.txt", "content": "Net 30", "mime_type": "text/plain"}],
    )
    reply = app.send_mail(
        user, "lee@client.example", "Re: Contract", "Signed.", In_Reply_To="<c1@client.example>"
    )
    api = gmail(google_account).users()
    thread = api.threads().get(userId="me", id=first["threadId"], format="full").execute()
    assert [m["id"] for m in thread["messages"]] == [first["id"], reply["id"]]
    parts = thread["messages"][0]["payload"]["parts"]
    [file_part] = [p for p in parts if p["filename"] == "terms.txt"]
    assert "data" not in file_part["body"] and file_part["body"]["size"] == 6
    fetched = (
        api.messages()
        .attachments()
        .get(userId="me", messageId=first["id"], id=file_part["body"]["attachmentId"])
        .execute()
    )
    assert base64.urlsafe_b64decode(fetched["data"]) == b"Net 30"
    with pytest.raises(HttpError) as missing:
        api.threads().get(userId="me", id="ffffffffffffffff").execute()
    assert missing.value.resp.status == 404
