"""Google accounts and OAuth 2.0 state: users, OAuth clients, codes, refresh and access tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.base import HttpError, json_response
from sandbox.google.errors import error_body, google_error, oauth_error

ACCESS_TOKEN_SECONDS = 3599
DEFAULT_SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/tasks",
    "https://www.googleapis.com/auth/contacts",
    "https://www.googleapis.com/auth/gmail.modify",
    "openid",
    "email",
)
AUTH = "https://www.googleapis.com/auth/"
# The scopes that open each API (any one of them will do).
API_SCOPES = {
    "calendar": (AUTH + "calendar", AUTH + "calendar.events"),
    "tasks": (AUTH + "tasks",),
    "people": (AUTH + "contacts",),
    "gmail": ("https://mail.google.com/", AUTH + "gmail.modify", AUTH + "gmail.readonly"),
    "userinfo": ("email", "openid", AUTH + "userinfo.email"),
}


@dataclass
class User:
    id: str
    email: str
    name: str
    time_zone: str = "UTC"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name, "time_zone": self.time_zone}


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)  # empty: any redirect URI is accepted
    # Seconds a refresh token lives from consent: Google gives a "Testing" app's external users
    # 7 days, and a user who grants time-based access the time they chose. None: until revoked.
    refresh_token_lifetime: float | None = None


@dataclass
class Grant:
    """A refresh token or an authorization code: who consented, to which client, for what."""

    user_id: str
    client_id: str
    scopes: list[str]
    revoked: bool = False
    redirect_uri: str = ""
    offline: bool = True
    used: bool = False
    challenge: str = ""  # PKCE code_challenge, and its method (S256 or plain)
    challenge_method: str = ""
    nonce: str = ""
    expires_at: float | None = None  # a refresh token with a lifetime (see Client)


@dataclass
class AccessToken:
    user_id: str
    client_id: str
    expires_at: float
    valid: bool = True
    scopes: tuple[str, ...] = ()


class Accounts:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.clients: dict[str, Client] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}

    # -- directory ---------------------------------------------------------------------------------
    def create_user(self, email: str, name: str, time_zone: str = "UTC") -> User:
        if self.find_user(email) is not None:
            raise ValueError(f"user {email} already exists")
        user = User(
            id=str(100000000000000000000 + len(self.users) + secrets.randbelow(10**9)),
            email=email,
            name=name,
            time_zone=time_zone,
        )
        self.users[user.id] = user
        return user

    def find_user(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def require_user(self, user_id_or_email: str) -> User:
        user = self.users.get(user_id_or_email) or self.find_user(user_id_or_email)
        if user is None:
            raise KeyError(f"no user {user_id_or_email}")
        return user

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | None = None
    ) -> Client:
        client = Client(client_id, client_secret, list(redirect_uris or []))
        self.clients[client_id] = client
        return client

    # -- grants ------------------------------------------------------------------------------------
    def issue_refresh_token(self, user_id: str, client_id: str, scopes: list[str] | None = None) -> str:
        self.require_user(user_id)
        if client_id not in self.clients:
            raise KeyError(f"no client {client_id}")
        token = "1//" + secrets.token_urlsafe(32)
        lifetime = self.clients[client_id].refresh_token_lifetime
        self.refresh_tokens[token] = Grant(
            user_id,
            client_id,
            list(scopes or DEFAULT_SCOPES),
            expires_at=time.time() + lifetime if lifetime else None,
        )
        return token

    def limit_refresh_tokens(self, client_id: str, seconds: float | None) -> None:
        """Refresh tokens issued to the client from now on live ``seconds`` (None: until revoked)."""
        self.clients[client_id].refresh_token_lifetime = seconds

    def age_refresh_tokens(self, user_id: str, seconds: float) -> None:
        """As if ``seconds`` had passed for the user's limited refresh tokens."""
        for grant in self.refresh_tokens.values():
            if grant.user_id == user_id and grant.expires_at is not None:
                grant.expires_at -= seconds

    def issue_code(
        self,
        user_id: str,
        client_id: str,
        scopes: list[str],
        redirect_uri: str,
        offline: bool,
        challenge: str = "",
        challenge_method: str = "",
        nonce: str = "",
    ) -> str:
        code = "4/" + secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            user_id,
            client_id,
            scopes,
            redirect_uri=redirect_uri,
            offline=offline,
            challenge=challenge,
            challenge_method=challenge_method or ("plain" if challenge else ""),
            nonce=nonce,
        )
        return code

    def revoke(self, user_id: str) -> None:
        """The user removed the app's access: refresh and access tokens stop working."""
        for grant in self.refresh_tokens.values():
            if grant.user_id == user_id:
                grant.revoked = True
        for token in self.access_tokens.values():
            if token.user_id == user_id:
                token.valid = False

    def expire_access_tokens(self, user_id: str | None = None) -> None:
        for token in self.access_tokens.values():
            if user_id is None or token.user_id == user_id:
                token.expires_at = 0

    # -- token endpoint ----------------------------------------------------------------------------
    def client_of(self, form: dict[str, str], basic: tuple[str, str] | None) -> Client:
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        client = self.clients.get(client_id)
        if client is None or client.client_secret != secret:
            raise oauth_error(401, "invalid_client", "The OAuth client was not found.")
        return client

    def grant(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        client = self.client_of(form, basic)
        grant_type = form.get("grant_type", "")
        if grant_type == "refresh_token":
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
            expired = grant is not None and grant.expires_at is not None and grant.expires_at <= time.time()
            if grant is None or grant.revoked or expired or grant.client_id != client.client_id:
                raise oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return self._mint(grant, refresh_token=None, refresh_grant=grant)
        if grant_type == "authorization_code":
            grant = self.codes.get(form.get("code", ""))
            if grant is None or grant.used or grant.client_id != client.client_id:
                raise oauth_error(400, "invalid_grant", "Malformed auth code.")
            if grant.redirect_uri != form.get("redirect_uri", ""):
                raise oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            _check_verifier(grant, form.get("code_verifier", ""))
            grant.used = True
            refresh = None
            if grant.offline:
                refresh = self.issue_refresh_token(grant.user_id, client.client_id, grant.scopes)
            limited = self.refresh_tokens[refresh] if refresh else None
            return self._mint(grant, refresh_token=refresh, refresh_grant=limited)
        raise oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _mint(self, grant: Grant, refresh_token: str | None, refresh_grant: Grant | None) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(40)
        self.access_tokens[token] = AccessToken(
            grant.user_id, grant.client_id, time.time() + ACCESS_TOKEN_SECONDS, scopes=tuple(grant.scopes)
        )
        answer: dict[str, Any] = {
            "access_token": token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }
        if refresh_token:
            answer["refresh_token"] = refresh_token
        if refresh_grant is not None and refresh_grant.expires_at is not None:
            # Google says how long a limited refresh token has left, in seconds, on every answer.
            answer["refresh_token_expires_in"] = max(0, int(refresh_grant.expires_at - time.time()))
        if "openid" in grant.scopes:
            answer["id_token"] = self._id_token(grant)
        return answer

    def _id_token(self, grant: Grant) -> str:
        """OpenID Connect claims about who signed in, JWT-shaped and signed by nobody: clients read
        it straight from the token endpoint over TLS, as Google's guide allows for that channel."""
        user, issued = self.users[grant.user_id], int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "azp": grant.client_id,
            "aud": grant.client_id,
            "sub": user.id,
            "iat": issued,
            "exp": issued + ACCESS_TOKEN_SECONDS,
        }
        if "email" in grant.scopes:
            claims.update(email=user.email, email_verified=True)
        if grant.nonce:
            claims["nonce"] = grant.nonce
        header = {"alg": "RS256", "kid": "sandbox", "typ": "JWT"}
        parts = [json.dumps(header).encode(), json.dumps(claims).encode(), secrets.token_bytes(64)]
        return ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode("ascii") for p in parts)

    def authenticate(self, authorization: str, scopes: tuple[str, ...] = ()) -> User:
        """The user behind a ``Bearer`` header, or Google's 401; 403 when the token lacks every one of
        ``scopes`` (the user did not grant the API)."""
        scheme, _, token = authorization.partition(" ")
        access = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if access is None or not access.valid or access.expires_at < time.time():
            raise google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                "or other valid authentication credential.",
                "authError",
                "UNAUTHENTICATED",
            )
        if scopes and not set(scopes) & set(access.scopes):
            body = error_body(
                403, "Request had insufficient authentication scopes.", "insufficientPermissions"
            )
            body["error"]["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                }
            ]
            raise HttpError(json_response(403, body))
        return self.users[access.user_id]


def _check_verifier(grant: Grant, verifier: str) -> None:
    """PKCE (RFC 7636): a code asked for with a challenge is only traded with its verifier."""
    if not grant.challenge:
        return
    if not verifier:
        raise oauth_error(400, "invalid_grant", "Missing code verifier.")
    if grant.challenge_method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    if expected != grant.challenge:
        raise oauth_error(400, "invalid_grant", "Invalid code verifier.")
