"""Run the sandboxes as a process: ``python -m sandbox.run --dir var/sandbox``.

Serves Salesforce, Microsoft Graph (+ login), Google (Calendar, Gmail + push, Tasks, People, Cloud
Pub/Sub + OAuth) and Exchange Server (EWS) over https with a CA made at start, Salesforce's Pub/Sub
API (gRPC over TLS, the same org data), and writes ``endpoints.json`` (URLs, the Pub/Sub target and
the CA file) into ``--dir`` once all listen, for clients to read.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from sandbox.base import SandboxServer
from sandbox.ews.app import EwsSandbox
from sandbox.google.app import GoogleSandbox
from sandbox.graph.app import GraphSandbox
from sandbox.salesforce.app import SalesforceSandbox
from sandbox.salesforce.pubsub import PubSubServer
from sandbox.tls import SandboxCA

PORTS = {"salesforce": 8443, "graph": 8444, "google": 8445, "ews": 8446}
PUBSUB_PORT = 8447  # Salesforce's Pub/Sub API: gRPC, on a port of its own as on Salesforce's own host


def start(
    directory: Path, ports: dict[str, int] | None = None, pubsub_port: int = 0
) -> tuple[list[SandboxServer | PubSubServer], dict[str, Any]]:
    """Start every sandbox (port 0: any free port) and write their endpoints."""
    chosen = {name: 0 for name in PORTS} | (ports or {})
    ca = SandboxCA(directory)
    salesforce = SalesforceSandbox()
    apps = {
        "salesforce": salesforce,
        "graph": GraphSandbox(),
        "google": GoogleSandbox(),
        "ews": EwsSandbox(),
    }
    servers = {name: SandboxServer(app, ca, port=chosen[name]).start() for name, app in apps.items()}
    pubsub = PubSubServer(salesforce, ca, port=pubsub_port).start()
    endpoints: dict[str, Any] = {name: server.url for name, server in servers.items()}
    endpoints["salesforce_pubsub"] = pubsub.target
    endpoints["ca_bundle"] = str(ca.ca_path.resolve())
    endpoints["leaf_spki_sha256"] = ca.leaf_spki_sha256
    (directory / "endpoints.json").write_text(json.dumps(endpoints, indent=2))
    return [*servers.values(), pubsub], endpoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("var/sandbox"))
    for name, port in PORTS.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    parser.add_argument("--salesforce-pubsub-port", type=int, default=PUBSUB_PORT)
    args = parser.parse_args()
    ports = {name: getattr(args, f"{name}_port") for name in PORTS}
    servers, endpoints = start(args.dir, ports, args.salesforce_pubsub_port)
    for name in PORTS:
        print(f"{name.title()} sandbox: {endpoints[name]}", flush=True)
    print(f"Salesforce Pub/Sub API (gRPC): {endpoints['salesforce_pubsub']}", flush=True)
    print(f"CA bundle: {endpoints['ca_bundle']}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
