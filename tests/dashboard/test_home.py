"""The dashboard page: connections, mailbox state, recent sessions and open issues."""

from __future__ import annotations

import pytest
from django.test import Client

from syncengine.models import Outcome, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import text_of, url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def test_it_shows_the_mailbox_address_and_its_status_before_the_first_session(
    alice_client: Client, alice: Person
):
    response = alice_client.get(url("home"))

    assert response.status_code == 200
    html = text_of(response)
    assert alice.mailbox.address in html
    assert "Not synced yet" in html
    assert "No session yet" in html
    assert "Open issues (0)" in html
    assert f'data-status-url="{url("api_status", alice.mailbox.pk)}"' in html


def test_it_shows_the_salesforce_connection_status(alice_client: Client, alice: Person):
    html = text_of(alice_client.get(url("home")))

    assert '<span class="badge connected">Connected</span>' in html
    assert alice.connection.username in html


def test_it_shows_when_salesforce_is_not_connected(alice_client: Client, alice: Person):
    alice.connection.delete()

    html = text_of(alice_client.get(url("home")))

    assert "Not connected" in html


def test_it_shows_a_completed_session_with_its_counts(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("Pricing call with Acme", in_days(1, 15), in_days(1, 16)))
    session = session_run(mailbox_id=alice.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error

    html = text_of(alice_client.get(url("home")))

    assert "Synced" in html and "Not synced yet" not in html
    assert "No session yet" not in html
    assert "Scheduled" in html  # the session's trigger
    assert '<span class="badge succeeded">Succeeded</span>' in html
    assert "events to Salesforce: 1 created" in html
    assert f'data-version="{session.pk}-succeeded-' in html
    assert f"Salesforce {session.api_calls['crm']}" in html


def test_it_shows_open_issues(alice_client: Client, alice: Person):
    subject = "Quarterly review " + "x" * 300
    alice.outlook.create_event(**event_body(subject, in_days(2), in_days(2, 11)))
    session = session_run(mailbox_id=alice.mailbox.pk)
    assert session is not None and session.outcome == Outcome.PARTIAL
    issue = SyncIssue.objects.get(mailbox=alice.mailbox)

    html = text_of(alice_client.get(url("home")))

    assert "Open issues (1)" in html
    assert "<code>FIELD_TRUNCATED</code>" in html
    assert issue.message in html
    assert "Quarterly review xxxx" in html  # the item's label
    assert "Synced with issues" in html
    assert '<span class="badge partial">Succeeded with issues</span>' in html


def test_it_does_not_show_resolved_issues(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("R" * 300, in_days(2), in_days(2, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    SyncIssue.objects.filter(mailbox=alice.mailbox).update(resolved=True)

    html = text_of(alice_client.get(url("home")))

    assert "Open issues (0)" in html
    assert "FIELD_TRUNCATED" not in html


def test_it_escapes_what_users_typed(alice_client: Client, alice: Person):
    alice_client.post(url("suspend", alice.mailbox.pk), {"reason": "<script>alert(1)</script>"})

    html = text_of(alice_client.get(url("home")))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
