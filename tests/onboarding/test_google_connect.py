"""Google: a user connects Gmail / Google Calendar through the consent page (web server flow,
offline access, PKCE)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from sandbox.base import SandboxServer
from syncengine.models import Mailbox
from tests.support.onboarding import Consent, Newcomer, back, started
from tests.support.pages import text_of

pytestmark = pytest.mark.django_db
START = reverse("onboarding:google_start")
CALLBACK = "http://testserver/connect/google/callback/"


def test_it_asks_for_offline_access_with_a_fresh_consent_and_pkce(bob: Newcomer, google: SandboxServer):
    location = started(bob.client.get(START))

    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{google.url}/o/oauth2/v2/auth"
    assert query["access_type"] == ["offline"]
    assert query["prompt"] == ["consent"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    assert "openid" in query["scope"][0].split() and "email" in query["scope"][0].split()


def test_it_says_so_when_the_user_cancels(bob: Newcomer, google: SandboxServer, consent: Consent):
    location = consent.google(started(bob.client.get(START)), bob.address, decision="deny")

    response = back(bob.client, location)

    assert not Mailbox.objects.filter(owner=bob.user).exists()
    assert "Google access was not granted (access_denied)" in text_of(response)


def test_it_refuses_an_answer_whose_state_is_not_ours(bob: Newcomer, google: SandboxServer, consent: Consent):
    location = consent.google(started(bob.client.get(START)), bob.address)

    response = back(bob.client, location, state="forged")

    assert not Mailbox.objects.filter(owner=bob.user).exists()
    assert "does not match our request" in text_of(response)


def test_it_connects_a_google_mailbox(bob: Newcomer, google: SandboxServer, consent: Consent):
    location = consent.google(started(bob.client.get(START)), bob.address)

    response = back(bob.client, location)

    mailbox = Mailbox.objects.get(owner=bob.user)
    assert mailbox.provider == "google" and mailbox.address == bob.address
    assert mailbox.provider_account["email"] == bob.address
    assert mailbox.credentials["refresh_token"]
    assert f"{bob.address} is connected" in text_of(response)
