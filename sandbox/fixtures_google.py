"""pytest fixtures for the Google sandbox (Calendar, Tasks, People, OAuth), in-process over TLS.

Same pattern as ``graph_server``: one server for the session, a clean request log and no pending
faults per test; tests make their own users so they stay independent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA


@pytest.fixture(scope="session")
def _google_server(sandbox_ca: SandboxCA) -> Iterator[SandboxServer]:
    from sandbox.google.app import GoogleSandbox  # lazy: each sandbox stands alone

    server = SandboxServer(GoogleSandbox(), sandbox_ca).start()
    yield server
    server.stop()


@pytest.fixture
def google_server(_google_server: SandboxServer) -> SandboxServer:
    _google_server.app.clear()
    return _google_server
