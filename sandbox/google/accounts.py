"""Google accounts and OAuth 2.0 state: users, OAuth clients, codes, refresh and access tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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
    "pubsub": (AUTH + "pubsub", AUTH + "cloud-platform"),
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


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
class ServiceAccount:
    """A Cloud project's service account: it signs its own JWT to the token endpoint (RFC 7523)."""

    email: str
    project_id: str
    key_id: str
    public_key: rsa.RSAPublicKey


@dataclass
class AccessToken:
    user_id: str  # "" for a service account's token
    client_id: str
    expires_at: float
    valid: bool = True
    scopes: tuple[str, ...] = ()
    service_account: str = ""  # its email, when a service account asked


class Accounts:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.clients: dict[str, Client] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.service_accounts: dict[str, ServiceAccount] = {}

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

    def create_service_account(self, project_id: str, name: str, token_uri: str) -> dict[str, Any]:
        """A new service account and its JSON key, as the Cloud console downloads it."""
        email = f"{name}@{project_id}.iam.gserviceaccount.com"
        if email in self.service_accounts:
            raise ValueError(f"service account {email} already exists")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        self.service_accounts[email] = ServiceAccount(email, project_id, key_id, key.public_key())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": key_id,
            "private_key": pem.decode("ascii"),
            "client_email": email,
            "client_id": str(100000000000000000000 + secrets.randbelow(10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
        }

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

    def grant(
        self, form: dict[str, str], basic: tuple[str, str] | None, audience: str = ""
    ) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type == JWT_BEARER:  # a service account: no OAuth client, its signature says who
            return self._service_grant(form.get("assertion", ""), audience)
        client = self.client_of(form, basic)
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

    def _service_grant(self, assertion: str, audience: str) -> dict[str, Any]:
        """Google's JWT bearer grant: an RS256 JWT signed by the account's key, for ``scope``, aimed
        at the token endpoint, living at most an hour. Refusals answer as Google's do."""
        try:
            head, body, signature = (_unb64(p) for p in assertion.split("."))
            header, claims = json.loads(head), json.loads(body)
        except ValueError:
            raise oauth_error(400, "invalid_grant", "Invalid JWT: malformed assertion.") from None
        account = self.service_accounts.get(str(claims.get("iss", "")))
        if account is None:
            raise oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        signed = ".".join(assertion.split(".")[:2]).encode("ascii")
        try:
            if header.get("alg") != "RS256" or header.get("kid", account.key_id) != account.key_id:
                raise InvalidSignature
            account.public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise oauth_error(400, "invalid_grant", "Invalid JWT Signature.") from None
        now = time.time()
        issued, expires = float(claims.get("iat") or 0), float(claims.get("exp") or 0)
        if expires - issued > 3600 or expires < now or issued > now + 300:
            raise oauth_error(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
            )
        # google-auth always names Google's token endpoint; the sandbox stands in for it.
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, audience or GOOGLE_TOKEN_URI):
            raise oauth_error(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        scopes = str(claims.get("scope") or "").split()
        if not scopes:
            raise oauth_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.c." + secrets.token_urlsafe(40)
        self.access_tokens[token] = AccessToken(
            "", "", now + ACCESS_TOKEN_SECONDS, scopes=tuple(scopes), service_account=account.email
        )
        return {"access_token": token, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer"}

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
        access = self._access(authorization, scopes)
        if access.service_account:
            # A service account has no mailbox of its own (without domain-wide delegation).
            raise google_error(400, "Precondition check failed.", "failedPrecondition", "FAILED_PRECONDITION")
        return self.users[access.user_id]

    def principal(self, authorization: str, scopes: tuple[str, ...]) -> str:
        """Who is calling, as Cloud IAM names members: ``serviceAccount:...`` or ``user:...``."""
        access = self._access(authorization, scopes)
        if access.service_account:
            return "serviceAccount:" + access.service_account
        return "user:" + self.users[access.user_id].email

    def _access(self, authorization: str, scopes: tuple[str, ...]) -> AccessToken:
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
        return access


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


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
