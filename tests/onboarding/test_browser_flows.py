"""The consent flows clicked through in a real headless Chromium: our pages, the sandboxes' sign-in
and consent pages over https, and back to our callbacks on a live server."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from onboarding.models import MicrosoftAdminConsent
from syncengine.models import ConnectionStatus, Mailbox, MailboxStatus, Outcome, Role, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.onboarding.browser import click_button, click_link, fill, log_in, wait_for_text, wait_for_url
from tests.support.calendar import in_days, synced_events
from tests.support.onboarding import GRAPH_PASSWORD, SF_PASSWORD, Newcomer
from tests.support.people import Person, event_body

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def live(onboarding_settings: Any, live_server: Any) -> str:
    onboarding_settings.PUBLIC_BASE_URL = live_server.url
    return str(live_server.url)


def accept_at_microsoft(
    browser: WebDriver, live: str, sandboxes: Any, username: str, link: str, page_text: str, address: str
) -> None:
    """The user logs in to us, follows ``link`` on the connect page to the Microsoft sandbox's page
    (which says ``page_text``), signs in there as ``address`` and accepts."""
    log_in(browser, live, username, PASSWORD)
    click_link(browser, "Connect a mailbox or Salesforce")
    click_link(browser, link)
    wait_for_url(browser, sandboxes[1].url)
    wait_for_text(browser, page_text)
    fill(browser, login=address, passwd=GRAPH_PASSWORD)
    click_button(browser, "Sign in and accept")


@pytest.mark.django_db(transaction=True)
def test_it_connects_a_microsoft_mailbox_in_the_browser(
    browser: WebDriver,
    live: str,
    bob: Newcomer,
    sandboxes: Any,
):
    accept_at_microsoft(browser, live, sandboxes, "bob", "Connect Microsoft 365", "Sign in", bob.address)

    wait_for_url(browser, live)
    wait_for_text(browser, f"{bob.address} is connected")
    mailbox = Mailbox.objects.get(owner=bob.user)
    assert mailbox.provider_account["user_id"] == bob.graph_user_id
    assert mailbox.credentials["refresh_token"]


@pytest.mark.django_db(transaction=True)
def test_it_connects_salesforce_in_the_browser(
    browser: WebDriver,
    live: str,
    bob: Newcomer,
    alice: Person,
    sandboxes: Any,
):
    log_in(browser, live, "bob", PASSWORD)
    click_link(browser, "Connect Salesforce")
    wait_for_url(browser, sandboxes[0].url)
    fill(browser, username=bob.sf_username, pw=SF_PASSWORD)
    click_button(browser, "Log In")
    wait_for_text(browser, "Allow Access?")
    click_button(browser, "Allow")

    wait_for_url(browser, live)
    wait_for_text(browser, f"Salesforce is connected as {bob.sf_username}")
    connection = SalesforceConnection.objects.get(user=bob.user)
    assert connection.instance_url == sandboxes[0].url
    assert connection.salesforce_org_id == alice.sf_org_id
    assert connection.status == ConnectionStatus.CONNECTED


@pytest.mark.django_db(transaction=True)
def test_it_reconnects_a_revoked_mailbox_with_one_click_and_resumes(
    browser: WebDriver,
    live: str,
    alice: Person,
    sandboxes: Any,
):
    alice.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))
    assert session_run(mailbox_id=alice.mailbox.pk).outcome == Outcome.SUCCEEDED
    alice.outlook.create_event(**event_body("Follow-up", in_days(2), in_days(2, 11)))
    sandboxes[1].app.revoke_refresh_tokens(alice.tenant_id, alice.graph_user_id)
    sandboxes[1].app.expire_tokens(alice.tenant_id)
    assert session_run(mailbox_id=alice.mailbox.pk).outcome == Outcome.FAILED

    log_in(browser, live, alice.user.username, PASSWORD)
    wait_for_text(browser, "reconnect the mailbox")
    click_link(browser, "Reconnect")
    wait_for_url(browser, sandboxes[1].url)
    fill(browser, passwd=GRAPH_PASSWORD)  # the login is filled in from login_hint
    click_button(browser, "Sign in and accept")

    wait_for_text(browser, f"{alice.mailbox.address} is reconnected; syncing resumes now.")
    mailbox = Mailbox.objects.get(pk=alice.mailbox.pk)
    assert not mailbox.suspended and mailbox.status == MailboxStatus.OK
    assert session_run(mailbox_id=alice.mailbox.pk).outcome == Outcome.SUCCEEDED
    assert sorted(e["Subject"] for e in synced_events(alice)) == ["Follow-up", "Kickoff"]


@pytest.mark.django_db(transaction=True)
def test_it_grants_admin_consent_in_the_browser(
    browser: WebDriver, live: str, make_newcomer: Any, alice: Person, sandboxes: Any
):
    admin = make_newcomer("olga", role=Role.ORG_ADMIN)
    sandboxes[1].app.authority.make_admin(alice.tenant_id, admin.graph_user_id)

    accept_at_microsoft(
        browser,
        live,
        sandboxes,
        "olga",
        "Grant admin consent",
        "Consent on behalf of your organization",
        admin.address,
    )

    wait_for_text(browser, f"Admin consent granted for {alice.organization}")
    consent = MicrosoftAdminConsent.objects.get(organization=alice.organization)
    assert consent.tenant_id == alice.tenant_id and consent.granted_by == admin.user


@pytest.fixture
def google_live(onboarding_settings: Any, live: str, google_server: Any, bob: Newcomer) -> Any:
    client_id, secret = "555-browser.apps.googleusercontent.com", "google-browser-secret"
    google_server.app.register_client(client_id, secret, [f"{live}/connect/google/callback/"])
    if google_server.app.accounts.find_user(bob.address) is None:
        google_server.app.create_user(bob.address, "Bob")
    onboarding_settings.GOOGLE_CLIENT_ID, onboarding_settings.GOOGLE_CLIENT_SECRET = client_id, secret
    onboarding_settings.GOOGLE_AUTH_URL = f"{google_server.url}/o/oauth2/v2/auth"
    onboarding_settings.GOOGLE_TOKEN_URL = f"{google_server.url}/token"
    return google_server


@pytest.mark.django_db(transaction=True)
def test_it_connects_a_google_mailbox_in_the_browser(
    browser: WebDriver, live: str, bob: Newcomer, google_live: Any
):
    log_in(browser, live, "bob", PASSWORD)
    click_link(browser, "Connect a mailbox or Salesforce")
    click_link(browser, "Connect Google")
    wait_for_url(browser, google_live.url)
    fill(browser, email=bob.address)
    click_button(browser, "Allow")

    wait_for_url(browser, live)
    wait_for_text(browser, f"{bob.address} is connected")
    assert Mailbox.objects.get(owner=bob.user).provider == "google"
