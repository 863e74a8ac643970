"""pytest fixtures that run the sandboxes in-process, over real TLS sockets.

Loaded as a plugin from tests/conftest.py. Servers live for the whole test session; every test
gets a clean request log and no pending faults, and makes its own tenants so tests stay independent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA


@pytest.fixture(scope="session")
def sandbox_ca(tmp_path_factory: pytest.TempPathFactory) -> SandboxCA:
    return SandboxCA(Path(tmp_path_factory.mktemp("sandbox-ca")))


@pytest.fixture(scope="session")
def _salesforce_server(sandbox_ca: SandboxCA) -> Iterator[SandboxServer]:
    from sandbox.salesforce.app import SalesforceSandbox  # lazy: each sandbox stands alone

    server = SandboxServer(SalesforceSandbox(), sandbox_ca).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _graph_server(sandbox_ca: SandboxCA) -> Iterator[SandboxServer]:
    from sandbox.graph.app import GraphSandbox

    server = SandboxServer(GraphSandbox(), sandbox_ca).start()
    yield server
    server.stop()


@pytest.fixture
def salesforce_server(_salesforce_server: SandboxServer) -> SandboxServer:
    _salesforce_server.app.clear()
    return _salesforce_server


@pytest.fixture
def graph_server(_graph_server: SandboxServer) -> SandboxServer:
    _graph_server.app.clear()
    return _graph_server
