"""Exchange Server (EWS sandbox) for the contract suite: the user acts in Outlook (the sandbox's persona
API, EWS element names written by hand), the connector is built as the engine builds it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
import requests

from connectors.base import RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from connectors.neutral.times import Window
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.connectors.contract.sides import default_window

# The streams' synced folders: the dedicated ones under Tasks and Contacts (events: the calendar).
FOLDERS = {"tasks": ("Salesforce Tasks", "tasks"), "contacts": ("Salesforce Contacts", "contacts")}
SIMPLE = {
    "subject": "Subject",
    "start": "Start",
    "end": "End",
    "is_all_day": "IsAllDayEvent",
    "location": "Location",
    "first_name": "GivenName",
    "last_name": "Surname",
    "company": "CompanyName",
    "job_title": "JobTitle",
}
CHOICES = {
    "show_as": (
        "LegacyFreeBusyStatus",
        {"free": "Free", "tentative": "Tentative", "busy": "Busy", "oof": "OOF"},
    ),
    "sensitivity": ("Sensitivity", {"normal": "Normal", "personal": "Personal", "private": "Private"}),
    "status": ("Status", {"notStarted": "NotStarted", "inProgress": "InProgress", "completed": "Completed"}),
    "importance": ("Importance", {"low": "Low", "normal": "Normal", "high": "High"}),
}
_numbers = itertools.count(1)


def ews_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """EWS element values for neutral values, as Outlook would store them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in SIMPLE:
            out[SIMPLE[key]] = value
        elif key in CHOICES:
            name, choices = CHOICES[key]
            out[name] = choices[value]
        elif key == "body":
            out["Body"] = value
        elif key == "due_date":
            out["DueDate"] = f"{value}T00:00:00Z"
        elif key == "email":
            out["EmailAddresses"] = {"EmailAddress1": value}
        elif key == "phone":
            out["PhoneNumbers"] = {"BusinessPhone": value}
    if "GivenName" in out or "Surname" in out:
        out["DisplayName"] = f"{out.get('GivenName', '')} {out.get('Surname', '')}".strip()
    return out


@dataclass
class EwsSide:
    server: SandboxServer
    ca: SandboxCA
    smtp: str
    provider: str = "ews"
    streams: frozenset[str] = frozenset({"events", "tasks", "contacts"})
    window: Window = field(default_factory=default_window)
    password: str = "Contract-Passw0rd"

    def connector(self) -> EwsConnector:
        config = EwsConfig(
            service_endpoint=f"{self.server.url}/EWS/Exchange.asmx",
            ca_bundle=str(self.ca.ca_path),
            timeout=10,
            retry=RetryPolicy(max_attempts=3, max_wait=5),
        )
        return EwsConnector(
            config, {"primary_smtp_address": self.smtp}, {"username": self.smtp, "password": self.password}
        )

    def _outlook(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        http = requests.Session()
        http.trust_env = False
        http.verify = str(self.ca.ca_path)
        response = http.request(
            method, f"{self.server.url}/_sandbox/mailboxes/{quote(self.smtp)}{path}", json=dict(body or {})
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def _folder(self, stream: str) -> str:
        """The folder the user puts the stream's items in, made in Outlook when it is not there yet."""
        if stream == "events":
            return "calendar"
        name, parent = FOLDERS[stream]
        folders = self._outlook("GET", "/folders")["value"]
        under = next(f["id"] for f in folders if f["distinguished"] == parent)
        found = [f for f in folders if f["display_name"] == name and f["parent_id"] == under]
        made = (
            found[0] if found else self._outlook("POST", "/folders", {"display_name": name, "parent": parent})
        )
        return str(made["id"])

    def user_create(self, stream: str, values: Mapping[str, Any]) -> str:
        return str(self._outlook("POST", f"/folders/{self._folder(stream)}/items", ews_json(values))["id"])

    def user_update(self, stream: str, item_id: str, values: Mapping[str, Any]) -> None:
        self._outlook("PATCH", f"/items/{item_id}", ews_json(values))

    def user_delete(self, stream: str, item_id: str) -> None:
        self._outlook("DELETE", f"/items/{item_id}")

    def invalidate_cursors(self) -> None:
        self.server.app.invalidate_sync_states()


def make_side(request: pytest.FixtureRequest) -> EwsSide:
    server: SandboxServer = request.getfixturevalue("ews_server")
    smtp = f"contract{next(_numbers)}@exchange.example"
    server.app.create_mailbox(smtp, "Cora Contract", password="Contract-Passw0rd")
    return EwsSide(server=server, ca=request.getfixturevalue("sandbox_ca"), smtp=smtp)
