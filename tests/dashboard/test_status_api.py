"""The JSON status the dashboard polls for live refresh."""

from __future__ import annotations

import pytest
from django.test import Client

from syncengine.models import SyncSession
from syncengine.services.mailboxes import mailbox_suspend
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "address",
    "status",
    "suspended",
    "suspended_reason",
    "last_synced_at",
    "next_due_at",
    "running",
    "latest_session_id",
    "latest_outcome",
    "open_issues",
    "progress",
    "version",
}


def test_it_returns_the_documented_fields_before_any_session(alice_client: Client, alice: Person):
    response = alice_client.get(url("api_status", alice.mailbox.pk))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == FIELDS
    assert data["id"] == alice.mailbox.pk
    assert data["address"] == alice.mailbox.address
    assert data["status"] == "new"
    assert data["suspended"] is False
    assert data["suspended_reason"] == ""
    assert data["last_synced_at"] is None
    assert data["running"] is False
    assert data["latest_session_id"] is None
    assert data["latest_outcome"] is None
    assert data["open_issues"] == 0


def test_it_returns_the_latest_session_and_open_issues(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("T" * 300, in_days(1), in_days(1, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    latest = session_run(mailbox_id=alice.mailbox.pk)
    assert latest is not None and SyncSession.objects.count() == 2

    data = alice_client.get(url("api_status", alice.mailbox.pk)).json()

    assert data["latest_session_id"] == latest.pk
    assert data["latest_outcome"] == latest.outcome
    assert data["open_issues"] == 1
    assert data["last_synced_at"] is not None
    assert data["running"] is False


def test_it_reports_a_suspended_mailbox(alice_client: Client, alice: Person):
    mailbox_suspend(mailbox=alice.mailbox, reason="On holiday")

    data = alice_client.get(url("api_status", alice.mailbox.pk)).json()

    assert data["suspended"] is True
    assert data["status"] == "suspended"
    assert data["suspended_reason"] == "Suspended by user: On holiday"


def test_it_reports_a_running_session(alice_client: Client, alice: Person):
    alice.mailbox.lease_token = "worker-1"
    alice.mailbox.save()

    data = alice_client.get(url("api_status", alice.mailbox.pk)).json()

    assert data["running"] is True


def test_it_never_returns_credentials(alice_client: Client, alice: Person):
    body = alice_client.get(url("api_status", alice.mailbox.pk)).content.decode()

    assert "credentials" not in body
    assert alice.mailbox.credentials["refresh_token"] not in body


def test_it_refuses_writes(alice_client: Client, alice: Person):
    response = alice_client.post(url("api_status", alice.mailbox.pk), {}, content_type="application/json")

    assert response.status_code in (403, 405)  # 403 if CSRF answers first, 405 otherwise
