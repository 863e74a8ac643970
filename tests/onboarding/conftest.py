"""Fixtures for onboarding: alice, newcomers in her organization, the consent stand-in, a headless
Chromium and our app at the Google sandbox (helpers in tests/support/onboarding.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from selenium.webdriver.remote.webdriver import WebDriver

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Membership, Role
from tests.onboarding.browser import chromium
from tests.support.onboarding import (
    Consent,
    Newcomer,
    install_admin_consent_routes,
)
from tests.support.pages import client_for
from tests.support.people import Person


@pytest.fixture
def onboarding_settings(settings: Any, alice: Person, sandboxes: Any) -> Any:
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.GRAPH_AUTHORITY_TENANT = alice.tenant_id  # a single-tenant app registration
    install_admin_consent_routes(sandboxes[1])
    return settings


@pytest.fixture
def alice(make_person: Callable[..., Person]) -> Person:
    return make_person("alice")


@pytest.fixture
def alice_client(alice: Person, onboarding_settings: Any) -> Client:
    return client_for(alice.user)


@pytest.fixture
def make_newcomer(alice: Person, sandboxes: Any, onboarding_settings: Any) -> Callable[..., Newcomer]:
    sf_server, graph_server = sandboxes

    def make(name: str = "bob", role: str = Role.USER) -> Newcomer:
        address = f"{name}@{alice.organization.slug}.example"
        user = User.objects.create_user(username=name, password="pw-for-tests-only")
        Membership.objects.create(user=user, organization=alice.organization, role=role)
        graph_user = graph_server.app.create_user(alice.tenant_id, address, name.title())
        sf_user = sf_server.app.create_user(alice.sf_org_id, f"{address}.sf", address, name.title())
        client = client_for(user)
        return Newcomer(user, client, address, graph_user["id"], sf_user["id"], sf_user["username"])

    return make


@pytest.fixture
def bob(make_newcomer: Callable[..., Newcomer]) -> Newcomer:
    return make_newcomer("bob")


@pytest.fixture
def consent(sandbox_ca: SandboxCA) -> Consent:
    return Consent(sandbox_ca)


@pytest.fixture
def browser(sandboxes: tuple[SandboxServer, SandboxServer], tmp_path: Path) -> Iterator[WebDriver]:
    """A headless Chromium that trusts the sandboxes' certificate (they all share one)."""
    with chromium(sandboxes[0], tmp_path / "chromium-profile") as driver:
        yield driver


GOOGLE_CLIENT_ID = "987654321-onboarding.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "google-onboarding-secret"


@pytest.fixture
def google(onboarding_settings: Any, google_server: SandboxServer, bob: Newcomer) -> SandboxServer:
    """Our app registered with the Google sandbox, and bob's Google account."""
    onboarding_settings.GOOGLE_CLIENT_ID = GOOGLE_CLIENT_ID
    onboarding_settings.GOOGLE_CLIENT_SECRET = GOOGLE_CLIENT_SECRET
    onboarding_settings.GOOGLE_AUTH_URL = f"{google_server.url}/o/oauth2/v2/auth"
    onboarding_settings.GOOGLE_TOKEN_URL = f"{google_server.url}/token"
    onboarding_settings.GOOGLE_API_URL = google_server.url
    google_server.app.register_client(GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, None)
    if google_server.app.accounts.find_user(bob.address) is None:
        google_server.app.create_user(bob.address, "Bob")
    return google_server
