"""Google (Calendar, Tasks, People; Gmail in mail.py) via google-api-python-client, google-auth, httplib2.

Reads page through list calls (one call per stream when nothing changed); writes go in batches of up
to 50 through ``BatchHttpRequest`` with an explicit ``batch_uri`` (batches ignore ``api_endpoint``),
and items answered 429/5xx are sent again on their own.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import google_auth_httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from connectors.base import ConnectorError, CursorInvalidError, RetryPolicy, WriteResult, call_with_retry
from connectors.google.errors import from_exception, google_error, parse_body, retry_after, throttled
from connectors.google.mail import GmailMailMixin
from connectors.google.streams import STREAMS, Stream
from connectors.google.transport import SERVICES, CountingHttp, batch_uri, endpoint
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)
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


class GoogleConnector(GmailMailMixin):
    """One Google account. ``account``: {"email": ...}. ``credentials``: refresh_token (+ cached
    access_token and expires_at, epoch seconds); ``on_credentials`` gets them whenever they change."""

    SUPPORTED_STREAMS = tuple(STREAMS)

    def __init__(
        self,
        config: GoogleConfig,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.email = str(account.get("email", ""))
        self.credentials = dict(credentials)
        self._on_credentials = on_credentials
        self._sleep = sleep
        self.calls = 0
        self.token_calls = 0
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
        self._containers: dict[str, str] = {}  # stream -> task list id / contact group, known after a read

    # -- plumbing ---------------------------------------------------------------------------------
    def _count(self, uri: str) -> None:
        if uri.startswith(self.config.token_uri):
            self.token_calls += 1
        else:
            self.calls += 1

    def _service(self, name: str) -> Any:
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
        self._on_credentials(dict(self.credentials))

    def _run(self, make: Callable[[], Any]) -> Any:
        try:
            return make().execute(num_retries=0)
        except Exception as error:
            raise from_exception(error) from error
        finally:
            self._store_credentials()

    def _call(self, what: str, make: Callable[[], Any]) -> Any:
        return call_with_retry(
            lambda: self._run(make),
            policy=self.config.retry,
            refresh_auth=self.refresh,
            what=what,
            sleep=self._sleep,
        )

    def _pages(self, what: str, make: Callable[[str], Any]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            page = self._call(what, lambda token=token: make(token))
            yield page
            token = str(page.get("nextPageToken") or "")
            if not token:
                return

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Any = None) -> ChangeSet:
        """Changed items since ``cursor``, inside ``window`` (start, end) for events.

        A cursor made for another window, or one Google no longer accepts (Calendar 410, People
        EXPIRED_SYNC_TOKEN), starts a full read (``full=True``); the engine then confirms unseen pairs.
        """
        spec = _spec(stream)
        state = _state(cursor)
        service = self._service(spec.api)
        state["container"] = state.get("container") or self._ensure_container(spec)
        self._containers[stream] = state["container"]
        if spec.cursor_expired(state, self.config.tasks_cursor_max_age):
            log.info("Google %s cursor too old; reading in full", stream)
            state = {"container": state["container"]}
        try:
            return spec.read(service, self._pages, state, window, self.config.page_size)
        except CursorInvalidError:
            log.info("Google sync state for %s no longer valid; reading in full", stream)
        except ConnectorError as error:
            if error.status != 404 or not spec.container_name:
                raise
            # The user deleted the engine's task list: make it again and start over.
            log.info("Google %s container %s is gone; making it again", stream, state["container"])
            state["container"] = self._containers[stream] = self._ensure_container(spec)
        fresh = {"container": state["container"]}
        return spec.read(service, self._pages, fresh, window, self.config.page_size)

    def _ensure_container(self, spec: Stream) -> str:
        """The task list or contact group the engine keeps in sync (made when missing)."""
        service = self._service(spec.api)
        found = spec.find_container(service, self._pages)
        if found:
            return found
        made = self._call(f"create {spec.container_name}", lambda: spec.create_container(service))
        return str(made.get("resourceName") or made["id"])

    def _container(self, stream: str) -> str:
        if stream not in self._containers:
            self._containers[stream] = self._ensure_container(_spec(stream))
        return self._containers[stream]

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        spec, container = _spec(stream), self._container(stream)
        service = self._service(spec.api)
        answers = self._batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: dict[str, bool] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200:
                out[item_id] = not spec.gone(body or {})
            elif status in (404, 410):
                out[item_id] = False
            else:
                raise google_error(status, body)
        return out

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them (one batch call per 50); an item that
        no longer exists reads as deleted. The engine retries failed items with this."""
        spec, container = _spec(stream), self._container(stream)
        service = self._service(spec.api)
        answers = self._batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: list[ItemChange] = []
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status in (404, 410) or (status == 200 and spec.gone(body or {})):
                out.append(ItemChange(id=item_id, deleted=True))
            elif status != 200:
                raise google_error(status, body)
            else:
                out.append(spec.item_change(body or {}, container))
        return out

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items made for these intents: by the stamp (Calendar, People) or by content (Tasks);
        see each stream's ``find_created``."""
        if not intents:
            return {}
        spec, container = _spec(stream), self._container(stream)
        return spec.find_created(
            self._service(spec.api),
            container,
            intents,
            set(paired),
            self._pages,
            lambda makers: self._batch(spec.api, makers),
        )

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        service = self._service(spec.api)
        results: dict[int, WriteResult] = {}
        requests: list[tuple[int, Callable[[], Any]]] = []
        keys = list(sync_keys) or [""] * len(items)
        for index, values in enumerate(items):
            try:
                body = spec.body(values, None, container)
            except (ValueError, TypeError) as error:  # a value Google cannot take: this item only
                results[index] = _bad_values(error)
                continue
            if keys[index]:
                spec.stamp(body, keys[index])
            requests.append((index, lambda b=body: spec.insert(service, container, b)))
        answers = self._batch(spec.api, [make for _, make in requests])
        for (index, _), (status, body) in zip(requests, answers, strict=True):
            results[index] = _result(status, body)
        return [results[i] for i in range(len(items))]

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        service = self._service(spec.api)
        current = self._current(spec, service, container, items)
        results: dict[int, WriteResult] = {}
        requests: list[tuple[int, Callable[[], Any]]] = []
        for index, (item_id, values) in enumerate(items):
            if spec.needs_current(values) and item_id not in current:
                results[index] = current.get(f"!{item_id}") or WriteResult(
                    ok=False,
                    id=item_id,
                    code="notFound",
                    message="The item no longer exists.",
                    permanent=True,
                )
                continue
            try:
                body = spec.body(values, current.get(item_id), container)
            except (ValueError, TypeError) as error:
                results[index] = _bad_values(error, item_id)
                continue
            requests.append((index, lambda i=item_id, b=body: spec.patch(service, container, i, b)))
        answers = self._batch(spec.api, [make for _, make in requests])
        for (index, _), (status, body) in zip(requests, answers, strict=True):
            results[index] = _result(status, body, fallback_id=items[index][0])
        return [results[i] for i in range(len(items))]

    def _current(
        self, spec: Stream, service: Any, container: str, items: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> dict[str, Any]:
        """The items a write must start from (one batch read per 50): contacts always (etag, whole
        lists), events when only some of start/end/all-day change. ``!id``: why one could not be read."""
        ids = [item_id for item_id, values in items if spec.needs_current(values)]
        if not ids:
            return {}
        answers = self._batch(spec.api, [lambda i=i: spec.get(service, container, i) for i in ids])
        out: dict[str, Any] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200 and not spec.gone(body or {}):
                out[item_id] = body
            elif status not in (200, 404, 410):
                out[f"!{item_id}"] = _result(status, body, fallback_id=item_id)
        return out

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        service = self._service(spec.api)
        answers = self._batch(spec.api, [lambda i=i: spec.delete(service, container, i) for i in ids])
        # Already gone (404, or Calendar's 410 "deleted") is what we wanted.
        return [
            WriteResult(ok=True, id=i)
            if status in (200, 204, 404, 410)
            else _result(status, body, fallback_id=i)
            for (status, body), i in zip(answers, ids, strict=True)
        ]

    def _batch(self, api: str, makers: Sequence[Callable[[], Any]]) -> list[tuple[int, Any]]:
        """Run requests in batches of 50; answers come back in input order as (status, body).

        Items answered 429/5xx (or Calendar's 403 rate limits) are sent again (after the longest
        Retry-After) up to the policy's attempts; the rest of the batch is not repeated. A batch call
        itself is retried as a whole.
        """
        answers: list[tuple[int, Any] | None] = [None] * len(makers)
        pending = list(range(len(makers)))
        attempts = self.config.retry.max_attempts
        for attempt in range(1, attempts + 1):
            wait = 0.0
            still: list[int] = []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start : start + BATCH_LIMIT]
                replies: dict[int, tuple[Any, Exception | None]] = {}

                def send(chunk: list[int] = chunk, replies: dict[int, Any] = replies) -> None:
                    replies.clear()
                    batch = BatchHttpRequest(
                        callback=lambda rid, resp, exc: replies.__setitem__(int(rid), (resp, exc)),
                        batch_uri=batch_uri(self.config.api_url, api),
                    )
                    for index in chunk:
                        batch.add(makers[index](), request_id=str(index))
                    batch.execute(http=self.http)

                self._call(f"{api} batch", lambda send=send: _Executed(send))
                for index, (response, error) in replies.items():
                    if error is None:
                        answers[index] = (200, response or {})
                        continue
                    status = int(error.resp.status) if isinstance(error, HttpError) else 500
                    body = parse_body(error.content) if isinstance(error, HttpError) else {}
                    if throttled(status, body) and attempt < attempts:
                        hint = retry_after(error.resp) if isinstance(error, HttpError) else None
                        wait = max(wait, hint if hint is not None else self.config.retry.base_delay)
                        still.append(index)
                    else:
                        answers[index] = (status, body)
            if not still:
                break
            pending = sorted(still)
            self._sleep(min(wait, self.config.retry.max_wait))
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            raise ConnectorError(
                f"Google batch left {len(missing)} requests unanswered", permanent=False, code="BATCH"
            )
        return [a for a in answers if a is not None]


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


def _state(cursor: str) -> dict[str, Any]:
    """The stored cursor; one that is not ours (corrupt, another provider's) reads in full."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        log.warning("Google cursor unreadable; reading in full")
        return {}
    return state


def _bad_values(error: Exception, item_id: str = "") -> WriteResult:
    return WriteResult(
        ok=False,
        id=item_id,
        code="INVALID_VALUE",
        message=f"Cannot write this to Google: {error}",
        permanent=True,
    )


def _result(status: int, body: Any, fallback_id: str = "") -> WriteResult:
    if 200 <= status < 300:
        body = body or {}
        item_id = str(body.get("resourceName") or body.get("id") or fallback_id)
        return WriteResult(ok=True, id=item_id, version=str(body.get("etag") or ""))
    error = google_error(status, body)
    return WriteResult(
        ok=False, id=fallback_id, code=error.code, message=error.message, permanent=error.permanent
    )


def _spec(stream: str) -> Stream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Google accounts cannot sync {stream!r} (supported: {', '.join(STREAMS)})",
            permanent=True,
            code="UNSUPPORTED_STREAM",
        )
    return STREAMS[stream]
