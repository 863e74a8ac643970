"""httplib2 with our CA bundle, no proxy variables, a timeout, and request counting by destination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httplib2


class CountingHttp(httplib2.Http):
    """Reports every request's URI after it is answered (a batch is one request)."""

    def __init__(self, *, ca_bundle: str, timeout: float, on_request: Callable[[str], None]) -> None:
        # proxy_info=None: environment proxy variables must not reroute mailbox traffic.
        super().__init__(ca_certs=ca_bundle or None, timeout=timeout, proxy_info=None)
        self._on_request = on_request

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(uri, method, *args, **kwargs)
        finally:
            self._on_request(uri)


# Where google-api-python-client sends each API when ``api_url`` points at one host (the sandbox, or a
# proxy): the path prefixes are the services' own; without ``api_url`` the library's defaults apply.
SERVICES = {
    "calendar": ("v3", "/calendar/v3/", "/batch/calendar/v3", "https://www.googleapis.com/batch/calendar/v3"),
    "tasks": ("v1", "/", "/batch/tasks/v1", "https://tasks.googleapis.com/batch"),
    "people": ("v1", "/", "/batch/people/v1", "https://people.googleapis.com/batch"),
    "gmail": ("v1", "/", "/batch/gmail/v1", "https://gmail.googleapis.com/batch"),
}


def endpoint(api_url: str, service: str) -> str | None:
    return api_url.rstrip("/") + SERVICES[service][1] if api_url else None


def batch_uri(api_url: str, service: str) -> str:
    return api_url.rstrip("/") + SERVICES[service][2] if api_url else SERVICES[service][3]
