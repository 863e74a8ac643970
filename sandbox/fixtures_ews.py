"""pytest fixtures for the Exchange (EWS) sandbox, in-process over TLS.

``ews_server`` is shared by the session (like ``graph_server``); each test gets a clean request log
and no pending faults, and makes its own mailboxes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA


@pytest.fixture(scope="session")
def _ews_server(sandbox_ca: SandboxCA) -> Iterator[SandboxServer]:
    from sandbox.ews.app import EwsSandbox  # lazy: each sandbox stands alone

    server = SandboxServer(EwsSandbox(), sandbox_ca).start()
    yield server
    server.stop()


@pytest.fixture
def ews_server(_ews_server: SandboxServer) -> SandboxServer:
    _ews_server.app.clear()
    return _ews_server
