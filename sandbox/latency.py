"""Prints how long one JSON GET takes against a sandbox server: `python -m sandbox.latency`.

The stand-ins must cost far less than the providers they stand for, or every benchmark measures them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import requests

from sandbox.base import Request, Response, SandboxApp, SandboxServer, json_response
from sandbox.tls import SandboxCA


def _ping(request: Request) -> Response:
    return json_response(200, {"ok": True})


def median_get_seconds(rounds: int = 200) -> float:
    ca = SandboxCA(Path(tempfile.mkdtemp()))
    app = SandboxApp()
    app.route("GET", "/ping", _ping)
    server = SandboxServer(app, ca).start()
    try:
        session = requests.Session()
        session.trust_env = False
        session.verify = str(ca.ca_path)
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            session.get(f"{server.url}/ping").raise_for_status()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings[rounds // 10 :])  # the first ones include the handshake
    finally:
        server.stop()


if __name__ == "__main__":
    print(f"one JSON GET over a kept-alive TLS connection: median {median_get_seconds() * 1000:.2f} ms")
