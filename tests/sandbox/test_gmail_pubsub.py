"""Gmail push through the Google sandbox's Cloud Pub/Sub, driven by the real clients over TLS:
``build("gmail", "v1")`` with the mailbox user's OAuth token, ``build("pubsub", "v1")`` with the
operator's service account (google-auth signs its JWT; the sandbox checks it)."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from sandbox.base import SandboxServer
from sandbox.fixtures_google import GoogleAccount
from sandbox.tls import SandboxCA
from tests.support.gmail_pubsub import Operator, gmail, make_operator, until
from tests.support.sandbox import authed_http


@pytest.fixture
def operator(google_server: SandboxServer, sandbox_ca: SandboxCA) -> Operator:
    # A 1 s ack deadline (sandbox-only: Google's minimum is 10) keeps the redelivery tests short.
    return make_operator(google_server, sandbox_ca, ack_deadline_seconds=1)


def pull(operator: Operator, max_messages: int = 10) -> list[dict[str, Any]]:
    answer = (
        operator.pubsub()
        .projects()
        .subscriptions()
        .pull(subscription=operator.subscription, body={"maxMessages": max_messages})
        .execute()
    )
    return list(answer.get("receivedMessages") or [])


def ack(operator: Operator, received: list[dict[str, Any]]) -> None:
    subscriptions = operator.pubsub().projects().subscriptions()
    ids = [r["ackId"] for r in received]
    assert subscriptions.acknowledge(subscription=operator.subscription, body={"ackIds": ids}).execute() == {}


def data(received: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64.b64decode(received["message"]["data"]))


def watch(account: GoogleAccount, topic: str, **body: Any) -> dict[str, Any]:
    return gmail(account).users().watch(userId="me", body={"topicName": topic, **body}).execute()


def epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def error_of(exc: pytest.ExceptionInfo[HttpError]) -> dict[str, Any]:
    return json.loads(exc.value.content)["error"]


def test_it_publishes_each_gmail_change_of_a_watched_mailbox_and_forgets_it_once_acked(
    google_account: GoogleAccount, operator: Operator
):
    app, user = google_account.app, google_account.user_id
    watched = watch(google_account, operator.topic)
    profile = gmail(google_account).users().getProfile(userId="me").execute()
    assert watched["historyId"] == profile["historyId"]
    week = int(watched["expiration"]) / 1000 - time.time()
    assert 7 * 86400 - 60 < week <= 7 * 86400  # epoch ms, 7 days, as Gmail does

    before = time.time()
    message = app.deliver_mail(user, "lee@client.example", "Quote", "Please send it")
    received = pull(operator)
    assert len(received) == 1
    assert data(received[0]) == {"emailAddress": google_account.email, "historyId": int(message["historyId"])}
    assert int(message["historyId"]) > int(watched["historyId"])
    assert received[0]["message"]["messageId"] and received[0]["ackId"]
    published = received[0]["message"]["publishTime"]
    assert published.endswith("Z") and abs(epoch(published) - before) < 2

    # A label change and a deletion are history too: each is published.
    app.label_mail(user, message["id"], remove=["UNREAD"])
    app.delete_mail(user, message["id"])
    later = until(lambda: pull(operator))
    later += pull(operator) if len(later) < 2 else []
    ids = [data(r)["historyId"] for r in received + later]
    assert len(ids) == 3 and ids == sorted(ids)
    history = gmail(google_account).users().history().list(userId="me", startHistoryId=watched["historyId"])
    assert [int(r["id"]) for r in history.execute()["history"]] == ids

    ack(operator, received + later)
    started = time.monotonic()
    assert pull(operator) == []  # acked: never delivered again, even past the 1 s ack deadline
    assert time.monotonic() - started >= 0.4  # an empty pull waited (long-poll) before answering {}
    time.sleep(1.1)
    assert pull(operator) == []


def test_it_delivers_an_unacked_notification_again_after_the_ack_deadline_with_a_new_ack_id(
    google_account: GoogleAccount, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    # 2 s: room for the second (0.5 s) pull below to end inside the deadline on a busy machine.
    operator = make_operator(google_server, sandbox_ca, ack_deadline_seconds=2)
    watch(google_account, operator.topic)
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Hi", "x")
    first = pull(operator)
    assert len(first) == 1
    assert pull(operator) == []  # within its deadline it is out with the first puller
    again = until(lambda: pull(operator), 4)
    assert len(again) == 1
    assert again[0]["message"]["messageId"] == first[0]["message"]["messageId"]
    assert again[0]["ackId"] != first[0]["ackId"]
    ack(operator, first)  # the old ack id is void: acking it changes nothing
    latest = until(lambda: pull(operator), 4)
    assert len(latest) == 1
    # modifyAckDeadline 0 (a nack) hands it out again at once; an ack with the newest id ends it.
    subscriptions = operator.pubsub().projects().subscriptions()
    subscriptions.modifyAckDeadline(
        subscription=operator.subscription, body={"ackIds": [latest[0]["ackId"]], "ackDeadlineSeconds": 0}
    ).execute()
    nacked = pull(operator)
    assert [r["message"]["messageId"] for r in nacked] == [first[0]["message"]["messageId"]]
    ack(operator, nacked)
    time.sleep(2.1)
    assert pull(operator) == []


def test_it_answers_a_waiting_pull_as_soon_as_gmail_publishes(
    google_account: GoogleAccount, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    slow = make_operator(google_server, sandbox_ca, pull_wait_seconds=5)
    watch(google_account, slow.topic)
    got: list[list[dict[str, Any]]] = []
    puller = threading.Thread(target=lambda: got.append(pull(slow)))
    puller.start()
    time.sleep(0.3)  # the pull is waiting on the server
    delivered = time.monotonic()
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Now", "x")
    puller.join(6)
    assert got and len(got[0]) == 1
    assert time.monotonic() - delivered < 1.5  # woken by the publish, not the 5 s wait


def test_it_publishes_only_what_the_label_filter_lets_through(
    google_account: GoogleAccount, operator: Operator
):
    app, user = google_account.app, google_account.user_id
    watch(google_account, operator.topic, labelIds=["INBOX"], labelFilterBehavior="include")
    app.send_mail(user, "lee@client.example", "Sent only", "x")  # SENT: not INBOX
    inbox = app.deliver_mail(user, "lee@client.example", "Inbox", "x")
    received = until(lambda: pull(operator))
    assert [data(r)["historyId"] for r in received] == [int(inbox["historyId"])]
    ack(operator, received)
    watch(google_account, operator.topic, labelIds=["INBOX"], labelFilterAction="exclude")  # the old name
    app.deliver_mail(user, "lee@client.example", "Inbox again", "x")
    sent = app.send_mail(user, "lee@client.example", "Sent", "x")
    received = until(lambda: pull(operator))
    assert [data(r)["historyId"] for r in received] == [int(sent["historyId"])]


def test_it_stops_publishing_once_the_watch_is_stopped(google_account: GoogleAccount, operator: Operator):
    watch(google_account, operator.topic)
    users = gmail(google_account).users()
    assert users.stop(userId="me").execute() in ("", {}, None)
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "After stop", "x")
    assert pull(operator) == []


def test_it_stops_publishing_once_the_watch_expires_until_it_is_renewed(
    google_account: GoogleAccount, operator: Operator
):
    watch(google_account, operator.topic)
    google_account.app.expire_gmail_watch(google_account.user_id)
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Too late", "x")
    assert pull(operator) == []
    renewed = watch(google_account, operator.topic)
    assert int(renewed["expiration"]) > time.time() * 1000
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Heard", "x")
    assert len(pull(operator)) == 1


def test_it_refuses_a_watch_on_a_topic_that_is_missing_or_gmail_may_not_publish_to(
    google_account: GoogleAccount, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    ungranted = make_operator(google_server, sandbox_ca, grant_gmail=False)
    with pytest.raises(HttpError) as refused:
        watch(google_account, ungranted.topic)
    assert refused.value.resp.status == 403
    error = error_of(refused)
    assert error["status"] == "PERMISSION_DENIED" and error["errors"][0]["reason"] == "forbidden"
    assert error["message"] == (
        f"Error sending test message to Cloud PubSub {ungranted.topic} : "
        "User not authorized to perform this action."
    )
    with pytest.raises(HttpError) as missing:
        watch(google_account, f"projects/{ungranted.project}/topics/nobody-made-this")
    assert missing.value.resp.status == 404 and "Resource not found" in error_of(missing)["message"]
    for topic, message in (("", "topicName required"), ("gmail-push", "Invalid topic name format")):
        with pytest.raises(HttpError) as bad:
            watch(google_account, topic)
        assert bad.value.resp.status == 400 and error_of(bad)["message"].startswith(message)
    # Nothing of it was kept: a change publishes nowhere.
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Hi", "x")
    assert pull(ungranted) == []


def test_it_refuses_a_watch_without_a_gmail_scope_or_a_valid_token(
    google_account: GoogleAccount, operator: Operator
):
    calendar_only = google_account.app.issue_refresh_token(
        google_account.user_id, google_account.client_id, ["https://www.googleapis.com/auth/calendar"]
    )
    users = gmail(google_account, authed_http(google_account, calendar_only)).users()
    with pytest.raises(HttpError) as scoped:
        users.watch(userId="me", body={"topicName": operator.topic}).execute()
    assert (
        scoped.value.resp.status == 403
        and error_of(scoped)["errors"][0]["reason"] == "insufficientPermissions"
    )
    response, _ = httplib2.Http(ca_certs=operator.ca_path).request(
        f"{operator.server.url}/gmail/v1/users/me/watch",
        "POST",
        body=json.dumps({"topicName": operator.topic}),
        headers={"Authorization": "Bearer ya29.forged", "Content-Type": "application/json"},
    )
    assert response.status == 401


def test_it_sets_up_the_topic_grant_and_subscription_through_the_real_api(
    google_account: GoogleAccount, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    bare = make_operator(google_server, sandbox_ca)  # its key; the topic below is made by hand
    projects = bare.pubsub().projects()
    topic = f"projects/{bare.project}/topics/mail-changes"
    assert projects.topics().create(name=topic, body={}).execute() == {"name": topic}
    with pytest.raises(HttpError) as twice:
        projects.topics().create(name=topic, body={}).execute()
    assert twice.value.resp.status == 409 and error_of(twice)["status"] == "ALREADY_EXISTS"
    with pytest.raises(HttpError) as early:
        watch(google_account, topic)
    assert early.value.resp.status == 403  # no grant yet

    policy = projects.topics().getIamPolicy(resource=topic).execute()
    binding = {
        "role": "roles/pubsub.publisher",
        "members": ["serviceAccount:gmail-api-push@system.gserviceaccount.com"],
    }
    made = (
        projects.topics()
        .setIamPolicy(resource=topic, body={"policy": {"bindings": [binding], "etag": policy["etag"]}})
        .execute()
    )
    assert made["bindings"] == [binding] and made["etag"] != policy["etag"]
    with pytest.raises(HttpError) as stale:
        projects.topics().setIamPolicy(
            resource=topic, body={"policy": {"bindings": [], "etag": policy["etag"]}}
        ).execute()
    assert stale.value.resp.status == 409

    sub = f"projects/{bare.project}/subscriptions/mail-changes-engine"
    created = (
        projects.subscriptions().create(name=sub, body={"topic": topic, "ackDeadlineSeconds": 30}).execute()
    )
    assert created["topic"] == topic and created["ackDeadlineSeconds"] == 30
    assert created["messageRetentionDuration"] == "604800s"
    with pytest.raises(HttpError) as short:
        projects.subscriptions().create(
            name=sub + "-2", body={"topic": topic, "ackDeadlineSeconds": 5}
        ).execute()
    assert short.value.resp.status == 400  # Google's minimum ack deadline is 10 s

    watch(google_account, topic)
    google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Hi", "x")
    answer = projects.subscriptions().pull(subscription=sub, body={"maxMessages": 5}).execute()
    assert data(answer["receivedMessages"][0])["emailAddress"] == google_account.email

    # The owner publishes too (data must be base64); another project's account may not.
    published = projects.topics().publish(topic=topic, body={"messages": [{"data": "aGk="}]}).execute()
    assert len(published["messageIds"]) == 1
    with pytest.raises(HttpError) as garbled:
        projects.topics().publish(topic=topic, body={"messages": [{"data": "%%%"}]}).execute()
    assert garbled.value.resp.status == 400
    stranger = make_operator(google_server, sandbox_ca).pubsub().projects().topics()
    with pytest.raises(HttpError) as foreign:
        stranger.publish(topic=topic, body={"messages": [{"data": "aGk="}]}).execute()
    assert foreign.value.resp.status == 403


def test_it_refuses_pubsub_callers_other_than_the_projects_service_account(
    google_account: GoogleAccount, operator: Operator, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    subscription = {"subscription": operator.subscription, "body": {"maxMessages": 1}}
    # The mailbox user's own token (Gmail scopes): 403 insufficient scopes.
    user_http = authed_http(google_account)
    with pytest.raises(HttpError) as scoped:
        operator.pubsub(user_http).projects().subscriptions().pull(**subscription).execute()
    assert scoped.value.resp.status == 403
    assert error_of(scoped)["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    # A user who did grant the pubsub scope is still no member of the operator's project.
    scoped_token = google_account.app.issue_refresh_token(
        google_account.user_id, google_account.client_id, ["https://www.googleapis.com/auth/pubsub"]
    )
    with pytest.raises(HttpError) as member:
        operator.pubsub(authed_http(google_account, scoped_token)).projects().subscriptions().pull(
            **subscription
        ).execute()
    assert member.value.resp.status == 403 and error_of(member)["status"] == "PERMISSION_DENIED"
    # Another project's service account: 403; the operator's own key without the pubsub scope: 403.
    other = make_operator(google_server, sandbox_ca)
    with pytest.raises(HttpError) as foreign:
        operator.pubsub(other.http()).projects().subscriptions().pull(**subscription).execute()
    assert foreign.value.resp.status == 403
    gmail_scoped = operator.http(("https://www.googleapis.com/auth/gmail.modify",))
    with pytest.raises(HttpError) as unscoped:
        operator.pubsub(gmail_scoped).projects().subscriptions().pull(**subscription).execute()
    assert unscoped.value.resp.status == 403
    # A token nobody issued: 401.
    bare = httplib2.Http(ca_certs=operator.ca_path)
    response, body = bare.request(
        f"{operator.server.url}/v1/{operator.subscription}:pull",
        "POST",
        body=json.dumps({"maxMessages": 1}),
        headers={"Authorization": "Bearer ya29.forged", "Content-Type": "application/json"},
    )
    assert response.status == 401 and json.loads(body)["error"]["status"] == "UNAUTHENTICATED"


def test_it_refuses_a_service_account_jwt_not_signed_by_its_key(
    operator: Operator, google_server: SandboxServer, sandbox_ca: SandboxCA
):
    other = make_operator(google_server, sandbox_ca)
    # The operator's account name, another account's private key: Google says the signature is bad.
    forged = {
        **operator.key,
        "private_key": other.key["private_key"],
        "private_key_id": other.key["private_key_id"],
    }
    with pytest.raises(RefreshError) as refused:
        operator.pubsub(operator.http(key=forged)).projects().subscriptions().get(
            subscription=operator.subscription
        ).execute()
    assert "invalid_grant" in str(refused.value) and "Invalid JWT Signature" in str(refused.value)
    assert (
        operator.pubsub().projects().subscriptions().get(subscription=operator.subscription).execute()["name"]
        == operator.subscription
    )


def test_it_keeps_unacked_messages_seven_days(google_account: GoogleAccount, operator: Operator):
    watch(google_account, operator.topic)
    app, user = google_account.app, google_account.user_id
    app.deliver_mail(user, "lee@client.example", "Old", "x")
    app.age_pubsub_messages(operator.subscription, 6.9)
    kept = app.deliver_mail(user, "lee@client.example", "Older still", "x")
    app.age_pubsub_messages(operator.subscription, 0.2)  # the first is now past 7 days, the second not
    assert [data(r)["historyId"] for r in pull(operator)] == [int(kept["historyId"])]


def test_it_drops_waiting_messages_on_request_as_if_the_window_was_lost(
    google_account: GoogleAccount, operator: Operator
):
    watch(google_account, operator.topic)
    for n in range(3):
        google_account.app.deliver_mail(google_account.user_id, "lee@client.example", f"Lost {n}", "x")
    assert google_account.app.drop_pubsub_messages(operator.subscription) == 3
    assert pull(operator) == []
    kept = google_account.app.deliver_mail(google_account.user_id, "lee@client.example", "Kept", "x")
    assert [data(r)["historyId"] for r in pull(operator)] == [int(kept["historyId"])]
