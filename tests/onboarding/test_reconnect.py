"""Revoked consent end to end: revoke at the provider -> the session suspends the mailbox with the
reason -> the dashboard offers one-click Reconnect -> the provider flow runs again -> the mailbox
resumes and the next session syncs from where it stopped, without duplicates."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from syncengine.models import ConnectionStatus, Mailbox, MailboxStatus, Outcome, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.onboarding import Consent, back, started
from tests.support.pages import text_of
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def _link(html: str, label: str) -> str:
    match = re.search(rf'<a class="button" href="([^"]+)">{label}</a>', html)
    assert match, f"no {label!r} link in the page"
    return match.group(1).replace("&amp;", "&")


def _synced_once(alice: Person) -> None:
    alice.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))
    first = session_run(mailbox_id=alice.mailbox.pk)
    assert first is not None and first.outcome == Outcome.SUCCEEDED
    assert [e["Subject"] for e in synced_events(alice)] == ["Kickoff"]


def test_it_reconnects_a_mailbox_whose_consent_was_revoked(
    alice: Person, alice_client: Client, consent: Consent, sandboxes: Any
):
    _, graph_server = sandboxes
    _synced_once(alice)
    alice.outlook.create_event(**event_body("Follow-up", in_days(2), in_days(2, 11)))
    graph_server.app.revoke_refresh_tokens(alice.tenant_id, alice.graph_user_id)  # "Revoke" in My Apps
    graph_server.app.expire_tokens(alice.tenant_id)  # the engine's cached access token ends too

    failed = session_run(mailbox_id=alice.mailbox.pk)

    assert failed is not None and failed.outcome == Outcome.FAILED
    mailbox = Mailbox.objects.get(pk=alice.mailbox.pk)
    assert mailbox.suspended and mailbox.status == MailboxStatus.SUSPENDED
    assert "reconnect the mailbox" in mailbox.suspended_reason
    home = text_of(alice_client.get(reverse("dashboard:home")))
    assert escape(mailbox.suspended_reason) in home
    assert ">Resume</button>" not in home
    reconnect = _link(home, "Reconnect")
    assert reconnect == f"{reverse('onboarding:microsoft_start')}?mailbox={mailbox.pk}"

    done = back(alice_client, consent.microsoft(started(alice_client.get(reconnect)), alice.mailbox.address))

    assert f"{alice.mailbox.address} is reconnected; syncing resumes now." in text_of(done)
    mailbox.refresh_from_db()
    assert not mailbox.suspended and mailbox.suspended_reason == ""
    assert mailbox.status == MailboxStatus.OK
    assert Mailbox.objects.filter(owner=alice.user).count() == 1
    resumed = session_run(mailbox_id=alice.mailbox.pk)
    assert resumed is not None and resumed.outcome == Outcome.SUCCEEDED
    assert resumed.counts["events"]["to_crm"] == {"created": 1}
    assert sorted(e["Subject"] for e in synced_events(alice)) == ["Follow-up", "Kickoff"]


def test_it_reconnects_salesforce_and_resumes_the_mailbox_it_had_suspended(
    alice: Person, alice_client: Client, consent: Consent, sandboxes: Any
):
    sf_server, _ = sandboxes
    _synced_once(alice)
    alice.outlook.create_event(**event_body("Follow-up", in_days(2), in_days(2, 11)))
    # The user revokes the app's token in Salesforce: its access tokens go with it.
    refresh_token = SalesforceConnection.objects.get(user=alice.user).credentials["refresh_token"]
    revoked = consent.http.post(f"{sf_server.url}/services/oauth2/revoke", data={"token": refresh_token})
    assert revoked.status_code == 200

    failed = session_run(mailbox_id=alice.mailbox.pk)

    assert failed is not None and failed.outcome == Outcome.FAILED
    mailbox = Mailbox.objects.get(pk=alice.mailbox.pk)
    assert mailbox.suspended and "reconnect Salesforce" in mailbox.suspended_reason
    assert SalesforceConnection.objects.get(user=alice.user).status == ConnectionStatus.REVOKED
    home = text_of(alice_client.get(reverse("dashboard:home")))
    assert escape(mailbox.suspended_reason) in home
    reconnect = _link(home, "Reconnect Salesforce")

    back(alice_client, consent.salesforce(started(alice_client.get(reconnect)), alice.connection.username))

    assert SalesforceConnection.objects.get(user=alice.user).status == ConnectionStatus.CONNECTED
    mailbox.refresh_from_db()
    assert not mailbox.suspended and mailbox.status == MailboxStatus.OK
    resumed = session_run(mailbox_id=alice.mailbox.pk)
    assert resumed is not None and resumed.outcome == Outcome.SUCCEEDED
    assert sorted(e["Subject"] for e in synced_events(alice)) == ["Follow-up", "Kickoff"]


def test_it_offers_resume_not_reconnect_after_the_users_own_suspension(alice: Person, alice_client: Client):
    alice_client.post(reverse("dashboard:suspend", args=[alice.mailbox.pk]), {"reason": "On holiday"})

    home = text_of(alice_client.get(reverse("dashboard:home")))

    assert ">Resume</button>" in home
    assert 'href="/connect/microsoft/?mailbox=' not in home


def test_it_offers_to_connect_salesforce_when_it_is_missing(alice: Person, alice_client: Client):
    SalesforceConnection.objects.filter(user=alice.user).delete()

    home = text_of(alice_client.get(reverse("dashboard:home")))

    assert _link(home, "Connect Salesforce") == (
        f"{reverse('onboarding:salesforce_start')}?org={alice.organization.pk}"
    )
