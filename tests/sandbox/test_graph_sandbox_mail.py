"""Outlook mail in the Graph sandbox: folders, messages, folder deltas, categories, attachments, $batch.

Through msal tokens and plain HTTP, as a client of Microsoft Graph would; the people behind the mailboxes
act through the sandbox's mail controls (in-process and over HTTP).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.support.graph_sandbox import GraphTenant

SCOPES = ["https://graph.microsoft.com/Mail.ReadWrite"]
TEXT = {"Prefer": 'outlook.body-content-type="text"'}


class World(GraphTenant):
    def graph(self, user_id: str) -> requests.Session:
        return self.bearer(self.token(user_id, SCOPES)["access_token"])


@pytest.fixture
def world(graph_server: SandboxServer, sandbox_ca: SandboxCA) -> World:
    return World.open(graph_server, sandbox_ca)


@pytest.fixture
def ada(world: World) -> tuple[str, str]:
    return world.user("ada")


def deliver(world: World, user_id: str, subject: str, **extra: Any) -> dict[str, Any]:
    email = {"from": {"address": "grace@navy.example", "name": "Grace Hopper"}, "to": [], "subject": subject}
    return world.app.mail.deliver(world.tenant_id, user_id, {**email, **extra})


def follow(graph: requests.Session, url: str, **kwargs: Any) -> tuple[list[dict[str, Any]], str, int]:
    """One delta round: its items, its deltaLink and how many pages it took."""
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = graph.get(url, **kwargs)
        assert response.status_code == 200, response.text
        payload = response.json()
        pages += 1
        items += payload["value"]
        if "@odata.deltaLink" in payload:
            return items, payload["@odata.deltaLink"], pages
        url, kwargs = payload["@odata.nextLink"], {"headers": kwargs.get("headers")}


def changed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items if "@removed" not in i}


def removed(items: list[dict[str, Any]]) -> set[str]:
    assert all(i["@removed"] == {"reason": "deleted"} for i in items if "@removed" in i)
    return {i["id"] for i in items if "@removed" in i}


# -- folders -------------------------------------------------------------------------------------------
def test_it_has_the_well_known_folders_and_makes_user_folders(world: World, ada: tuple[str, str]) -> None:
    graph = world.graph(ada[0])
    listed = graph.get(f"{world.me}/mailFolders", params={"$top": "50"}).json()["value"]
    names = [f["displayName"] for f in listed]
    assert {"Inbox", "Sent Items", "Drafts", "Deleted Items"} <= set(names)
    inbox = graph.get(f"{world.me}/mailFolders/inbox").json()
    assert inbox["id"] == next(f["id"] for f in listed if f["displayName"] == "Inbox")
    assert graph.get(f"{world.me}/mailFolders/SentItems").json()["displayName"] == "Sent Items"

    made = graph.post(f"{world.me}/mailFolders", json={"displayName": "Salesforce emails"})
    assert made.status_code == 201, made.text
    again = graph.post(f"{world.me}/mailFolders", json={"displayName": "salesforce EMAILS"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ErrorFolderExists"
    found = graph.get(f"{world.me}/mailFolders", params={"$filter": "displayName eq 'Salesforce emails'"})
    assert [f["id"] for f in found.json()["value"]] == [made.json()["id"]]

    child = graph.post(f"{world.me}/mailFolders/inbox/childFolders", json={"displayName": "Deals"})
    assert child.status_code == 201 and child.json()["parentFolderId"] == inbox["id"]
    children = graph.get(f"{world.me}/mailFolders/inbox/childFolders").json()["value"]
    assert [c["displayName"] for c in children] == ["Deals"]
    assert graph.get(f"{world.me}/mailFolders/inbox").json()["childFolderCount"] == 1
    missing = graph.post(f"{world.me}/mailFolders", json={"name": "x"})
    assert missing.status_code == 400


# -- messages ------------------------------------------------------------------------------------------
def test_it_delivers_mail_with_the_message_properties_graph_has(world: World, ada: tuple[str, str]) -> None:
    received = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    made = deliver(
        world,
        ada[0],
        "Renewal",
        to=[ada[1]],
        cc=["carol@partner.example"],
        body="<p>Hello <b>Ada</b></p><p>Price list attached.</p>",
        bodyType="html",
        receivedDateTime=received.isoformat(),
        attachments=[{"name": "prices.csv", "contentType": "text/csv", "text": "sku,price\n1,10\n"}],
    )
    graph = world.graph(ada[0])
    select = (
        "subject,body,uniqueBody,from,sender,toRecipients,ccRecipients,bccRecipients,internetMessageId,"
        "conversationId,conversationIndex,sentDateTime,receivedDateTime,isDraft,categories,hasAttachments,"
        "parentFolderId,internetMessageHeaders,bodyPreview"
    )
    response = graph.get(f"{world.me}/messages/{made['id']}", params={"$select": select})
    assert response.status_code == 200, response.text
    message = response.json()
    inbox = graph.get(f"{world.me}/mailFolders/inbox").json()["id"]
    assert message["parentFolderId"] == inbox
    assert message["subject"] == "Renewal"
    assert message["from"] == {"emailAddress": {"name": "Grace Hopper", "address": "grace@navy.example"}}
    assert message["sender"] == message["from"]
    assert message["toRecipients"] == [{"emailAddress": {"name": ada[1], "address": ada[1]}}]
    assert message["ccRecipients"][0]["emailAddress"]["address"] == "carol@partner.example"
    assert message["bccRecipients"] == []
    assert message["receivedDateTime"] == "2026-11-20T09:30:00Z"
    assert message["internetMessageId"].startswith("<") and message["internetMessageId"].endswith(
        "@navy.example>"
    )
    assert message["conversationId"] and len(base64.b64decode(message["conversationIndex"])) == 22
    assert message["isDraft"] is False and message["categories"] == [] and message["hasAttachments"] is True
    assert message["body"]["contentType"] == "html" and "<b>Ada</b>" in message["body"]["content"]
    assert message["uniqueBody"]["contentType"] == "html"
    assert message["bodyPreview"] == "Hello Ada\nPrice list attached.".replace("\n", " ")
    headers = {h["name"]: h["value"] for h in message["internetMessageHeaders"]}
    assert headers["Message-ID"] == message["internetMessageId"]
    assert "changeKey" not in message  # $select keeps only what was named

    plain = graph.get(f"{world.me}/messages/{made['id']}", headers=TEXT).json()
    assert plain["body"] == {"contentType": "text", "content": "Hello Ada\n\nPrice list attached."}
    assert "uniqueBody" not in plain and "internetMessageHeaders" not in plain  # only when selected


def test_it_sends_one_email_into_the_mailboxes_of_every_tenant_recipient(
    world: World, ada: tuple[str, str]
) -> None:
    bob_id, bob = world.user("bob")
    result = world.app.mail.send(
        world.tenant_id,
        ada[0],
        {
            "to": [bob, "client@acme.example"],
            "bcc": ["audit@acme.example"],
            "subject": "Quote",
            "body": "See",
        },
    )
    sent, copy = result["sent"], result["delivered"][bob_id]
    assert list(result["delivered"]) == [bob_id]  # external recipients have no sandbox mailbox
    assert copy["internetMessageId"] == sent["internetMessageId"]
    assert copy["conversationId"] == sent["conversationId"]
    assert copy["id"] != sent["id"]
    assert (
        copy["bccRecipients"] == []
        and sent["bccRecipients"][0]["emailAddress"]["address"] == "audit@acme.example"
    )

    ada_graph, bob_graph = world.graph(ada[0]), world.graph(bob_id)
    in_sent = ada_graph.get(f"{world.me}/mailFolders/sentitems/messages").json()["value"]
    assert [m["id"] for m in in_sent] == [sent["id"]]
    assert in_sent[0]["from"]["emailAddress"] == {"name": "Ada", "address": ada[1]}
    in_inbox = bob_graph.get(f"{world.me}/mailFolders/inbox/messages").json()["value"]
    assert [m["internetMessageId"] for m in in_inbox] == [sent["internetMessageId"]]
    assert ada_graph.get(f"{world.me}/messages/{copy['id']}").status_code == 404  # not ada's item


def test_it_keeps_a_thread_in_one_conversation_across_folders(world: World, ada: tuple[str, str]) -> None:
    first = deliver(world, ada[0], "Pricing", to=[ada[1]])
    answer = world.app.mail.reply(world.tenant_id, ada[0], first["id"], {"body": "Thanks"})["sent"]
    second = deliver(world, ada[0], None, to=[ada[1]], inReplyTo=first["id"], body="You're welcome")
    deliver(world, ada[0], "Something else", to=[ada[1]])

    assert answer["subject"] == "RE: Pricing"
    assert answer["toRecipients"][0]["emailAddress"]["address"] == "grace@navy.example"
    assert answer["conversationId"] == second["conversationId"] == first["conversationId"]
    parent = base64.b64decode(first["conversationIndex"])
    assert base64.b64decode(answer["conversationIndex"])[:22] == parent
    headers = {h["name"]: h["value"] for h in answer["internetMessageHeaders"]}
    assert headers["In-Reply-To"] == first["internetMessageId"]

    graph = world.graph(ada[0])
    thread = graph.get(
        f"{world.me}/messages",
        params={"$filter": f"conversationId eq '{first['conversationId']}'", "$select": "id,parentFolderId"},
    ).json()["value"]
    assert {m["id"] for m in thread} == {first["id"], answer["id"], second["id"]}
    assert len({m["parentFolderId"] for m in thread}) == 2  # Inbox and Sent Items
    bad = graph.get(f"{world.me}/messages", params={"$filter": "subject eq 'x'"})
    assert bad.status_code == 400


def test_it_patches_categories_and_keeps_a_master_category_list(world: World, ada: tuple[str, str]) -> None:
    made = deliver(world, ada[0], "Tag me", to=[ada[1]])
    graph = world.graph(ada[0])
    patched = graph.patch(f"{world.me}/messages/{made['id']}", json={"categories": ["Salesforce"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["categories"] == ["Salesforce"]
    assert patched.json()["changeKey"] != made["changeKey"]
    refused = graph.patch(f"{world.me}/messages/{made['id']}", json={"subject": "Edited"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidPropertyUpdateSentMessage"
    assert graph.get(f"{world.me}/messages/{made['id']}").json()["subject"] == "Tag me"
    tagged = graph.get(f"{world.me}/messages", params={"$filter": "categories/any(c:c eq 'salesforce')"})
    assert [m["id"] for m in tagged.json()["value"]] == [made["id"]]

    master = graph.get(f"{world.me}/outlook/masterCategories").json()["value"]
    assert "Blue category" in {c["displayName"] for c in master}
    created = graph.post(
        f"{world.me}/outlook/masterCategories", json={"displayName": "Salesforce", "color": "preset7"}
    )
    assert created.status_code == 201 and created.json()["color"] == "preset7"
    duplicate = graph.post(f"{world.me}/outlook/masterCategories", json={"displayName": "Salesforce"})
    assert duplicate.status_code == 409
    wrong = graph.post(f"{world.me}/outlook/masterCategories", json={"displayName": "X", "color": "teal"})
    assert wrong.status_code == 400
    names = [c["displayName"] for c in graph.get(f"{world.me}/outlook/masterCategories").json()["value"]]
    assert names.count("Salesforce") == 1 and "X" not in names


# -- delta ---------------------------------------------------------------------------------------------
def test_it_reports_only_changes_and_a_moved_message_in_both_folders(
    world: World, ada: tuple[str, str]
) -> None:
    graph = world.graph(ada[0])
    folder = graph.post(f"{world.me}/mailFolders", json={"displayName": "Salesforce emails"}).json()
    keep = deliver(world, ada[0], "Keep", to=[ada[1]])
    move = deliver(world, ada[0], "Move", to=[ada[1]])
    inbox_delta = f"{world.me}/mailFolders/inbox/messages/delta"
    target_delta = f"{world.me}/mailFolders/{folder['id']}/messages/delta"

    first, inbox_link, _ = follow(graph, inbox_delta)
    assert set(changed(first)) == {keep["id"], move["id"]}
    _, target_link, _ = follow(graph, target_delta)
    quiet, inbox_link, pages = follow(graph, inbox_link)
    assert quiet == [] and pages == 1

    world.app.mail.set_categories(world.tenant_id, ada[0], keep["id"], ["Salesforce"])
    moved = world.app.mail.move(world.tenant_id, ada[0], move["id"], "Salesforce emails")
    assert moved["id"] != move["id"] and moved["parentFolderId"] == folder["id"]

    after, inbox_link, _ = follow(graph, inbox_link)
    assert set(changed(after)) == {keep["id"]} and changed(after)[keep["id"]]["categories"] == ["Salesforce"]
    assert removed(after) == {move["id"]}
    arrived, _, _ = follow(graph, target_link)
    assert set(changed(arrived)) == {moved["id"]}
    assert changed(arrived)[moved["id"]]["internetMessageId"] == move["internetMessageId"]
    assert graph.get(f"{world.me}/messages/{move['id']}").status_code == 404


def test_it_keeps_the_received_floor_and_select_of_the_first_delta_request(
    world: World, ada: tuple[str, str]
) -> None:
    now = datetime.now(UTC)
    old = deliver(world, ada[0], "Old", receivedDateTime=(now - timedelta(days=30)).isoformat())
    recent = deliver(world, ada[0], "Recent", receivedDateTime=(now - timedelta(days=2)).isoformat())
    graph = world.graph(ada[0])
    floor = (now - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first, link, _ = follow(
        graph,
        f"{world.me}/mailFolders/inbox/messages/delta",
        params={"$filter": f"receivedDateTime ge {floor}", "$select": "subject,categories"},
    )
    assert list(changed(first)) == [recent["id"]]
    assert set(first[0]) == {"@odata.type", "@odata.etag", "id", "subject", "categories"}

    world.app.mail.set_categories(world.tenant_id, ada[0], old["id"], ["Salesforce"])
    world.app.mail.set_categories(world.tenant_id, ada[0], recent["id"], ["Salesforce"])
    later, _, _ = follow(graph, link)
    assert list(changed(later)) == [recent["id"]]  # the floor travels in the deltaLink
    assert set(later[0]) == {"@odata.type", "@odata.etag", "id", "subject", "categories"}

    refused = graph.get(f"{world.me}/mailFolders/inbox/messages/delta", params={"$filter": "subject eq 'x'"})
    assert refused.status_code == 400


def test_it_pages_a_message_delta_by_the_preferred_page_size(world: World, ada: tuple[str, str]) -> None:
    made = {deliver(world, ada[0], f"Mail {i}")["id"] for i in range(7)}
    graph = world.graph(ada[0])
    items, _, pages = follow(
        graph, f"{world.me}/mailFolders/inbox/messages/delta", headers={"Prefer": "odata.maxpagesize=3"}
    )
    assert set(changed(items)) == made and pages == 3


def test_it_answers_410_to_a_delta_token_it_no_longer_knows(world: World, ada: tuple[str, str]) -> None:
    deliver(world, ada[0], "One")
    graph = world.graph(ada[0])
    _, link, _ = follow(graph, f"{world.me}/mailFolders/inbox/messages/delta")
    world.app.invalidate_delta_tokens(world.tenant_id)
    response = graph.get(link)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "SyncStateNotFound"
    other = graph.get(link.replace("/inbox/", "/sentitems/"))
    assert other.status_code == 410


# -- attachments and $batch ----------------------------------------------------------------------------
def test_it_serves_attachments_with_size_content_bytes_and_raw_value(
    world: World, ada: tuple[str, str]
) -> None:
    made = deliver(world, ada[0], "Files", body="see attached")
    big = bytes(range(256)) * 40
    world.app.mail.add_attachment(world.tenant_id, ada[0], made["id"], "big.bin", big)
    world.app.mail.add_attachment(
        world.tenant_id, ada[0], made["id"], "logo.png", b"\x89PNG", "image/png", True
    )
    graph = world.graph(ada[0])

    meta = graph.get(
        f"{world.me}/messages/{made['id']}/attachments",
        params={"$select": "id,name,size,contentType,isInline"},
    ).json()["value"]
    assert [(a["name"], a["size"], a["isInline"]) for a in meta] == [
        ("big.bin", len(big), False),
        ("logo.png", 4, True),
    ]
    assert all("contentBytes" not in a for a in meta)
    one = graph.get(f"{world.me}/messages/{made['id']}/attachments/{meta[0]['id']}").json()
    assert one["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert base64.b64decode(one["contentBytes"]) == big
    raw = graph.get(f"{world.me}/messages/{made['id']}/attachments/{meta[0]['id']}/$value")
    assert raw.content == big
    assert graph.get(f"{world.me}/messages/{made['id']}").json()["hasAttachments"] is True
    mime = graph.get(f"{world.me}/messages/{made['id']}/$value").text
    assert f"Message-ID: {made['internetMessageId']}" in mime and 'filename="big.bin"' in mime


def test_it_runs_mail_requests_inside_batch(world: World, ada: tuple[str, str]) -> None:
    one = deliver(
        world, ada[0], "One", attachments=[{"name": "a.txt", "contentType": "text/plain", "text": "A"}]
    )
    two = deliver(world, ada[0], "Two")
    graph = world.graph(ada[0])
    world.app.clear()
    body = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/me/messages/{one['id']}/attachments"},
            {"id": "2", "method": "GET", "url": f"/me/messages/{two['id']}/attachments"},
            {
                "id": "3",
                "method": "PATCH",
                "url": f"/me/messages/{two['id']}",
                "headers": {"Content-Type": "application/json"},
                "body": {"categories": ["Salesforce"]},
            },
            {"id": "4", "method": "GET", "url": "/me/messages/nope"},
        ]
    }
    response = graph.post(f"{world.url}/v1.0/$batch", json=body)
    assert response.status_code == 200, response.text
    answers = {a["id"]: a for a in response.json()["responses"]}
    assert base64.b64decode(answers["1"]["body"]["value"][0]["contentBytes"]) == b"A"
    assert answers["2"]["body"]["value"] == []
    assert answers["3"]["status"] == 200 and answers["3"]["body"]["categories"] == ["Salesforce"]
    assert answers["4"]["status"] == 404
    assert len(world.app.requests(tenant=world.tenant_id, kind="api")) == 1


# -- control endpoints ---------------------------------------------------------------------------------
def test_it_acts_as_the_people_through_the_control_endpoints(world: World, ada: tuple[str, str]) -> None:
    bob_id, bob = world.user("bob")
    http = world.session()
    base = f"{world.url}/_sandbox/tenants/{world.tenant_id}/users"
    arrived = http.post(
        f"{base}/{ada[1]}/mail/deliver",
        json={"from": "lead@acme.example", "to": [ada[1]], "subject": "Hi", "body": "Interested"},
    )
    assert arrived.status_code == 201, arrived.text
    message = arrived.json()
    made = http.post(f"{base}/{ada[0]}/mail/folders", json={"displayName": "Salesforce emails"})
    assert made.status_code == 201
    tagged = http.patch(f"{base}/{ada[0]}/mail/messages/{message['id']}", json={"categories": ["Salesforce"]})
    assert tagged.json()["categories"] == ["Salesforce"]
    attached = http.post(
        f"{base}/{ada[0]}/mail/messages/{message['id']}/attachments", json={"name": "n.txt", "text": "note"}
    )
    assert attached.status_code == 201 and attached.json()["size"] == 4
    moved = http.post(
        f"{base}/{ada[0]}/mail/messages/{message['id']}/move", json={"folder": "Salesforce emails"}
    )
    assert moved.status_code == 200 and moved.json()["parentFolderId"] == made.json()["id"]
    replied = http.post(
        f"{base}/{ada[0]}/mail/messages/{moved.json()['id']}/reply", json={"body": "Sure", "cc": [bob]}
    )
    assert replied.status_code == 201, replied.text
    assert list(replied.json()["delivered"]) == [bob_id]
    listed = http.get(f"{base}/{bob_id}/mail/messages", params={"folder": "inbox"}).json()["value"]
    assert [m["conversationId"] for m in listed] == [message["conversationId"]]
    folders = http.get(f"{base}/{ada[0]}/mail/folders").json()["value"]
    assert {"inbox", "sentitems", "drafts", "deleteditems"} <= {f["wellKnownName"] for f in folders}

    count = len(world.app.mail.messages(world.tenant_id, ada[0]))
    bad = http.post(f"{base}/{ada[0]}/mail/deliver", json={"from": "not an address", "subject": "x"})
    assert bad.status_code == 400
    bad_bytes = http.post(
        f"{base}/{ada[0]}/mail/deliver",
        json={"from": "a@b.example", "attachments": [{"name": "x", "contentBytes": "!!notbase64"}]},
    )
    assert bad_bytes.status_code == 400
    assert len(world.app.mail.messages(world.tenant_id, ada[0])) == count  # nothing half-stored


def test_it_sends_mail_through_graph_send_mail(world: World, ada: tuple[str, str]) -> None:
    bob_id, bob = world.user("bob")
    graph = world.graph(ada[0])
    message = {
        "subject": "Agenda",
        "body": {"contentType": "HTML", "content": "<p>Monday</p>"},
        "toRecipients": [{"emailAddress": {"address": bob, "name": "Bob"}}],
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "agenda.txt",
                "contentType": "text/plain",
                "contentBytes": base64.b64encode(b"1. intro").decode("ascii"),
            }
        ],
    }
    response = graph.post(f"{world.me}/sendMail", json={"message": message})
    assert response.status_code == 202, response.text
    [sent] = world.app.mail.messages(world.tenant_id, ada[0], "sentitems")
    [received] = world.app.mail.messages(world.tenant_id, bob_id, "inbox")
    assert sent["internetMessageId"] == received["internetMessageId"]
    assert received["hasAttachments"] is True and received["body"]["content"] == "<p>Monday</p>"
    assert [a["name"] for a in world.app.mail.attachments(world.tenant_id, bob_id, received["id"])] == [
        "agenda.txt"
    ]

    nobody = graph.post(f"{world.me}/sendMail", json={"message": {"subject": "x"}})
    assert nobody.status_code == 400 and nobody.json()["error"]["code"] == "ErrorInvalidRecipients"
    unsaved = graph.post(
        f"{world.me}/sendMail", json={"message": {**message, "subject": "Quiet"}, "saveToSentItems": False}
    )
    assert unsaved.status_code == 202
    assert [m["subject"] for m in world.app.mail.messages(world.tenant_id, ada[0], "sentitems")] == ["Agenda"]
    assert len(world.app.mail.messages(world.tenant_id, bob_id, "inbox")) == 2


def test_it_keeps_drafts_editable_and_received_mail_not(world: World, ada: tuple[str, str]) -> None:
    graph = world.graph(ada[0])
    made = graph.post(
        f"{world.me}/messages",
        json={"subject": "Draft", "toRecipients": [{"emailAddress": {"address": "x@acme.example"}}]},
    )
    assert made.status_code == 201, made.text
    draft = made.json()
    assert draft["isDraft"] is True and draft["sentDateTime"] is None
    assert draft["parentFolderId"] == graph.get(f"{world.me}/mailFolders/drafts").json()["id"]
    edited = graph.patch(
        f"{world.me}/messages/{draft['id']}",
        json={"subject": "Draft v2", "body": {"contentType": "text", "content": "hi"}},
    )
    assert edited.status_code == 200 and edited.json()["subject"] == "Draft v2"
    attached = graph.post(
        f"{world.me}/messages/{draft['id']}/attachments",
        json={"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "YQ=="},
    )
    assert attached.status_code == 201 and attached.json()["size"] == 1
    received = deliver(world, ada[0], "Inbound")
    refused = graph.post(
        f"{world.me}/messages/{received['id']}/attachments",
        json={"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "YQ=="},
    )
    assert refused.status_code == 400
    wrong = graph.post(f"{world.me}/messages", json={"subject": "x", "isDraft": False})
    assert wrong.status_code == 400
