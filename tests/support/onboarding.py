"""People who connect themselves, and a stand-in for the browser on the sandboxes' consent pages.

``Consent`` speaks to the sign-in pages as a browser would (GET the page, POST its form, read the
redirect); the browser tests do the same clicks in a real headless Chromium.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.support.people import sandbox_session

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


class Consent:
    """The person on a sandbox's sign-in and consent pages, over real https."""

    def __init__(self, ca: SandboxCA) -> None:
        self.http = sandbox_session(ca)

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


def started(response: HttpResponse) -> str:
    """The provider URL our "start" view sent the browser to."""
    assert response.status_code == 302, response.content
    return str(response["Location"])


def back(client: Client, location: str, **tamper: str) -> HttpResponse:
    """The browser arriving at our callback (optionally with a query value changed)."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return client.get(parts.path, dict(parse_qsl(parts.query)) | tamper, follow=True)
