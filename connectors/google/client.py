"""Google sign-in and calls (Calendar, Tasks, People, Gmail) via google-api-python-client, google-auth
and httplib2.

Batches go through ``BatchHttpRequest`` with an explicit ``batch_uri`` (batches ignore
``api_endpoint``), up to 50 requests a call; items answered 429/5xx are sent again on their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import google_auth_httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from connectors.base import (
    BatchAnswer,
    MailboxAccess,
    ProviderClient,
    RetryPolicy,
)
from connectors.google.errors import from_exception, parse_body, retry_after, throttled
from connectors.google.transport import SERVICES, CountingHttp, batch_uri, endpoint

BATCH_LIMIT = 50
TOKEN_MARGIN_SECONDS = 120
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
# What the connector needs (onboarding asks for these, plus openid and email).
SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/tasks",
    "https://www.googleapis.com/auth/contacts",
    "https://www.googleapis.com/auth/gmail.modify",  # the email stream (connectors/google/mail.py)
)


@dataclass(frozen=True)
class GoogleConfig:
    api_url: str = ""  # "" = Google's own hosts; else one host serving every API (the sandbox)
    token_uri: str = DEFAULT_TOKEN_URI
    client_id: str = ""
    client_secret: str = ""
    ca_bundle: str = ""
    timeout: float = 30.0
    page_size: int = 250
    # A Tasks cursor older than this is read in full (Tasks has no sync tokens; see streams.py).
    tasks_cursor_max_age: timedelta = timedelta(days=14)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class GoogleClient(ProviderClient):
    """One Google account's way in. ``account``: {"email": ...}. ``credentials``: refresh_token (+
    cached access_token and expires_at, epoch seconds); ``on_credentials`` gets them whenever they
    change."""

    def __init__(self, config: GoogleConfig, access: MailboxAccess) -> None:
        super().__init__(access, config.retry)
        account = access.account
        self.config = config
        self.email = str(account.get("email", ""))
        expires_at = float(self.credentials.get("expires_at") or 0)
        self._creds = _Credentials(
            token=self.credentials.get("access_token") or None,
            refresh_token=self.credentials.get("refresh_token") or None,
            token_uri=config.token_uri,
            client_id=config.client_id,
            client_secret=config.client_secret,
            # google-auth compares naive UTC; it refreshes ahead of this by its own small margin.
            expiry=datetime.fromtimestamp(expires_at - TOKEN_MARGIN_SECONDS, UTC).replace(tzinfo=None)
            if expires_at
            else None,
        )
        self._raw_http = CountingHttp(
            ca_bundle=config.ca_bundle, timeout=config.timeout, on_request=self._count
        )
        self._creds.transport = google_auth_httplib2.Request(self._raw_http)
        self.http = google_auth_httplib2.AuthorizedHttp(self._creds, http=self._raw_http)
        self._services: dict[str, Any] = {}

    def _count(self, uri: str) -> None:
        if uri.startswith(self.config.token_uri):
            self.token_calls += 1
        else:
            self.calls += 1

    def service(self, name: str) -> Any:
        if name not in self._services:
            url = endpoint(self.config.api_url, name)
            self._services[name] = build(
                name,
                SERVICES[name][0],
                http=self.http,
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": url} if url else None,
            )
        return self._services[name]

    def refresh(self) -> None:
        try:
            self._creds.refresh(google_auth_httplib2.Request(self._raw_http))
        except Exception as error:
            raise from_exception(error) from error
        finally:
            self._store_credentials()

    def _store_credentials(self) -> None:
        """Hand fresh tokens to the owner (stored encrypted) whenever google-auth refreshed them."""
        token = self._creds.token
        if not token or token == self.credentials.get("access_token"):
            return
        self.credentials["access_token"] = token
        expiry = self._creds.expiry
        self.credentials["expires_at"] = (
            expiry.replace(tzinfo=UTC).timestamp() if expiry else time.time() + 3600
        )
        if self._creds.refresh_token:
            self.credentials["refresh_token"] = self._creds.refresh_token
        self.on_credentials(dict(self.credentials))

    def _run(self, make: Callable[..., Any]) -> Any:
        try:
            return make().execute(num_retries=0)
        except Exception as error:
            raise from_exception(error) from error
        finally:
            self._store_credentials()

    def call(self, what: str, make: Callable[..., Any]) -> Any:
        return self.retried(lambda: self._run(make), what, refresh_auth=self.refresh)

    def pages(self, what: str, make: Callable[[str], Any]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            page = self.call(what, lambda token=token: make(token))
            yield page
            token = str(page.get("nextPageToken") or "")
            if not token:
                return

    def batch(self, api: str, makers: Sequence[Callable[..., Any]]) -> list[tuple[int, Any]]:
        """Run requests in batches of 50; answers come back in input order as (status, body).

        Items answered 429/5xx (or Calendar's 403 rate limits) are sent again (after the longest
        Retry-After) up to the policy's attempts; the rest of the batch is not repeated. A batch call
        itself is retried as a whole.
        """

        def send(chunk: Sequence[int]) -> Iterable[BatchAnswer]:
            replies: dict[int, tuple[Any, Exception | None]] = {}

            def execute() -> None:
                replies.clear()
                batch = BatchHttpRequest(
                    callback=lambda rid, resp, exc: replies.__setitem__(int(rid), (resp, exc)),
                    batch_uri=batch_uri(self.config.api_url, api),
                )
                for index in chunk:
                    batch.add(makers[index](), request_id=str(index))
                batch.execute(http=self.http)

            self.call(f"{api} batch", lambda: _Executed(execute))
            for index, (response, error) in replies.items():
                if error is None:
                    yield BatchAnswer(index, 200, response or {})
                    continue
                status = int(error.resp.status) if isinstance(error, HttpError) else 500
                body = parse_body(error.content) if isinstance(error, HttpError) else {}
                retry_in = None
                if throttled(status, body):
                    hint = retry_after(error.resp) if isinstance(error, HttpError) else None
                    retry_in = hint if hint is not None else self.config.retry.base_delay
                yield BatchAnswer(index, status, body, retry_in)

        return self.batched(len(makers), send, limit=BATCH_LIMIT, what="Google batch")


class _Credentials(Credentials):
    """Refreshes always go through our httplib2 (CA bundle, counting): googleapiclient's batch
    refreshes with a bare ``httplib2.Http()`` of its own otherwise."""

    transport: Any = None

    def refresh(self, request: Any) -> None:
        super().refresh(self.transport or request)


class _Executed:
    """Lets ``_run`` treat a batch like a request: ``execute`` sends it (errors mapped the same way)."""

    def __init__(self, send: Callable[[], None]) -> None:
        self._send = send

    def execute(self, num_retries: int = 0) -> None:
        self._send()
