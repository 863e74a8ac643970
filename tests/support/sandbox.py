"""Clients of the sandboxes for their own tests: a Salesforce tenant, an authorised Google HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import google_auth_httplib2
import httplib2
import pytest
import requests
from google.oauth2.credentials import Credentials
from simple_salesforce import Salesforce

from sandbox.fixtures_google import GoogleAccount
from sandbox.salesforce.app import SalesforceSandbox


def authed_http(account: GoogleAccount, refresh_token: str | None = None) -> Any:
    creds = Credentials(
        token=None,
        refresh_token=refresh_token or account.refresh_token,
        token_uri=account.token_uri,
        client_id=account.client_id,
        client_secret=account.client_secret,
    )
    http = httplib2.Http(ca_certs=account.ca_path, proxy_info=None)
    # googleapiclient refreshes before a batch with a plain Http (no CA of ours): start with a token.
    creds.refresh(google_auth_httplib2.Request(http))
    return google_auth_httplib2.AuthorizedHttp(creds, http=http)


salesforce_numbers = itertools.count(1)


@dataclass
class Tenant:
    app: SalesforceSandbox
    url: str
    session: requests.Session
    org_id: str
    user_id: str
    client_id: str
    client_secret: str
    refresh_token: str

    def token_request(self, grant_type: str, **fields: str) -> requests.Response:
        """The OAuth token endpoint's answer to this tenant's connected app asking with that grant."""
        return self.session.post(
            f"{self.url}/services/oauth2/token",
            data={
                "grant_type": grant_type,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                **fields,
            },
        )

    def token(self) -> dict[str, Any]:
        response = self.token_request("refresh_token", refresh_token=self.refresh_token)
        assert response.status_code == 200, response.text
        return response.json()

    def sf(self) -> Salesforce:
        token = self.token()
        return Salesforce(
            instance_url=token["instance_url"],
            session_id=token["access_token"],
            session=self.session,
            version="62.0",
        )

    def api_calls(self) -> list[dict[str, Any]]:
        return self.app.requests(tenant=self.org_id, kind="api")


def error_body(exc: pytest.ExceptionInfo) -> dict[str, Any]:
    content = exc.value.content
    return content[0] if isinstance(content, list) else content
