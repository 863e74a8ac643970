"""Microsoft 365 over Graph: msal for tokens, plain HTTP for the API.

Reads use calendarView delta (one delta read per calendar when nothing changed); writes go in
``$batch`` requests of up to 20, each item retried on its own 429.

Two ways in: delegated (the user's own refresh token, paths under ``/me``) or app-only (an org
admin's admin consent, client-credentials tokens, paths under ``/users/{id}``), chosen by the
mailbox's ``provider_account["mode"]``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import msal
import requests

from connectors.base import (
    ConnectorError,
    CursorInvalidError,
    ForeignLinkError,
    RetryPolicy,
    WriteResult,
    call_with_retry,
    within,
)
from connectors.graph import events as graph_events
from connectors.graph.errors import from_exception, from_response, graph_error
from connectors.graph.mail import GraphMailMixin
from connectors.graph.streams import STREAMS, GraphStream
from connectors.http import make_session
from connectors.stamp import GRAPH_PROPERTY_ID, odata_literal
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)
BATCH_LIMIT = 20
TOKEN_MARGIN_SECONDS = 120
APP_MODE = "app"
# App-only tokens cover a whole tenant: kept in this process only (never on a mailbox row), and
# shared by every mailbox of the tenant: (authority, tenant, client id) -> (token, expires_at).
_APP_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
_APP_TOKENS_LOCK = threading.Lock()
# Token endpoint answers that mean the app lost its access to the tenant (consent, app or secret).
PERMANENT_AUTH_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client", "interaction_required")


@dataclass(frozen=True)
class GraphConfig:
    authority_host: str
    api_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = ("https://graph.microsoft.com/Calendars.ReadWrite",)
    app_scopes: tuple[str, ...] = ("https://graph.microsoft.com/.default",)  # client credentials
    ca_bundle: str = ""
    timeout: float = 30.0
    page_size: int = 100
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


class GraphConnector(GraphMailMixin):
    """One mailbox. ``account``: tenant_id, user_id, and mode "app" for app-only access.

    ``credentials``: delegated: refresh_token (+ cached access_token); app-only: nothing needed.
    """

    SUPPORTED_STREAMS = frozenset(STREAMS)

    def __init__(
        self,
        config: GraphConfig,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.tenant_id = account["tenant_id"]
        self.app_only = account.get("mode") == APP_MODE
        user_id = str(account.get("user_id") or "")
        if self.app_only and not user_id:
            raise ConnectorError(
                "This org-wide Microsoft 365 mailbox has no user id: an org admin must add it again.",
                permanent=True,
                code="MAIL_AUTH_REVOKED",
            )
        # Where the mailbox lives in Graph: app-only tokens have no "me".
        self._mailbox = f"/users/{quote(user_id, safe='')}" if self.app_only else "/me"
        self.credentials = dict(credentials)
        self._on_credentials = on_credentials
        self._sleep = sleep
        self.calls = 0
        self.token_calls = 0
        self.session = make_session(
            ca_bundle=config.ca_bundle, timeout=config.timeout, on_response=self._count
        )
        self._msal: msal.ConfidentialClientApplication | None = None
        self._containers: dict[str, str] = {}  # stream -> folder or list id, known after a read

    # -- plumbing ---------------------------------------------------------------------------------
    def _count(self, response: requests.Response) -> None:
        if response.url.startswith(self.config.api_url):
            self.calls += 1
        else:  # the identity platform: discovery and token requests
            self.token_calls += 1

    @property
    def identity(self) -> msal.ConfidentialClientApplication:
        if self._msal is None:
            self._msal = msal.ConfidentialClientApplication(
                self.config.client_id,
                client_credential=self.config.client_secret,
                authority=f"{self.config.authority_host.rstrip('/')}/{self.tenant_id}",
                instance_discovery=False,
                http_client=self.session,
            )
        return self._msal

    def _access_token(self) -> str:
        token = self.credentials.get("access_token")
        if token and float(self.credentials.get("expires_at", 0)) > time.time() + TOKEN_MARGIN_SECONDS:
            return str(token)
        if self.app_only:
            with _APP_TOKENS_LOCK:
                shared = _APP_TOKENS.get(self._app_key())
            if shared and shared[1] > time.time() + TOKEN_MARGIN_SECONDS:
                self.credentials.update(access_token=shared[0], expires_at=shared[1])
                return shared[0]
        self.refresh()
        return str(self.credentials["access_token"])

    def refresh(self) -> None:
        if self.app_only:
            self._refresh_app()
            return
        try:
            result = self.identity.acquire_token_by_refresh_token(
                self.credentials.get("refresh_token", ""), scopes=list(self.config.scopes)
            )
        except Exception as error:
            raise from_exception(error) from error
        if "access_token" not in result:
            code = str(result.get("error", ""))
            description = str(result.get("error_description", "")).split("\n")[0].split(". ")[0][:160]
            permanent = code in PERMANENT_AUTH_ERRORS
            raise ConnectorError(
                "Microsoft 365 no longer accepts this mailbox's sign-in: reconnect the mailbox. "
                f"({code}: {description})"
                if permanent
                else f"Microsoft sign-in failed ({code}: {description})",
                permanent=permanent,
                code="MAIL_AUTH_REVOKED" if permanent else (code or "LOGIN_FAILED"),
            )
        self.credentials["access_token"] = result["access_token"]
        self.credentials["expires_at"] = time.time() + float(result.get("expires_in", 3600))
        if result.get("refresh_token"):
            self.credentials["refresh_token"] = result["refresh_token"]
        self._on_credentials(dict(self.credentials))

    def _app_key(self) -> tuple[str, str, str]:
        return (self.config.authority_host.rstrip("/"), self.tenant_id, self.config.client_id)

    def _refresh_app(self) -> None:
        """A new client-credentials token (also after a 401: the held one was refused)."""
        with _APP_TOKENS_LOCK:
            held = _APP_TOKENS.get(self._app_key())
            if held and held[0] == self.credentials.get("access_token"):
                del _APP_TOKENS[self._app_key()]
        self.credentials.pop("access_token", None)
        self._msal = None  # msal would answer from its own cache: the token just refused
        try:
            result = self.identity.acquire_token_for_client(scopes=list(self.config.app_scopes))
        except Exception as error:
            raise from_exception(error) from error
        if "access_token" not in result:
            raise _app_auth_error(result, self.tenant_id)
        expires_at = time.time() + float(result.get("expires_in", 3600))
        self.credentials.update(access_token=result["access_token"], expires_at=expires_at)
        with _APP_TOKENS_LOCK:
            _APP_TOKENS[self._app_key()] = (str(result["access_token"]), expires_at)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not within(url, self.config.api_url):  # every Graph request, links Graph returned included
            raise ForeignLinkError(f"A Graph link ({urlsplit(url).hostname or 'no host'})")
        headers = {"Authorization": f"Bearer {self._access_token()}", **kwargs.pop("headers", {})}
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.RequestException as error:
            raise from_exception(error) from error
        if response.status_code >= 400:
            error = from_response(response)
            if self.app_only and response.status_code == 403 and error.code == "ErrorAccessDenied":
                raise ConnectorError(  # the app's permissions were taken away, or do not cover this mailbox
                    f"Microsoft 365 denies the app access to this mailbox: an org admin must grant admin "
                    f"consent again (or allow this mailbox). ({error.message})",
                    permanent=True,
                    code="MAIL_AUTH_REVOKED",
                    status=403,
                )
            raise error
        return response

    def _call(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        return call_with_retry(
            lambda: self._send(method, url, **dict(kwargs)),
            policy=self.config.retry,
            refresh_auth=self.refresh,
            what=what,
            sleep=self._sleep,
        )

    def _url(self, path: str) -> str:
        return self.config.api_url.rstrip("/") + path

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changed items since ``cursor`` (a stored delta link), inside ``window`` for events.

        A cursor made for another window, or one Graph no longer accepts (410), starts a full
        read; the engine then treats unseen pairs as candidates to confirm.
        """
        spec = _spec(stream)
        state = json.loads(cursor) if cursor else {}
        scope = [_iso(window.start), _iso(window.end)] if spec.windowed and window else None
        container = state.get("container") or self._ensure_container(spec)
        self._containers[stream] = container
        if state.get("delta") and not within(state["delta"], self.config.api_url):
            log.warning("stored Graph delta link for %s names another host; reading in full", stream)
            state = {**state, "delta": ""}
        if state.get("delta") and state.get("window") == scope:
            try:
                return self._read_delta(spec, state["delta"], container, scope, full=False)
            except CursorInvalidError:
                log.info("Graph delta token for %s no longer valid; reading in full", stream)
        url = self._url(self._mailbox + spec.delta(container))
        if scope is not None and window is not None:
            start, end = graph_events.window_param(window.start), graph_events.window_param(window.end)
            url += f"?startDateTime={start}&endDateTime={end}"
        return self._read_delta(spec, url, container, scope, full=True)

    def _container(self, stream: str) -> str:
        """The stream's folder or list id: known after a read, else looked up (writes without a read)."""
        if stream not in self._containers:
            self._containers[stream] = self._ensure_container(_spec(stream))
        return self._containers[stream]

    def _ensure_container(self, spec: GraphStream) -> str:
        """The dedicated folder or list of a stream (made when missing); "" for the calendar."""
        if not spec.container:
            return ""
        listing = self._call(
            f"list {spec.container}", "GET", self._url(f"{self._mailbox}/{spec.container}")
        ).json()
        for item in listing.get("value", []):
            if str(item.get("displayName", "")).casefold() == spec.container_name.casefold():
                return str(item["id"])
        made = self._call(
            f"create {spec.container}",
            "POST",
            self._url(f"{self._mailbox}/{spec.container}"),
            json={"displayName": spec.container_name},
        ).json()
        return str(made["id"])

    def _read_delta(
        self, spec: GraphStream, url: str, container: str, scope: list[str] | None, *, full: bool
    ) -> ChangeSet:
        headers = {
            "Prefer": f'odata.maxpagesize={self.config.page_size}, outlook.timezone="UTC", '
            'outlook.body-content-type="text"'
        }
        changes: list[ItemChange] = []
        while True:
            page = self._call(f"{spec.name} delta", "GET", url, headers=headers).json()
            for item in page.get("value", []):
                try:
                    changes.append(spec.to_change(item))
                except (graph_events.UnknownTimeZoneError, ValueError) as error:
                    label = str(item.get("subject") or item.get("title") or item.get("displayName") or "")
                    changes.append(ItemChange(id=str(item["id"]), label=label, values={"_error": str(error)}))
            if "@odata.nextLink" in page:
                url = page["@odata.nextLink"]
                continue
            delta = page.get("@odata.deltaLink", "")
            cursor = json.dumps({"delta": delta, "window": scope, "container": container})
            return ChangeSet(changes=changes, next_cursor=cursor, full=full)

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        answers = self._get_items(stream, ids, select="id")
        out: dict[str, bool] = {}
        for item_id, (status, body) in zip(ids, answers, strict=True):
            if status == 200:
                out[item_id] = True
            elif status == 404:
                out[item_id] = False
            else:
                raise graph_error(status, body)
        return out

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them (one $batch call per 20); an item
        that no longer exists reads as deleted. The engine retries failed items with this."""
        headers = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
        spec = _spec(stream)
        out: list[ItemChange] = []
        for item_id, (status, body) in zip(ids, self._get_items(stream, ids, headers=headers), strict=True):
            if status == 404:
                out.append(ItemChange(id=item_id, deleted=True))
            elif status != 200:
                raise graph_error(status, body)
            else:
                try:
                    out.append(spec.to_change(body or {}))
                except (graph_events.UnknownTimeZoneError, ValueError) as error:
                    label = str((body or {}).get("subject") or (body or {}).get("displayName") or "")
                    out.append(ItemChange(id=item_id, label=label, values={"_error": str(error)}))
        return out

    def _get_items(
        self, stream: str, ids: Sequence[str], select: str = "", headers: Mapping[str, str] | None = None
    ) -> list[tuple[int, Any]]:
        spec, container = _spec(stream), self._container(stream)
        query = f"?$select={select}" if select else ""
        extra = {"headers": dict(headers)} if headers else {}
        return self._batch(
            [{"method": "GET", "url": self._mailbox + spec.item(container, i) + query, **extra} for i in ids]
        )

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items stamped with these sync keys: one filtered list per key (the filter Graph documents
        for extended properties), 20 to a $batch call; the stamp comes back expanded to be checked."""
        if not intents:
            return {}
        spec, container = _spec(stream), self._container(stream)
        headers = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
        reqs = []
        for intent in intents:
            prop, value = odata_literal(GRAPH_PROPERTY_ID), odata_literal(intent.sync_key)
            query = {
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq {prop} and ep/value eq {value})",
                "$expand": f"singleValueExtendedProperties($filter=id eq {prop})",
                "$top": "10",
            }
            url = self._mailbox + spec.create(container) + "?" + urlencode(query, quote_via=quote, safe="$")
            reqs.append({"method": "GET", "url": url, "headers": headers})
        found: dict[str, ItemChange] = {}
        for intent, (status, body) in zip(intents, self._batch(reqs), strict=True):
            if status != 200:
                raise graph_error(status, body)
            for item in (body or {}).get("value", []):
                stamps = {
                    str(p.get("id", "")).casefold(): p.get("value")
                    for p in item.get("singleValueExtendedProperties") or []
                }
                stamp = stamps.get(GRAPH_PROPERTY_ID.casefold())
                if str(item.get("id")) in paired or stamp != intent.sync_key:
                    continue
                try:
                    found[intent.sync_key] = spec.to_change(item)
                except (graph_events.UnknownTimeZoneError, ValueError):
                    found[intent.sync_key] = ItemChange(id=str(item["id"]), values={"_error": "unreadable"})
                break
        return found

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        bodies = [spec.from_neutral(v) for v in items]
        for body, key in zip(bodies, sync_keys or [""] * len(bodies), strict=True):
            if key:  # the engine's stamp: a single-value extended property of its own
                body["singleValueExtendedProperties"] = [{"id": GRAPH_PROPERTY_ID, "value": key}]
        reqs = [_json_request("POST", self._mailbox + spec.create(container), body) for body in bodies]
        return [self._write_result(s, b) for s, b in self._batch(reqs)]

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        current = self._current_for_lists(stream, spec, items)
        reqs = [
            _json_request(
                "PATCH",
                self._mailbox + spec.item(container, item_id),
                spec.from_neutral(v, current.get(item_id)),
            )
            for item_id, v in items
        ]
        answers = self._batch(reqs)
        return [
            self._write_result(s, b, fallback_id=i) for (s, b), (i, _) in zip(answers, items, strict=True)
        ]

    def _current_for_lists(
        self, stream: str, spec: GraphStream, items: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> dict[str, Any]:
        """Graph list properties (emails, phones) are written whole: read the ones we rewrite, so
        entries the mapping does not cover survive (one $batch read per 20 such items)."""
        ids = [item_id for item_id, values in items if spec.list_keys & set(values)]
        if not ids:
            return {}
        answers = self._get_items(stream, ids)
        return {i: body for i, (status, body) in zip(ids, answers, strict=True) if status == 200}

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec, container = _spec(stream), self._container(stream)
        answers = self._batch(
            [{"method": "DELETE", "url": self._mailbox + spec.item(container, i)} for i in ids]
        )
        # Already gone is what we wanted.
        return [
            WriteResult(ok=True, id=i) if s in (204, 404) else self._write_result(s, b, fallback_id=i)
            for (s, b), i in zip(answers, ids, strict=True)
        ]

    @staticmethod
    def _write_result(status: int, body: Any, fallback_id: str = "") -> WriteResult:
        if 200 <= status < 300:
            body = body or {}
            return WriteResult(
                ok=True, id=str(body.get("id") or fallback_id), version=str(body.get("changeKey") or "")
            )
        error = graph_error(status, body)
        return WriteResult(
            ok=False, id=fallback_id, code=error.code, message=error.message, permanent=error.permanent
        )

    def _batch(self, reqs: Sequence[dict[str, Any]]) -> list[tuple[int, Any]]:
        """Send requests in $batch calls of 20; answers come back in input order.

        Items answered 429/5xx are sent again (after the longest Retry-After) up to the policy's
        attempts; the rest of the batch is not repeated.
        """
        answers: list[tuple[int, Any] | None] = [None] * len(reqs)
        pending = list(range(len(reqs)))
        for attempt in range(1, self.config.retry.max_attempts + 1):
            retry_wait = 0.0
            still: list[int] = []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start : start + BATCH_LIMIT]
                body = {"requests": [{"id": str(i), **reqs[i]} for i in chunk]}
                response = self._call("$batch", "POST", self._url("/$batch"), json=body)
                for item in response.json().get("responses", []):
                    index = int(item["id"])
                    status = int(item.get("status", 500))
                    if status in (429, 500, 502, 503, 504) and attempt < self.config.retry.max_attempts:
                        headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
                        retry_wait = max(retry_wait, float(headers.get("retry-after", 1)))
                        still.append(index)
                    else:
                        answers[index] = (status, item.get("body"))
            if not still:
                break
            pending = sorted(still)
            self._sleep(min(retry_wait, self.config.retry.max_wait))
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            raise ConnectorError(
                f"Graph $batch left {len(missing)} requests unanswered", permanent=False, code="BATCH"
            )
        return [a for a in answers if a is not None]


def _spec(stream: str) -> GraphStream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Microsoft 365 mailboxes cannot sync {stream!r}", permanent=True, code="UNSUPPORTED_STREAM"
        )
    return STREAMS[stream]


def _json_request(method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"method": method, "url": url, "headers": {"Content-Type": "application/json"}, "body": body}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _app_auth_error(result: Mapping[str, Any], tenant_id: str) -> ConnectorError:
    """Why the identity platform refused a client-credentials token, named for the org admin."""
    code = str(result.get("error", ""))
    description = str(result.get("error_description", "")).split("\n")[0].split(". ")[0][:160]
    if code in PERMANENT_AUTH_ERRORS:
        return ConnectorError(
            f"Microsoft 365 no longer lets this app into tenant {tenant_id}: the org admin's admin "
            f"consent was revoked or the app was disabled. An org admin must grant admin consent again. "
            f"({code}: {description})",
            permanent=True,
            code="MAIL_AUTH_REVOKED",
        )
    return ConnectorError(
        f"Microsoft sign-in failed ({code}: {description})", permanent=False, code=code or "LOGIN_FAILED"
    )
