import tempfile
from pathlib import Path

import requests

from sandbox.base import Request, Response, SandboxApp, SandboxServer, _Handler, json_response
from sandbox.tls import SandboxCA


def test_it_answers_with_nagle_disabled() -> None:
    # Nagle's algorithm against the client's delayed ACK made every answer wait ~40 ms.
    assert _Handler.disable_nagle_algorithm is True


def test_it_sends_headers_and_body_in_one_write(monkeypatch) -> None:
    writes: list[bytes] = []
    ca = SandboxCA(Path(tempfile.mkdtemp()))
    app = SandboxApp()

    def ping(request: Request) -> Response:
        return json_response(200, {"ok": True})

    app.route("GET", "/ping", ping)
    server = SandboxServer(app, ca).start()
    original = _Handler.flush_headers

    def counting_flush(self: _Handler) -> None:
        writes.append(b"".join(self._headers_buffer))
        original(self)

    monkeypatch.setattr(_Handler, "flush_headers", counting_flush)
    try:
        session = requests.Session()
        session.trust_env = False
        session.verify = str(ca.ca_path)
        answer = session.get(f"{server.url}/ping")
    finally:
        server.stop()
    assert answer.json() == {"ok": True}
    assert len(writes) == 1 and writes[0].endswith(b'{"ok": true}')
