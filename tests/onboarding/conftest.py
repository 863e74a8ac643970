"""People who connect themselves, and a stand-in for the browser on the sandboxes' consent pages.

``Consent`` speaks to the sign-in pages as a browser would (GET the page, POST its form, read the
redirect); the browser tests do the same clicks in a real headless Chromium.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from selenium.webdriver.remote.webdriver import WebDriver

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Membership, Role
from tests.conftest import Person
from tests.onboarding.browser import chromium

GRAPH_PASSWORD = "Sandbox-Passw0rd!"
SF_PASSWORD = "sandbox-password"


def install_admin_consent_routes(graph_server: SandboxServer) -> None:
    """Route the authority's /adminconsent endpoint when the Graph sandbox app does not yet."""
    app = graph_server.app
    if any("adminconsent" in pattern.pattern for _, pattern, _ in app._routes):
        return
    for method, pattern, handler in app.authority.consent_routes():
        app.route(method, pattern, app._locked(handler))


@dataclass
class Newcomer:
    """A user in alice's organization with accounts at Microsoft and Salesforce, nothing connected."""

    user: User
    client: Client
    address: str
    graph_user_id: str
    sf_user_id: str
    sf_username: str


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
    client = Client()
    client.force_login(alice.user)
    return client


@pytest.fixture
def make_newcomer(alice: Person, sandboxes: Any, onboarding_settings: Any) -> Callable[..., Newcomer]:
    sf_server, graph_server = sandboxes

    def make(name: str = "bob", role: str = Role.USER) -> Newcomer:
        address = f"{name}@{alice.organization.slug}.example"
        user = User.objects.create_user(username=name, password="pw-for-tests-only")
        Membership.objects.create(user=user, organization=alice.organization, role=role)
        graph_user = graph_server.app.create_user(alice.tenant_id, address, name.title())
        sf_user = sf_server.app.create_user(alice.sf_org_id, f"{address}.sf", address, name.title())
        client = Client()
        client.force_login(user)
        return Newcomer(user, client, address, graph_user["id"], sf_user["id"], sf_user["username"])

    return make


@pytest.fixture
def bob(make_newcomer: Callable[..., Newcomer]) -> Newcomer:
    return make_newcomer("bob")


class Consent:
    """The person on a sandbox's sign-in and consent pages, over real https."""

    def __init__(self, ca: SandboxCA) -> None:
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = str(ca.ca_path)

    def page(self, url: str) -> requests.Response:
        response = self.http.get(url, allow_redirects=False)
        assert response.status_code == 200, response.text
        return response

    def submit(self, url: str, page: requests.Response, **fields: str) -> requests.Response:
        """POST the page's form with its hidden inputs and ``fields`` (the button is ``action``)."""
        match = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert match, page.text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        data = {k: html.unescape(v) for k, v in hidden.items()} | fields
        return self.http.post(urljoin(url, html.unescape(match.group(1))), data=data, allow_redirects=False)

    def microsoft(self, url: str, login: str, action: str = "accept", password: str = GRAPH_PASSWORD) -> str:
        answer = self.submit(url, self.page(url), login=login, passwd=password, action=action)
        return _location(answer)

    def google(self, url: str, email: str, decision: str = "allow") -> str:
        return _location(self.submit(url, self.page(url), email=email, decision=decision))

    def salesforce(self, url: str, username: str, action: str = "allow", password: str = SF_PASSWORD) -> str:
        allow_page = self.submit(url, self.page(url), username=username, pw=password, action="login")
        assert allow_page.status_code == 200 and "Allow Access?" in allow_page.text, allow_page.text
        return _location(self.submit(url, allow_page, action=action))


def _location(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    return response.headers["Location"]


@pytest.fixture
def consent(sandbox_ca: SandboxCA) -> Consent:
    return Consent(sandbox_ca)


def started(response: HttpResponse) -> str:
    """The provider URL our "start" view sent the browser to."""
    assert response.status_code == 302, response.content
    return str(response["Location"])


def back(client: Client, location: str, **tamper: str) -> HttpResponse:
    """The browser arriving at our callback (optionally with a query value changed)."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return client.get(parts.path, dict(parse_qsl(parts.query)) | tamper, follow=True)


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
