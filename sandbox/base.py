"""The small HTTP framework every sandbox is built on.

One ``SandboxApp`` per stand-in service: regex routes, a request log that tests read to count API
calls, and faults injected on demand (an error status, a Retry-After, a slow answer). Control
endpoints live under ``/_sandbox/`` and are never logged or faulted, so counting stays honest.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.tls import SandboxCA

JSON = "application/json"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    tenant: str = ""  # set by the app once it knows who is calling
    user: str = ""
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route regex
    # Every value of each query parameter (``query`` keeps the first): for repeatable parameters.
    repeated: dict[str, list[str]] = field(default_factory=dict)

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # An answer written as it is made (chunked), e.g. EWS streaming notifications; ``body`` is unused.
    stream: Iterator[bytes] | None = None


class StreamAbortedError(Exception):
    """Raised by a ``Response.stream`` to cut the connection mid-answer, as a lost network would."""


class HttpError(Exception):
    """Raised by handlers to answer with an error body in the service's own shape."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    all_headers = {"Content-Type": JSON} if payload is not None else {}
    all_headers.update(headers or {})
    return Response(status, body, all_headers)


def text_response(status: int, text: str, content_type: str = "text/plain") -> Response:
    return Response(status, text.encode("utf-8"), {"Content-Type": content_type})


@dataclass
class Fault:
    status: int | None = None  # None: no error, only the delay
    count: int = 1
    path: str = ".*"
    method: str | None = None
    retry_after: int | None = None
    delay: float = 0.0  # wait before handling: a slow service
    delay_after: float = 0.0  # handle, then wait before answering: the write happened, unheard

    def matches(self, request: Request) -> bool:
        if self.method and self.method.upper() != request.method:
            return False
        return re.search(self.path, request.path) is not None


Handler = Callable[[Request], Response]


class SandboxApp:
    """Base class: subclasses declare routes and render errors in their service's shape."""

    name = "sandbox"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.log: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self._seq = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.route("GET", r"/_sandbox/requests", self._ctl_requests)
        self.route("DELETE", r"/_sandbox/requests", self._ctl_clear_requests)
        self.route("POST", r"/_sandbox/faults", self._ctl_add_fault)
        self.route("DELETE", r"/_sandbox/faults", self._ctl_clear_faults)

    # -- wiring --------------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def locked(self, handler: Handler) -> Handler:
        """``handler`` run holding the app's lock (the stores are not thread-safe)."""

        def run(request: Request) -> Response:
            with self.lock:
                return handler(request)

        return run

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """The body an injected error status has; subclasses use their service's error shape."""
        return json_response(fault.status or 500, {"error": "injected fault"})

    def not_found(self, request: Request) -> Response:
        return json_response(404, {"error": f"no route for {request.method} {request.path}"})

    # -- control API -------------------------------------------------------------------------------
    def add_fault(self, **kwargs: Any) -> None:
        with self.lock:
            self.faults.append(Fault(**kwargs))

    def clear(self) -> None:
        with self.lock:
            self.log.clear()
            self.faults.clear()

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """Logged API calls, optionally filtered by exact field values (tenant=..., kind=...)."""
        with self.lock:
            return [e for e in self.log if all(e.get(k) == v for k, v in filters.items())]

    def _ctl_requests(self, request: Request) -> Response:
        since = int(request.query.get("since", "0"))
        with self.lock:
            return json_response(200, {"requests": [e for e in self.log if e["seq"] > since]})

    def _ctl_clear_requests(self, request: Request) -> Response:
        with self.lock:
            self.log.clear()
        return json_response(204, None)

    def _ctl_add_fault(self, request: Request) -> Response:
        self.add_fault(**(request.json() or {}))
        return json_response(201, {"ok": True})

    def _ctl_clear_faults(self, request: Request) -> Response:
        with self.lock:
            self.faults.clear()
        return json_response(204, None)

    # -- dispatch ----------------------------------------------------------------------------------
    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(request):
                    fault.count -= 1
                    return fault
        return None

    def dispatch(self, request: Request) -> Response:
        control = request.path.startswith("/_sandbox/")
        response = self._dispatch(request, control)
        if not control:
            self.record(request, response.status, self.request_kind(request))
        return response

    def record(self, request: Request, status: int, kind: str) -> None:
        """Log one answered request (what ``/_sandbox/requests`` lists)."""
        with self.lock:
            self._seq += 1
            self.log.append(
                {
                    "seq": self._seq,
                    "ts": time.time(),
                    "method": request.method,
                    "path": request.path,
                    "query": dict(request.query),
                    "status": status,
                    "tenant": request.tenant,
                    "user": request.user,
                    "kind": kind,
                }
            )

    def record_batch_item(self, request: Request, status: int) -> None:
        self.record(request, status, "batch-item")

    def request_kind(self, request: Request) -> str:
        """A label for counting: 'token' for login traffic, 'api' for the rest (overridable)."""
        return "api"

    def _dispatch(self, request: Request, control: bool) -> Response:
        fault = None
        if not control:
            fault = self._take_fault(request)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.status is not None:
                    response = self.fault_response(request, fault)
                    if fault.retry_after is not None:
                        response.headers["Retry-After"] = str(fault.retry_after)
                    return response
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.params = {k: v for k, v in match.groupdict().items() if v is not None}
                try:
                    response = handler(request)
                except HttpError as error:
                    response = error.response
                if fault is not None and fault.delay_after:
                    time.sleep(fault.delay_after)
                return response
        return self.not_found(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write, with TCP_NODELAY: otherwise Nagle's algorithm waits for
    # the client's delayed ACK and every answer takes ~40 ms more than the work it does.
    disable_nagle_algorithm = True
    app: SandboxApp
    base_url: str

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        repeated = parse_qs(parts.query, keep_blank_values=True)
        query = {k: v[0] for k, v in repeated.items()}
        request = Request(
            method=self.command,
            path=parts.path,
            query=query,
            repeated=repeated,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=self.base_url,
        )
        try:
            response = self.app.dispatch(request)
        except Exception as error:  # a sandbox bug must answer, not hang the client
            response = json_response(500, {"error": f"sandbox crashed: {error!r}"})
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is not None:
            self._write_stream(response.stream)
            return
        self.send_header("Content-Length", str(len(response.body)))
        if response.body and self.command != "HEAD":
            self._headers_buffer.append(b"\r\n" + response.body)  # type: ignore[attr-defined]
            self.flush_headers()
        else:
            self.end_headers()

    def _write_stream(self, stream: Iterator[bytes]) -> None:
        """Each piece as one HTTP chunk, flushed at once; a StreamAbortedError cuts the connection."""
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in stream:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (StreamAbortedError, OSError):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # a generator's cleanup runs now, not when it is collected

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815 - stdlib names

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the app keeps its own structured log


class SandboxServer:
    """Serves one app over TLS on 127.0.0.1 in a background thread."""

    def __init__(self, app: SandboxApp, ca: SandboxCA, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        handler = type("Handler", (_Handler,), {"app": app, "base_url": ""})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ca.server_context().wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://{host}:{self.port}"
        handler.base_url = self.url
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=self.app.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
