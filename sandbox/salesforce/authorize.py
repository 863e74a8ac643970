"""The OAuth 2.0 web server flow: the login + "Allow Access?" pages and the authorization_code grant.

``/services/oauth2/authorize`` shows a login form, then a consent page; Allow redirects to the
app's callback with ``code`` and ``state``. The token endpoint's ``authorization_code`` grant trades
the code (single use, 15 minutes, same redirect_uri, PKCE when a challenge was sent) for an access
token, a refresh token, ``instance_url`` and the identity URL ``id``. Other grants are handed on to
the app's own token handler, so this module only adds to the endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from sandbox.base import Request, Response, json_response, text_response
from sandbox.salesforce.errors import oauth_error
from sandbox.salesforce.oauth import Grant, OAuth
from sandbox.salesforce.store import Store

Handler = Callable[[Request], Response]


class SalesforceSandbox(Protocol):
    """What the flow uses of the Salesforce sandbox app (sandbox/salesforce/app.py), which installs it."""

    oauth: OAuth
    store: Store
    usernames: dict[str, tuple[str, str]]  # lower-cased username -> (org id, user id)
    passwords: dict[str, str]

    def locked(self, handler: Handler) -> Handler: ...

    def route(self, method: str, pattern: str, handler: Handler) -> None: ...

    def _token(self, request: Request) -> Response: ...


CODE_LIFETIME = 15 * 60


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    code_challenge: str
    expires_at: float


class WebServerFlow:
    def __init__(self, app: SalesforceSandbox) -> None:
        self.app = app
        self.codes: dict[str, _Code] = {}
        self.approvals: dict[str, Grant] = {}  # a signed-in user's pending "Allow Access?" page
        # Callback URLs of a connected app; a client without an entry accepts any (tests, demo).
        self.callbacks: dict[str, list[str]] = {}

    @classmethod
    def installed(cls, app: SalesforceSandbox) -> WebServerFlow:
        """A flow with its routes registered: call it before the app's own token route is added."""
        flow = cls(app)
        flow.install()
        return flow

    def install(self) -> None:
        locked = self.app.locked  # the app's lock, as its own routes use
        self.app.route("GET", r"/services/oauth2/authorize", locked(self.authorize))
        self.app.route("POST", r"/services/oauth2/authorize", locked(self.authorize))
        self.app.route("POST", r"/services/oauth2/token", locked(self.token))

    # -- authorize ---------------------------------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        params = dict(request.query)
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.app.oauth.clients:
            return _page(400, "error=invalid_client_id", "client identifier invalid")
        allowed = self.callbacks.get(client_id)
        if not redirect_uri or (allowed is not None and redirect_uri not in allowed):
            return _page(400, "error=redirect_uri_mismatch", "redirect_uri must match configuration")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, params, error="unsupported_response_type", description="")
        if request.method == "GET":
            return self._login_page(request, params, error="")
        form = request.form()
        if form.get("action") == "deny" or form.get("action") == "allow":
            return self._decide(params, form)
        return self._log_in(request, params, form)

    def _log_in(self, request: Request, params: dict[str, str], form: dict[str, str]) -> Response:
        found = self.app.usernames.get(form.get("username", "").strip().lower())
        if found is None or self.app.passwords.get(found[1]) != form.get("pw", ""):
            return self._login_page(
                request,
                params,
                error="Please check your username and password. If you still can't log in, "
                "contact your Salesforce administrator.",
            )
        org_id, user_id = found
        user = self.app.store.table(self.app.store.orgs[org_id], "User").get(user_id)
        if user is None or not user.get("IsActive"):
            return self._login_page(request, params, error="Your user account is inactive.")
        request.tenant, request.user = org_id, user_id
        ticket = secrets.token_urlsafe(24)
        self.approvals[ticket] = Grant(org_id, user_id, params["client_id"])
        return _consent_page(request, params, ticket, user.get("Username", ""))

    def _decide(self, params: dict[str, str], form: dict[str, str]) -> Response:
        grant = self.approvals.pop(form.get("ticket", ""), None)
        redirect_uri = params["redirect_uri"]
        if grant is None or grant.client_id != params["client_id"]:
            return _page(400, "error=invalid_request", "the login session expired; start again")
        if form.get("action") == "deny":
            return _redirect(
                redirect_uri, params, error="access_denied", description="end-user denied authorization"
            )
        code = "aPrx" + secrets.token_urlsafe(48)
        self.codes[code] = _Code(
            grant=grant,
            redirect_uri=redirect_uri,
            code_challenge=params.get("code_challenge", ""),
            expires_at=time.time() + CODE_LIFETIME,
        )
        return _redirect(redirect_uri, params, code=code)

    def _login_page(self, request: Request, params: dict[str, str], error: str) -> Response:
        action = html.escape(f"{request.path}?{urlencode(params)}")
        hint = html.escape(params.get("login_hint", ""))
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce</title></head>
<body><main>
<h1>Log in to Salesforce</h1>
{message}
<form method="post" action="{action}">
  <label>Username <input type="email" name="username" value="{hint}" autocomplete="username"></label>
  <label>Password <input type="password" name="pw" autocomplete="current-password"></label>
  <button type="submit" name="action" value="login">Log In</button>
