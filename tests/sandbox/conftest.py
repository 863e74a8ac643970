"""Fixtures for the sandbox tests: a fresh Salesforce org per test."""

from __future__ import annotations

import pytest

from sandbox.base import SandboxServer
from sandbox.salesforce.app import SalesforceSandbox
from sandbox.tls import SandboxCA
from tests.support.people import sandbox_session
from tests.support.sandbox import Tenant, salesforce_numbers


@pytest.fixture
def tenant(salesforce_server: SandboxServer, sandbox_ca: SandboxCA) -> Tenant:
    """A fresh org with one user and a connected app, so tests never share records."""
    app: SalesforceSandbox = salesforce_server.app  # type: ignore[assignment]
    n = next(salesforce_numbers)
    org = app.create_org(f"Org {n}")
    user = app.create_user(
        org["id"], f"rep{n}@example.com", f"rep{n}@example.com", "Rita Rep", password="pw-123"
    )
    client_id = f"client-{n}"
    app.register_client(client_id, "s3cret")
    refresh = app.issue_refresh_token(org["id"], user["id"], client_id)
    return Tenant(
        app,
        salesforce_server.url,
        sandbox_session(sandbox_ca),
        org["id"],
        user["id"],
        client_id,
        "s3cret",
        refresh,
    )
