"""exchangelib set up for one mailbox: our CA bundle, our timeout, no retries of its own, counted calls.

exchangelib caches one ``Protocol`` per endpoint and credentials and builds its own requests sessions;
we make an uncached protocol per connector whose sessions verify TLS against ``ca_bundle`` (never
the environment's), so a connector's calls are its own to count.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from exchangelib import Account, Build, Configuration, Credentials, FailFast, Version
from exchangelib.account import DELEGATE
from exchangelib.credentials import OAuth2AuthorizationCodeCredentials
from exchangelib.ewsdatetime import EWSTimeZone
from exchangelib.protocol import Protocol
from exchangelib.transport import BASIC, NTLM, OAUTH2

from mapping.timezones import ConversionError, to_iana


class RedactAuthorization(logging.Filter):
    """exchangelib logs each request's headers (at DEBUG, and with any error), Authorization included:
    Basic is the password in base64. Blank the header's value before any handler sees the record."""

    HEADER = re.compile(r"""(['"]authorization['"]\s*:\s*['"])[^'"]*""", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "uthorization" in message:
            record.msg, record.args = self.HEADER.sub(r"\1[redacted]", message), None
        return True


for _name in ("exchangelib.util", "exchangelib.transport"):  # the two that log request headers
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactAuthorization) for f in _logger.filters):
        _logger.addFilter(RedactAuthorization())


@dataclass
class LastResponse:
    """What the latest HTTP answer said, for errors exchangelib reports without it (Retry-After)."""

    status: int = 0
    retry_after: float | None = None
    soap: bool = False  # the body was XML (a SOAP fault), not an HTML error page


class CountingProtocol(Protocol):
    """A Protocol whose sessions trust ``ca_bundle`` and report every response."""

    ca_bundle: str = ""
    on_response: Callable[[requests.Response], None] = staticmethod(lambda response: None)

    def create_session(self) -> Any:
        session = super().create_session()
        # Environment variables (REQUESTS_CA_BUNDLE, proxies) would override ``verify``: be explicit.
        session.trust_env = False
        session.verify = self.ca_bundle or True
        session.hooks["response"].append(lambda response, *args, **kwargs: self.on_response(response))
        return session


def credentials_of(credentials: dict[str, Any]) -> tuple[Any, str]:
    """exchangelib credentials and auth type for stored ``credentials``: an access token, else a password."""
    token = credentials.get("access_token")
    if token:
        creds = OAuth2AuthorizationCodeCredentials(
            access_token={"access_token": token, "token_type": "Bearer"}
        )
        return creds, OAUTH2
    auth = str(credentials.get("auth_type") or "basic").lower()
    return Credentials(str(credentials.get("username", "")), str(credentials.get("password", ""))), (
        NTLM if auth == "ntlm" else BASIC
    )


def mailbox_zone(name: str) -> EWSTimeZone:
    """The mailbox's own zone (Windows or IANA name): all-day dates are days in it."""
    try:
        return EWSTimeZone(to_iana(name or "UTC"))
    except ConversionError as error:
        raise ValueError(f"Unknown mailbox time zone {name!r}: {error}") from error


def open_account(
    *,
    service_endpoint: str,
    smtp_address: str,
    credentials: dict[str, Any],
    build: tuple[int, ...],
    ca_bundle: str,
    timeout: float,
    time_zone: str,
    on_response: Callable[[requests.Response], None],
) -> Account:
    creds, auth_type = credentials_of(credentials)
    config = Configuration(
        service_endpoint=service_endpoint,
        credentials=creds,
        auth_type=auth_type,
        version=Version(build=Build(*build)),
        retry_policy=FailFast(),  # retries are ours (connectors.base.call_with_retry)
        max_connections=1,
    )
    # type.__call__ skips exchangelib's process-wide protocol cache: this protocol is the connector's.
    protocol = type.__call__(CountingProtocol, config=config)
    protocol.ca_bundle = ca_bundle
    protocol.on_response = on_response
    protocol.TIMEOUT = timeout
    account = Account(
        primary_smtp_address=smtp_address,
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
        default_timezone=mailbox_zone(time_zone),
    )
    with contextlib.suppress(KeyError):
        del Protocol[config]  # Account() cached a shared protocol for these credentials: drop it
    account.protocol = protocol
    return account
