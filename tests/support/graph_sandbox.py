"""A client of the Graph + identity sandbox for its own tests: a fresh tenant with a registered app,
sessions that trust the sandbox CA, msal over them and bearer sessions for Graph calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Self

import msal
import requests

from sandbox.base import SandboxServer
from sandbox.graph.app import GraphSandbox
from sandbox.tls import SandboxCA


@dataclass
class GraphTenant:
    app: GraphSandbox
    url: str
    ca_path: str
    tenant_id: str
    domain: str
    client_id: str
    secret: str

    @classmethod
    def open(cls, server: SandboxServer, ca: SandboxCA) -> Self:
        """A new tenant (random domain) with an app registered in it, on the running sandbox."""
        app: GraphSandbox = server.app
        domain = f"t{uuid.uuid4().hex[:8]}.example"
        tenant = app.create_tenant(domain=domain)
        client_id, secret = str(uuid.uuid4()), "s3cret-" + uuid.uuid4().hex
        app.register_app(tenant["id"], client_id, secret)
        return cls(app, server.url, str(ca.ca_path), tenant["id"], domain, client_id, secret)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_path
        return session

    def msal(self) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=self.secret,
            authority=f"{self.url}/{self.tenant_id}",
            instance_discovery=False,
            http_client=self.session(),
            token_cache=msal.SerializableTokenCache(),
        )

    def user(self, name: str) -> tuple[str, str]:
        mail = f"{name}@{self.domain}"
        return self.app.create_user(self.tenant_id, mail, name.title())["id"], mail

    def token(self, user_id: str, scopes: list[str]) -> dict[str, Any]:
        """msal's answer to a refresh token the sandbox issued for the user (as after their consent)."""
        refresh_token = self.app.issue_refresh_token(self.tenant_id, user_id, self.client_id)
        result = self.msal().acquire_token_by_refresh_token(refresh_token, scopes)
        assert "access_token" in result, result
        return result

    def bearer(self, access_token: str) -> requests.Session:
        session = self.session()
        session.headers["Authorization"] = f"Bearer {access_token}"
        return session

    @property
    def me(self) -> str:
        return f"{self.url}/v1.0/me"
