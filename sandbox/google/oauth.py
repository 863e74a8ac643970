"""Google's OAuth 2.0 endpoints: the consent page (``/o/oauth2/v2/auth``) and the token endpoint."""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from sandbox.base import Request, Response, json_response, text_response
from sandbox.google.accounts import DEFAULT_SCOPES, Accounts
from sandbox.google.errors import oauth_error

FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "access_type",
    "prompt",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "include_granted_scopes",
)


class OAuth:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def _check(self, values: dict[str, str]) -> None:
        client = self.accounts.clients.get(values.get("client_id", ""))
        if client is None:
            raise oauth_error(401, "invalid_client", "The OAuth client was not found.")
        uri = values.get("redirect_uri", "")
        if not uri or (client.redirect_uris and uri not in client.redirect_uris):
            raise oauth_error(400, "redirect_uri_mismatch", "Error 400: redirect_uri_mismatch")
        if values.get("response_type") != "code":
            raise oauth_error(400, "unsupported_response_type", "Only response_type=code is supported.")

    def consent_page(self, request: Request) -> Response:
        """What Google shows: sign in as an account, then allow the app the scopes it asks for."""
        values = {k: request.query.get(k, "") for k in FIELDS}
        self._check(values)
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in values.items()
            if k != "login_hint"
        )
        scopes = "".join(
            f"<li>{html.escape(s)}</li>" for s in (values["scope"] or " ".join(DEFAULT_SCOPES)).split()
        )
        page = (
            "<!doctype html><html><head><title>Sign in - Google Accounts</title></head><body>"
            f"<h1>Sign in with Google</h1><p>The app {html.escape(values['client_id'])} wants to access your "
            f"Google Account:</p><ul>{scopes}</ul>"
            f'<form method="post" action="/o/oauth2/v2/auth">{hidden}'
            '<label>Email <input type="email" name="email" '
            f'value="{html.escape(values["login_hint"])}"></label>'
            '<button type="submit" name="decision" value="allow">Allow</button>'
            '<button type="submit" name="decision" value="deny">Cancel</button></form></body></html>'
        )
        return text_response(200, page, "text/html; charset=utf-8")

    def consent(self, request: Request) -> Response:
        form = request.form()
        self._check(form)
        redirect, state = form["redirect_uri"], form.get("state", "")
        params: dict[str, str]
        if form.get("decision") != "allow":
            params = {"error": "access_denied"}
        else:
            user = self.accounts.find_user(form.get("email", ""))
            if user is None:
                return text_response(400, "Couldn't find your Google Account", "text/html; charset=utf-8")
            scopes = (form.get("scope") or " ".join(DEFAULT_SCOPES)).split()
            code = self.accounts.issue_code(
                user.id,
                form["client_id"],
                scopes,
                redirect,
                offline=form.get("access_type") == "offline",
                challenge=form.get("code_challenge", ""),
                challenge_method=form.get("code_challenge_method", ""),
                nonce=form.get("nonce", ""),
            )
            params = {"code": code, "scope": " ".join(scopes)}
        if state:
            params["state"] = state
        joiner = "&" if "?" in redirect else "?"
        return Response(302, b"", {"Location": f"{redirect}{joiner}{urlencode(params)}"})

    def token(self, request: Request) -> Response:
        basic = None
        scheme, _, value = request.header("authorization").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(value).decode("utf-8").partition(":")
            basic = (client_id, secret)
        # A service account's JWT names this endpoint as its audience.
        answer = self.accounts.grant(request.form(), basic, audience=f"{request.base_url}/token")
        return json_response(200, answer, {"Cache-Control": "no-store"})
