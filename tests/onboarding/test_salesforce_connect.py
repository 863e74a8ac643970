"""Salesforce: a user connects through the login and "Allow Access?" pages (web server flow)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from syncengine.models import ConnectionStatus, Mailbox, SalesforceConnection
from syncengine.services.connectors import salesforce_for
from syncengine.services.sessions import session_run
from tests.support.memberships import join_organization
from tests.support.onboarding import Consent, Newcomer, back, started
from tests.support.pages import text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db
START = reverse("onboarding:salesforce_start")


def test_it_sends_the_browser_to_the_authorize_page(bob: Newcomer, sandboxes: Any):
    location = started(bob.client.get(START))

    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == sandboxes[0].url
    assert parts.path == "/services/oauth2/authorize"
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/connect/salesforce/callback/"]
    assert query["scope"] == ["api refresh_token"]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]


def test_it_connects_salesforce_with_the_instance_and_user_from_the_answer(
    bob: Newcomer, alice: Person, consent: Consent, sandboxes: Any
):
    location = consent.salesforce(started(bob.client.get(START)), bob.sf_username)

    response = back(bob.client, location)

    connection = SalesforceConnection.objects.get(user=bob.user)
    assert connection.instance_url == sandboxes[0].url
    assert connection.salesforce_org_id == alice.sf_org_id
    assert connection.salesforce_user_id == bob.sf_user_id
    assert connection.username == bob.sf_username
    assert connection.organization == alice.organization
    assert connection.status == ConnectionStatus.CONNECTED
    assert f"Salesforce is connected as {bob.sf_username}" in text_of(response)
    first_access = connection.credentials["access_token"]
    connector = salesforce_for(connection)  # the stored refresh token really works
    connector.refresh()
    assert connector.credentials["access_token"] not in ("", first_access)


def test_it_says_so_when_the_user_denies_access(bob: Newcomer, consent: Consent):
    location = consent.salesforce(started(bob.client.get(START)), bob.sf_username, action="deny")

    response = back(bob.client, location)

    assert not SalesforceConnection.objects.filter(user=bob.user).exists()
    assert "Salesforce access was not granted (end-user denied authorization)" in text_of(response)


def test_it_refuses_an_answer_whose_state_is_not_ours(bob: Newcomer, consent: Consent):
    location = consent.salesforce(started(bob.client.get(START)), bob.sf_username)

    response = back(bob.client, location, state="forged")

    assert not SalesforceConnection.objects.filter(user=bob.user).exists()
    assert "does not match our request" in text_of(response)


def test_it_renews_an_existing_connection_in_place(
    alice: Person, alice_client: Any, consent: Consent, sandboxes: Any
):
    sandboxes[0].app.revoke_refresh_tokens(alice.sf_org_id, alice.sf_user_id)
    SalesforceConnection.objects.filter(pk=alice.connection.pk).update(
        status=ConnectionStatus.REVOKED, status_message="Salesforce no longer accepts this user's sign-in"
    )

    back(alice_client, consent.salesforce(started(alice_client.get(START)), alice.connection.username))

    connection = SalesforceConnection.objects.get(user=alice.user)
    assert connection.pk == alice.connection.pk
    assert connection.status == ConnectionStatus.CONNECTED and connection.status_message == ""
    salesforce_for(connection).refresh()


def test_it_refuses_a_salesforce_org_other_than_the_organizations(
    bob: Newcomer, alice: Person, consent: Consent, sandboxes: Any
):
    SalesforceConnection.objects.filter(pk=alice.connection.pk).update(salesforce_org_id="00Dpersonal00000AA")
    location = consent.salesforce(started(bob.client.get(START)), bob.sf_username)

    response = back(bob.client, location)

    assert not SalesforceConnection.objects.filter(user=bob.user).exists()
    assert "syncs with another Salesforce org" in text_of(response)


def test_it_connects_salesforce_for_the_chosen_organization_and_keeps_the_others(
    alice: Person, alice_client: Any, consent: Consent, sandboxes: Any, make_person: Any
):
    beta = make_person("beta")  # another organization, with its own Salesforce org
    second = join_organization(alice, beta, sandboxes, salesforce=False)
    session_run(mailbox_id=second.mailbox.pk)  # no Salesforce in beta yet: suspended, with the reason
    sf_user = sandboxes[0].app.create_user(beta.sf_org_id, "alice@beta.sf", "alice@beta.example", "Alice")
    page = text_of(alice_client.get(reverse("onboarding:connect")))
    assert f'{START}?org={beta.organization.pk}">Connect Salesforce' in page
    assert f'{START}?org={alice.organization.pk}">Reconnect Salesforce' in page

    start = alice_client.get(START, {"org": beta.organization.pk})
    back(alice_client, consent.salesforce(started(start), sf_user["username"]))

    ours = SalesforceConnection.objects.get(user=alice.user, organization=alice.organization)
    assert ours.pk == alice.connection.pk and ours.salesforce_org_id == alice.sf_org_id
    theirs = SalesforceConnection.objects.get(user=alice.user, organization=beta.organization)
    assert theirs.salesforce_org_id == beta.sf_org_id and theirs.salesforce_user_id == sf_user["id"]
    assert not Mailbox.objects.get(pk=second.mailbox.pk).suspended  # resumed by its own organization's


def test_it_refuses_a_token_answer_that_names_a_host_outside_salesforce(
    bob: Newcomer, consent: Consent, sandboxes: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sandboxes[0].app.oauth, "announced_base_url", "https://tokens.attacker.example")
    location = consent.salesforce(started(bob.client.get(START)), bob.sf_username)

    response = back(bob.client, location)

    assert not SalesforceConnection.objects.filter(user=bob.user).exists()
    assert "named a host outside Salesforce (tokens.attacker.example)" in text_of(response)
