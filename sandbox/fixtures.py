"""pytest fixtures that run the sandboxes in-process, over real TLS sockets.

Loaded as a plugin from tests/conftest.py. Servers live for the whole test session; every test
gets a clean request log and no pending faults, and makes its own tenants so tests stay independent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA


def sandbox_fixtures(name: str, app_class: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The fixtures of one sandbox: ``_<name>_server``, started once a session, and ``<name>_server``,
    the same server with a clean request log and no pending faults for each test.

    ``app_class`` ("module.Class") is imported only when a test asks: each sandbox stands alone.
    """

    @pytest.fixture(scope="session", name=f"_{name}_server")
    def session_server(sandbox_ca: SandboxCA) -> Iterator[SandboxServer]:
        module, _, class_name = app_class.rpartition(".")
        server = SandboxServer(getattr(importlib.import_module(module), class_name)(), sandbox_ca).start()
        yield server
        server.stop()

    @pytest.fixture(name=f"{name}_server")
    def test_server(request: pytest.FixtureRequest) -> SandboxServer:
        server: SandboxServer = request.getfixturevalue(f"_{name}_server")
        server.app.clear()
        return server

    return session_server, test_server


@pytest.fixture(scope="session")
def sandbox_ca(tmp_path_factory: pytest.TempPathFactory) -> SandboxCA:
    return SandboxCA(Path(tmp_path_factory.mktemp("sandbox-ca")))


_salesforce_server, salesforce_server = sandbox_fixtures(
    "salesforce", "sandbox.salesforce.app.SalesforceSandbox"
)
_graph_server, graph_server = sandbox_fixtures("graph", "sandbox.graph.app.GraphSandbox")


@pytest.fixture(scope="session")
def salesforce_pubsub_server(_salesforce_server: SandboxServer, sandbox_ca: SandboxCA) -> Iterator[Any]:
    """The Salesforce sandbox's Pub/Sub API (gRPC over TLS) on its own port, serving the same app as
    ``salesforce_server``: its REST writes are the change events subscribers get. Keepalives come
    every half second, so an idle subscription shows itself quickly."""
    from sandbox.salesforce.pubsub import PubSubServer  # grpc only for the tests that ask

    server = PubSubServer(_salesforce_server.app, sandbox_ca, keepalive_seconds=0.5).start()  # type: ignore[arg-type]
    yield server
    server.stop()
