"""Tenants, app registrations, users and the tokens the authority mints for them.

Pure state; ``authority.py`` speaks the OAuth protocol on top of it. Callers hold the app lock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

GRAPH_RESOURCE = "https://graph.microsoft.com"
TOKEN_LIFETIME = 3599
# A refresh token unused this long stops working (AADSTS700082); each use gives a fresh one.
REFRESH_INACTIVITY_SECONDS = 90 * 86400
DEFAULT_DELEGATED_SCOPES = (
    "https://graph.microsoft.com/Calendars.ReadWrite",
    "https://graph.microsoft.com/User.Read",
    "offline_access",
    "openid",
    "profile",
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_shaped(claims: dict[str, Any]) -> str:
    """A JWT-shaped string. Signed by nobody: msal does not verify id tokens, Graph clients never do."""
    header = {"typ": "JWT", "alg": "RS256", "kid": "sandbox"}
    return ".".join(
        [
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(claims, separators=(",", ":")).encode()),
            b64url(secrets.token_bytes(64)),
        ]
    )


@dataclass
class User:
    id: str
    tenant_id: str
    mail: str
    display_name: str
    password: str
    grant_generation: int = 0  # refresh grants of an older generation are revoked
    tokens_valid_from: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "mail": self.mail,
            "display_name": self.display_name,
        }


@dataclass
class App:
    client_id: str
    client_secret: str
    redirect_uris: list[str] | None = None  # None: any redirect URI is accepted
    service_principal_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Tenant:
    id: str
    domain: str
    apps: dict[str, App] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "domain": self.domain}

    def find_user(self, key: str) -> User | None:
        """By object id, mail or user principal name (case-insensitive)."""
        if key in self.users:
            return self.users[key]
        lowered = key.lower()
        return next((u for u in self.users.values() if u.mail.lower() == lowered), None)


@dataclass
class AccessToken:
    tenant_id: str
    client_id: str
    user_id: str | None  # None: app-only
    scopes: list[str]
    expires_at: float


@dataclass
class RefreshGrant:
    tenant_id: str
    client_id: str
    user_id: str
    scopes: list[str]
    issued_at: float
    generation: int


@dataclass
class AuthCode:
    tenant_id: str
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    code_challenge_method: str
    nonce: str
    expires_at: float
    redeemed: bool = False


@dataclass
class TokenSet:
    """What the token endpoint answers (``as_response`` gives the wire shape)."""

    access_token: str
    scopes: list[str]
    refresh_token: str | None = None
    id_token: str | None = None
    client_info: str | None = None

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "ext_expires_in": TOKEN_LIFETIME,
            "access_token": self.access_token,
        }
        if self.scopes:
            body["scope"] = " ".join(self.scopes)
        for name in ("refresh_token", "id_token", "client_info"):
            value = getattr(self, name)
            if value:
                body[name] = value
        return body


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method.lower() == "plain":
        return secrets.compare_digest(verifier, challenge)
    return secrets.compare_digest(b64url(hashlib.sha256(verifier.encode("ascii")).digest()), challenge)


class Directory:
    """Every tenant, and every token ever issued."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.codes: dict[str, AuthCode] = {}

    # -- directory objects -------------------------------------------------------------------------
    def create_tenant(self, tenant_id: str | None = None, domain: str = "contoso.example") -> Tenant:
        tenant = Tenant(id=tenant_id or str(uuid.uuid4()), domain=domain)
        self.tenants[tenant.id] = tenant
        return tenant

    def tenant(self, key: str) -> Tenant | None:
        """By GUID or domain name, as the authority path allows."""
        if key in self.tenants:
            return self.tenants[key]
        lowered = key.lower()
        return next((t for t in self.tenants.values() if t.domain.lower() == lowered), None)

    def require_tenant(self, tenant_id: str) -> Tenant:
        tenant = self.tenant(tenant_id)
        if tenant is None:
            raise KeyError(f"no tenant {tenant_id}")
        return tenant

    # -- tokens ------------------------------------------------------------------------------------
    def mint_access_token(
        self, issuer_base: str, tenant: Tenant, app: App, user: User | None, scopes: list[str]
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": GRAPH_RESOURCE,
            "iss": f"https://sts.windows.net/{tenant.id}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "appid": app.client_id,
            "tid": tenant.id,
            "uti": b64url(secrets.token_bytes(16)),
            "ver": "1.0",
            "idp": issuer_base,
        }
        if user is None:
            claims.update(idtyp="app", oid=app.service_principal_id, sub=app.service_principal_id)
            claims["roles"] = ["Calendars.ReadWrite", "User.Read.All"]
        else:
            claims.update(idtyp="user", oid=user.id, sub=user.id, upn=user.mail, name=user.display_name)
            claims["scp"] = " ".join(short_scope(s) for s in scopes if short_scope(s) not in OIDC_SCOPES)
        token = jwt_shaped(claims)
        self.access_tokens[token] = AccessToken(
            tenant.id, app.client_id, user.id if user else None, scopes, time.time() + TOKEN_LIFETIME
        )
        return token

    def mint_refresh_token(self, tenant: Tenant, app: App, user: User, scopes: list[str]) -> str:
        token = "0.A" + b64url(secrets.token_bytes(96))
        self.refresh_tokens[token] = RefreshGrant(
            tenant.id, app.client_id, user.id, scopes, time.time(), user.grant_generation
        )
        return token

    def mint_id_token(self, issuer_base: str, tenant: Tenant, app: App, user: User, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": app.client_id,
            "iss": f"{issuer_base}/{tenant.id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.mail,
            "sub": b64url(hashlib.sha256(f"{user.id}:{app.client_id}".encode()).digest()[:24]),
            "tid": tenant.id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt_shaped(claims)

    def delegated_token_set(
        self,
        issuer_base: str,
        tenant: Tenant,
        app: App,
        user: User,
        scopes: list[str],
        nonce: str | None = None,
    ) -> TokenSet:
        return TokenSet(
            access_token=self.mint_access_token(issuer_base, tenant, app, user, scopes),
            scopes=[s for s in scopes if s != "offline_access"],
            refresh_token=self.mint_refresh_token(tenant, app, user, scopes),
            id_token=self.mint_id_token(issuer_base, tenant, app, user, nonce),
            client_info=b64url(json.dumps({"uid": user.id, "utid": tenant.id}).encode()),
        )

    def mint_code(self, **fields: Any) -> str:
        code = "1.A" + b64url(secrets.token_bytes(64))
        self.codes[code] = AuthCode(expires_at=time.time() + 600, **fields)
        return code

    def expire_tokens(self, tenant_id: str | None = None) -> int:
        expired = 0
        for token in self.access_tokens.values():
            if tenant_id is None or token.tenant_id == tenant_id:
                token.expires_at = 0.0
                expired += 1
        return expired

    def age_refresh_tokens(self, tenant_id: str, user_id: str, seconds: float) -> None:
        """As if the user's refresh tokens had lain unused ``seconds`` longer."""
        for grant in self.refresh_tokens.values():
            if grant.tenant_id == tenant_id and grant.user_id == user_id:
                grant.issued_at -= seconds

    def revoke_refresh_tokens(self, tenant_id: str, user_id: str) -> None:
        user = self.require_tenant(tenant_id).users[user_id]
        user.grant_generation += 1
        user.tokens_valid_from = time.time()


OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}


def short_scope(scope: str) -> str:
    """https://graph.microsoft.com/Calendars.ReadWrite -> Calendars.ReadWrite."""
    prefix = GRAPH_RESOURCE + "/"
    return scope[len(prefix) :] if scope.startswith(prefix) else scope
