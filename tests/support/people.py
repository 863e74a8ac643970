"""The people of the tests' world: our app's registrations with the sandboxes, the user in Outlook
(Graph REST) and in Salesforce (simple-salesforce), and event bodies for Graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from django.contrib.auth.models import User
from simple_salesforce import Salesforce

from sandbox.tls import SandboxCA
from syncengine.models import Mailbox, Organization, SalesforceConnection

GRAPH_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
GRAPH_CLIENT_SECRET = "graph-test-secret"
SF_CLIENT_ID = "3MVG9-test-consumer-key"
SF_CLIENT_SECRET = "sf-test-consumer-secret"
SYNC_KEY_FIELD = "MailSync_Key__c"


def sandbox_session(ca: SandboxCA) -> requests.Session:
    """A requests session that trusts only the sandboxes' CA (and no proxy from the environment)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(ca.ca_path)
    return session


@dataclass
class Outlook:
    """The user in Outlook: Graph REST with their own delegated token."""

    base: str
    token: str
    http: requests.Session

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Prefer": 'outlook.timezone="UTC"'}

    def create_event(self, **event: Any) -> dict[str, Any]:
        response = self.http.post(f"{self.base}/v1.0/me/events", json=event, headers=self._headers())
        assert response.status_code == 201, response.text
        return response.json()

    def update_event(self, event_id: str, **changes: Any) -> dict[str, Any]:
        response = self.http.patch(
            f"{self.base}/v1.0/me/events/{event_id}", json=changes, headers=self._headers()
        )
        assert response.status_code == 200, response.text
        return response.json()

    def delete_event(self, event_id: str) -> None:
        response = self.http.delete(f"{self.base}/v1.0/me/events/{event_id}", headers=self._headers())
        assert response.status_code == 204, response.text

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Any Graph call as this user, e.g. ``call("POST", "/me/contacts", {...})``."""
        response = self.http.request(method, f"{self.base}/v1.0{path}", json=body, headers=self._headers())
        assert response.status_code < 300, response.text
        return response.json() if response.content else {}

    def get_event(self, event_id: str) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/v1.0/me/events/{event_id}", headers=self._headers())
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Person:
    user: User
    organization: Organization
    mailbox: Mailbox
    connection: SalesforceConnection
    tenant_id: str
    graph_user_id: str
    sf_org_id: str
    sf_user_id: str
    outlook: Outlook
    salesforce: Salesforce


def event_body(subject: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        **extra,
    }