</form>
</main></body></html>"""
        return text_response(200, page, "text/html; charset=utf-8")

    # -- token: the authorization_code grant -------------------------------------------------------
    def token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") != "authorization_code":
            return self.app._token(request)  # the other grants: the app's own handler
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.header("authorization")
        if basic.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        self.app.oauth.check_client(client_id, secret)
        code = self.codes.pop(form.get("code", ""), None)  # single use, whatever happens next
        if code is None or code.grant.client_id != client_id or code.expires_at < time.time():
            raise oauth_error("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
        if code.code_challenge and not _pkce_matches(form.get("code_verifier", ""), code.code_challenge):
            raise oauth_error("invalid_grant", "invalid code verifier")
        grant = code.grant
        request.tenant, request.user = grant.org_id, grant.user_id
        user = self.app.store.table(self.app.store.orgs[grant.org_id], "User").get(grant.user_id)
        if user is None or not user.get("IsActive"):
            raise oauth_error("invalid_grant", "inactive user")
        refresh = self.app.oauth.issue_refresh_token(grant.org_id, grant.user_id, client_id)
        answer = self.app.oauth.token_response(grant, request.base_url, refresh_token=refresh)
        return json_response(200, answer)


def _pkce_matches(verifier: str, challenge: str) -> bool:
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return secrets.compare_digest(digest.decode("ascii"), challenge)


def _redirect(redirect_uri: str, params: dict[str, str], **answer: str) -> Response:
    """Back to the app's callback, with ``state`` echoed as Salesforce does."""
    query: dict[str, str] = {}
    if "code" in answer:
        query["code"] = answer["code"]
    else:
        query["error"] = answer["error"]
        if answer.get("description"):
            query["error_description"] = answer["description"]
    if params.get("state"):
        query["state"] = params["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return Response(302, b"", {"Location": f"{redirect_uri}{separator}{urlencode(query)}"})


def _consent_page(request: Request, params: dict[str, str], ticket: str, username: str) -> Response:
    action = html.escape(f"{request.path}?{urlencode(params)}")
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "api refresh_token").split())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Allow Access? | Salesforce</title></head>
<body><main>
<h1>Allow Access?</h1>
<p>Logged in as {html.escape(username)}. The app {html.escape(params["client_id"])} is asking to:</p>
<ul>{scopes}</ul>
<form method="post" action="{action}">
  <input type="hidden" name="ticket" value="{html.escape(ticket)}">
  <button type="submit" name="action" value="allow">Allow</button>
  <button type="submit" name="action" value="deny">Deny</button>
</form>
</main></body></html>"""
    return text_response(200, page, "text/html; charset=utf-8")


def _page(status: int, title: str, message: str) -> Response:
    page = (
        f"<!doctype html><html><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return text_response(status, page, "text/html; charset=utf-8")
