"""Microsoft 365: a user connects their mailbox through the sign-in page (auth-code flow + PKCE)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from syncengine.models import Mailbox, MailboxStatus, Provider
from syncengine.services.connectors import mail_connector_for
from tests.support.onboarding import Consent, Newcomer, back, started
from tests.support.pages import text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db
START = reverse("onboarding:microsoft_start")


def test_it_sends_the_browser_to_the_authority_with_pkce_state_and_nonce(bob: Newcomer, alice: Person):
    location = started(bob.client.get(START))

    query = parse_qs(urlsplit(location).query)
    assert urlsplit(location).path == f"/{alice.tenant_id}/oauth2/v2.0/authorize"
    assert query["redirect_uri"] == ["http://testserver/connect/microsoft/callback/"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["response_type"] == ["code"]


def test_it_connects_a_new_mailbox(bob: Newcomer, alice: Person, consent: Consent, sandboxes: Any):
    location = consent.microsoft(started(bob.client.get(START)), bob.address)

    response = back(bob.client, location)

    mailbox = Mailbox.objects.get(owner=bob.user)
    assert mailbox.provider == Provider.GRAPH
    assert mailbox.address == bob.address
    assert mailbox.organization == alice.organization
    assert mailbox.provider_account == {"tenant_id": alice.tenant_id, "user_id": bob.graph_user_id}
    assert mailbox.status == MailboxStatus.NEW
    assert f"{bob.address} is connected" in text_of(response)
    connector = mail_connector_for(mailbox)  # the stored refresh token really works
    connector.credentials.pop("access_token")
    connector.refresh()
    assert connector.credentials["access_token"]


def test_it_refuses_an_answer_whose_state_is_not_ours(bob: Newcomer, consent: Consent):
    location = consent.microsoft(started(bob.client.get(START)), bob.address)

    response = back(bob.client, location, state="forged")

    assert not Mailbox.objects.filter(owner=bob.user).exists()
    assert "does not match our request" in text_of(response)


def test_it_refuses_a_replayed_callback(bob: Newcomer, consent: Consent):
    location = consent.microsoft(started(bob.client.get(START)), bob.address)
    back(bob.client, location)

    response = back(bob.client, location)

    assert Mailbox.objects.filter(owner=bob.user).count() == 1
    assert "expired or was already used" in text_of(response)


def test_it_says_so_when_the_user_declines(bob: Newcomer, consent: Consent):
    location = consent.microsoft(started(bob.client.get(START)), bob.address, action="cancel")

    response = back(bob.client, location)

    assert not Mailbox.objects.filter(owner=bob.user).exists()
    assert "access was not granted" in text_of(response)
    assert "declined to consent" in text_of(response)


def test_it_refuses_to_reconnect_a_mailbox_with_another_account(
    alice: Person, alice_client: Any, bob: Newcomer, consent: Consent
):
    start = started(alice_client.get(START, {"mailbox": alice.mailbox.pk}))
    credentials_before = Mailbox.objects.get(pk=alice.mailbox.pk).credentials

    response = back(alice_client, consent.microsoft(start, bob.address))

    assert f"You signed in as {bob.address}, but this mailbox is {alice.mailbox.address}" in text_of(response)
    assert Mailbox.objects.get(pk=alice.mailbox.pk).credentials == credentials_before
    assert not Mailbox.objects.filter(address=bob.address).exists()


def test_it_answers_404_for_someone_elses_mailbox(alice: Person, bob: Newcomer):
    assert bob.client.get(START, {"mailbox": alice.mailbox.pk}).status_code == 404


def test_it_logs_no_code_and_no_token(bob: Newcomer, consent: Consent, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    location = consent.microsoft(started(bob.client.get(START)), bob.address)
    code = parse_qs(urlsplit(location).query)["code"][0]

    back(bob.client, location)

    credentials = Mailbox.objects.get(owner=bob.user).credentials
    logged = caplog.text
    assert code not in logged
    assert credentials["refresh_token"] not in logged
    assert credentials["access_token"] not in logged
