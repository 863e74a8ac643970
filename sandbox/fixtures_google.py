"""pytest fixtures for the Google sandbox (Calendar, Tasks, People, OAuth), in-process over TLS.

Same pattern as ``graph_server``: one server for the session, a clean request log and no pending
faults per test; tests make their own users so they stay independent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox.base import SandboxServer
from sandbox.fixtures import sandbox_fixtures
from sandbox.tls import SandboxCA

_google_server, google_server = sandbox_fixtures("google", "sandbox.google.app.GoogleSandbox")


@dataclass
class GoogleAccount:
    """A Google user in the sandbox with an OAuth client and a refresh token (as after consent)."""

    server: SandboxServer
    ca_path: str
    user_id: str
    email: str
    client_id: str
    client_secret: str
    refresh_token: str

    @property
    def app(self) -> Any:
        return self.server.app

    @property
    def token_uri(self) -> str:
        return f"{self.server.url}/token"


_accounts = itertools.count(1)


@pytest.fixture
def google_account(google_server: SandboxServer, sandbox_ca: SandboxCA) -> GoogleAccount:
    """A fresh account per test, so tests stay independent on the shared server."""
    app = google_server.app
    client_id, secret = "1234567890-sandbox.apps.googleusercontent.com", "google-test-secret"
    app.register_client(client_id, secret)
    email = f"rep{next(_accounts)}@gmail-sandbox.example"
    user = app.create_user(email, "Sandbox Rep", "Europe/Berlin")
    token = app.issue_refresh_token(user["id"], client_id)
    return GoogleAccount(google_server, str(sandbox_ca.ca_path), user["id"], email, client_id, secret, token)
