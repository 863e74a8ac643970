"""Microsoft Graph sign-in and calls: msal for tokens, plain HTTP for the API, ``$batch`` for many.

Two ways in: delegated (the user's own refresh token, paths under ``/me``) or app-only (an org
admin's admin consent, client-credentials tokens, paths under ``/users/{id}``), chosen by the
mailbox's ``provider_account["mode"]``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import msal
import requests

from connectors.base import (
    BatchAnswer,
    ConnectorError,
    ForeignLinkError,
    MailboxAccess,
    ProviderClient,
    RetryPolicy,
    WriteResult,
    within,
)
from connectors.graph.errors import from_exception, from_response, graph_error
from connectors.http import make_session

BATCH_LIMIT = 20
TOKEN_MARGIN_SECONDS = 120
APP_MODE = "app"
# App-only tokens cover a whole tenant: kept in this process only (never on a mailbox row), and
# shared by every mailbox of the tenant: (authority, tenant, client id) -> (token, expires_at).
_APP_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
_APP_TOKENS_LOCK = threading.Lock()
# Token endpoint answers that mean the app lost its access to the tenant (consent, app or secret).
PERMANENT_AUTH_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client", "interaction_required")
RETRIED_STATUSES = (429, 500, 502, 503, 504)


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


class GraphClient(ProviderClient):
    """One mailbox's way into Graph. ``account``: tenant_id, user_id, and mode "app" for app-only
    access. ``credentials``: delegated: refresh_token (+ cached access_token); app-only: nothing."""

    def __init__(self, config: GraphConfig, access: MailboxAccess) -> None:
        super().__init__(access, config.retry)
        account = access.account
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
        self.mailbox = f"/users/{quote(user_id, safe='')}" if self.app_only else "/me"
        self.session = make_session(
            ca_bundle=config.ca_bundle, timeout=config.timeout, on_response=self._count
        )
        self._msal: msal.ConfidentialClientApplication | None = None

    def _count(self, response: requests.Response) -> None:
        if response.url.startswith(self.config.api_url):
            self.calls += 1
        else:  # the identity platform: discovery and token requests
            self.token_calls += 1

    # -- tokens -----------------------------------------------------------------------------------
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
            code, description = _refusal(result)
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
        self.on_credentials(dict(self.credentials))

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

    # -- calls ------------------------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not within(url, self.config.api_url):  # every Graph request, links Graph returned included
            raise ForeignLinkError(f"A Graph link ({urlsplit(url).hostname or 'no host'})")
        headers = {"Authorization": f"Bearer {self._access_token()}", **kwargs.pop("headers", {})}
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.RequestException as error:
            raise from_exception(error) from error
        if response.status_code >= 400:
            refusal = from_response(response)
            if self.app_only and response.status_code == 403 and refusal.code == "ErrorAccessDenied":
                raise ConnectorError(  # the app's permissions were taken away, or do not cover this mailbox
                    f"Microsoft 365 denies the app access to this mailbox: an org admin must grant admin "
                    f"consent again (or allow this mailbox). ({refusal.message})",
                    permanent=True,
                    code="MAIL_AUTH_REVOKED",
                    status=403,
                )
            raise refusal
        return response

    def call(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request, retried on transient errors, the token refreshed once when refused."""
        return self.retried(lambda: self._send(method, url, **dict(kwargs)), what, refresh_auth=self.refresh)

    def url(self, path: str) -> str:
        return self.config.api_url.rstrip("/") + path

    def batch(self, reqs: Sequence[dict[str, Any]]) -> list[tuple[int, Any]]:
        """Send requests in $batch calls of 20; answers come back in input order.

        Items answered 429/5xx are sent again (after the longest Retry-After) up to the policy's
        attempts; the rest of the batch is not repeated.
        """

        def send(chunk: Sequence[int]) -> Iterable[BatchAnswer]:
            body = {"requests": [{"id": str(i), **reqs[i]} for i in chunk]}
            response = self.call("$batch", "POST", self.url("/$batch"), json=body)
            for item in response.json().get("responses", []):
                status = int(item.get("status", 500))
                headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
                retry_in = float(headers.get("retry-after", 1)) if status in RETRIED_STATUSES else None
                yield BatchAnswer(int(item["id"]), status, item.get("body"), retry_in)

        return self.batched(len(reqs), send, limit=BATCH_LIMIT, what="Graph $batch")


def json_request(method: str, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """One request of a ``$batch`` with a JSON body."""
    return {"method": method, "url": url, "headers": {"Content-Type": "application/json"}, "body": dict(body)}


def write_result(status: int, body: Any, fallback_id: str = "") -> WriteResult:
    """One ``$batch`` answer to a write (``version``: the item's new changeKey)."""
    return WriteResult.answered(status, body, fallback_id, version="changeKey", refusal=graph_error)


def _refusal(result: Mapping[str, Any]) -> tuple[str, str]:
    """The identity platform's error code and the first sentence of its description."""
    description = str(result.get("error_description", "")).split("\n")[0].split(". ")[0][:160]
    return str(result.get("error", "")), description


def _app_auth_error(result: Mapping[str, Any], tenant_id: str) -> ConnectorError:
    """Why the identity platform refused a client-credentials token, named for the org admin."""
    code, description = _refusal(result)
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
