"""Connected apps, refresh and access tokens, and the /services/oauth2/token grants."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.errors import oauth_error


@dataclass(frozen=True)
class Grant:
    org_id: str
    user_id: str
    client_id: str


class OAuth:
    """Token bookkeeping only; the app checks users and passwords against the store."""

    def __init__(self) -> None:
        self.clients: dict[str, str] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        # A test may make token answers name another host, as a tampered answer would.
        self.announced_base_url: str | None = None
        # The connected app's refresh token policy "Expire refresh token after N": seconds per
        # client (none: "valid until revoked", Salesforce's default). The token answer never says.
        self.refresh_lifetimes: dict[str, float] = {}
        self.refresh_issued_at: dict[str, float] = {}

    def register_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def check_client(self, client_id: str, client_secret: str | None) -> None:
        if client_id not in self.clients:
            raise oauth_error("invalid_client_id", "client identifier invalid")
        if client_secret is not None and not hmac.compare_digest(self.clients[client_id], client_secret):
            raise oauth_error("invalid_client", "invalid client credentials")

    def issue_refresh_token(self, org_id: str, user_id: str, client_id: str) -> str:
        token = "5Aep861" + secrets.token_urlsafe(60).replace("-", "").replace("_", "")[:80]
        self.refresh_tokens[token] = Grant(org_id, user_id, client_id)
        self.refresh_issued_at[token] = time.time()
        return token

    def refresh_token_expired(self, token: str, grant: Grant) -> bool:
        lifetime = self.refresh_lifetimes.get(grant.client_id)
        return lifetime is not None and time.time() - self.refresh_issued_at.get(token, 0.0) > lifetime

    def age_refresh_tokens(self, org_id: str, user_id: str, seconds: float) -> None:
        for token, grant in self.refresh_tokens.items():
            if grant.org_id == org_id and grant.user_id == user_id:
                self.refresh_issued_at[token] = self.refresh_issued_at.get(token, time.time()) - seconds

    def issue_access_token(self, org_id: str, user_id: str, client_id: str) -> str:
        token = f"{org_id[:15]}!AQ" + secrets.token_urlsafe(72).replace("-", "").replace("_", "")[:94]
        self.access_tokens[token] = Grant(org_id, user_id, client_id)
        return token

    def resolve(self, token: str) -> Grant | None:
        return self.access_tokens.get(token)

    def expire_access_tokens(self, org_id: str | None = None) -> int:
        doomed = [t for t, g in self.access_tokens.items() if org_id is None or g.org_id == org_id]
        for token in doomed:
            del self.access_tokens[token]
        return len(doomed)

    def revoke_refresh_tokens(self, org_id: str, user_id: str) -> int:
        doomed = [t for t, g in self.refresh_tokens.items() if g.org_id == org_id and g.user_id == user_id]
        for token in doomed:
            del self.refresh_tokens[token]
        return len(doomed)

    def revoke(self, token: str) -> bool:
        """POST /services/oauth2/revoke: a refresh token takes its access tokens with it."""
        grant = self.refresh_tokens.pop(token, None)
        if grant is not None:
            for access, other in list(self.access_tokens.items()):
                if other == grant:
                    del self.access_tokens[access]
            return True
        return self.access_tokens.pop(token, None) is not None

    def token_response(self, grant: Grant, base_url: str, refresh_token: str | None = None) -> dict[str, Any]:
        access = self.issue_access_token(grant.org_id, grant.user_id, grant.client_id)
        base_url = self.announced_base_url or base_url
        identity = f"{base_url}/id/{grant.org_id}/{grant.user_id}"
        issued_at = str(int(time.time() * 1000))
        digest = hmac.new(
            self.clients.get(grant.client_id, "").encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        payload: dict[str, Any] = {
            "access_token": access,
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode(),
            "scope": "api refresh_token",
        }
        if refresh_token:
            payload["refresh_token"] = refresh_token
        return payload
