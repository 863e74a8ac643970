"""requests sessions for connectors: our CA bundle, no proxy variables, request counting, and what a
request that failed already says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from connectors.base import ConnectorError


class _TimeoutSession(requests.Session):
    """Every request gets a timeout, including those a client library makes without one."""

    default_timeout: float = 30.0

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_session(
    *,
    ca_bundle: str = "",
    timeout: float = 30.0,
    on_response: Callable[[requests.Response], None] | None = None,
) -> requests.Session:
    session = _TimeoutSession()
    session.default_timeout = timeout
    # Environment variables (REQUESTS_CA_BUNDLE, proxies) would override ``verify``: be explicit.
    session.trust_env = False
    session.verify = ca_bundle or True
    if on_response is not None:

        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
            on_response(response)
            return response

        session.hooks["response"].append(hook)
    return session


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def passed_on(error: Exception, service: str) -> ConnectorError | None:
    """What a failed call's ``error`` already says: itself when it is the one error type; ``service``
    unreachable (transient) when the request got no answer; None when the caller must read it."""
    if isinstance(error, ConnectorError):
        return error
    if isinstance(error, requests.RequestException):
        return ConnectorError(
            f"{service} unreachable: {type(error).__name__}", permanent=False, code="NETWORK"
        )
    return None
