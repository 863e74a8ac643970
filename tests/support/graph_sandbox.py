"""A client of the Graph + identity sandbox for its own tests: a fresh tenant with a registered app (and
a user), sessions that trust the sandbox CA, msal over them, bearer sessions for Graph calls, and
the pages of a delta round."""

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


@dataclass
class GraphTenantOfAda(GraphTenant):
    """A tenant as above with one user in it, Ada Lovelace, who signs in with ``password``."""

    user_id: str = ""
    mail: str = ""
    password: str = "Correct-Horse-1"

    @classmethod
    def with_ada(cls, server: SandboxServer, ca: SandboxCA) -> Self:
        tenant = cls.open(server, ca)
        tenant.mail = f"ada@{tenant.domain}"
        user = tenant.app.create_user(tenant.tenant_id, tenant.mail, "Ada Lovelace", password=tenant.password)
        tenant.user_id = user["id"]
        return tenant


def follow_delta(graph: requests.Session, url: str, **kwargs: Any) -> tuple[list[list[dict[str, Any]]], str]:
    """All pages of one delta round, and its deltaLink."""
    pages: list[list[dict[str, Any]]] = []
    while True:
        response = graph.get(url, **kwargs)
        assert response.status_code == 200, response.text
        payload = response.json()
        pages.append(payload["value"])
        if "@odata.deltaLink" in payload:
            return pages, payload["@odata.deltaLink"]
        url, kwargs = payload["@odata.nextLink"], {"headers": kwargs.get("headers")}
