"""Run the sandboxes as a process: ``python -m sandbox.run --dir var/sandbox``.

Serves Salesforce and Microsoft Graph (+ login) over https with a CA made at start, and writes
``endpoints.json`` (URLs and the CA file) into ``--dir`` once both listen, for clients to read.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from sandbox.base import SandboxServer
from sandbox.graph.app import GraphSandbox
from sandbox.salesforce.app import SalesforceSandbox
from sandbox.tls import SandboxCA


def start(
    directory: Path, salesforce_port: int = 0, graph_port: int = 0
) -> tuple[list[SandboxServer], dict[str, Any]]:
    ca = SandboxCA(directory)
    salesforce = SandboxServer(SalesforceSandbox(), ca, port=salesforce_port).start()
    graph = SandboxServer(GraphSandbox(), ca, port=graph_port).start()
    endpoints = {"salesforce": salesforce.url, "graph": graph.url, "ca_bundle": str(ca.ca_path.resolve())}
    (directory / "endpoints.json").write_text(json.dumps(endpoints, indent=2))
    return [salesforce, graph], endpoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("var/sandbox"))
    parser.add_argument("--salesforce-port", type=int, default=8443)
    parser.add_argument("--graph-port", type=int, default=8444)
    args = parser.parse_args()
    servers, endpoints = start(args.dir, args.salesforce_port, args.graph_port)
    print(f"Salesforce sandbox: {endpoints['salesforce']}", flush=True)
    print(f"Graph sandbox:      {endpoints['graph']}", flush=True)
    print(f"CA bundle:          {endpoints['ca_bundle']}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
