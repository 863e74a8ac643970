"""Revoked Google consent end to end: the user removes the app in their Google Account -> the
session suspends the mailbox with the reason -> Reconnect on the dashboard runs the Google flow
again -> the mailbox resumes and syncs on, without duplicates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.base import SandboxServer
from syncengine.models import Mailbox, MailboxStatus, Outcome, Provider
from syncengine.services.sessions import session_run
from tests.support.calendar import synced_events
from tests.support.onboarding import Consent, back, started
from tests.support.pages import text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _event(summary: str, days: int) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "summary": summary,
        "start": {"dateTime": start.isoformat().replace("+00:00", "Z")},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")},
    }


@pytest.fixture
def alice_google(alice: Person, alice_client: Client, google: SandboxServer, consent: Consent) -> Mailbox:
    """alice connects her Gmail / Google Calendar account through the consent page."""
    address = f"alice.g@{alice.organization.slug}.example"
    google.app.create_user(address, "Alice G")
    location = consent.google(started(alice_client.get(reverse("onboarding:google_start"))), address)
    back(alice_client, location)
    return Mailbox.objects.get(owner=alice.user, provider=Provider.GOOGLE)


def test_it_reconnects_a_google_mailbox_whose_consent_was_revoked(
    alice: Person, alice_client: Client, alice_google: Mailbox, google: SandboxServer, consent: Consent
):
    address = alice_google.address
    google.app.create_event(address, _event("Kickoff", 1))
    first = session_run(mailbox_id=alice_google.pk)
    assert first is not None and first.outcome == Outcome.SUCCEEDED, first.error
    assert [e["Subject"] for e in synced_events(alice)] == ["Kickoff"]
    google.app.create_event(address, _event("Follow-up", 2))
    google.app.revoke(address)

    failed = session_run(mailbox_id=alice_google.pk)

    assert failed is not None and failed.outcome == Outcome.FAILED
    alice_google.refresh_from_db()
    assert alice_google.suspended and "reconnect the mailbox" in alice_google.suspended_reason
    home = text_of(alice_client.get(reverse("dashboard:home")))
    reconnect = f"{reverse('onboarding:google_start')}?mailbox={alice_google.pk}"
    assert re.search(rf'href="{re.escape(reconnect)}">Reconnect</a>', home)

    back(alice_client, consent.google(started(alice_client.get(reconnect)), address))

    alice_google.refresh_from_db()
    assert not alice_google.suspended and alice_google.status == MailboxStatus.OK
    resumed = session_run(mailbox_id=alice_google.pk)
    assert resumed is not None and resumed.outcome == Outcome.SUCCEEDED, resumed.error
    assert sorted(e["Subject"] for e in synced_events(alice)) == ["Follow-up", "Kickoff"]
