"""Google (Google sandbox) for the contract suite: the user acts in Google Calendar, Tasks and Contacts
(the sandbox's persona API, Google's JSON written by hand), the connector is built as the engine does."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import RetryPolicy
from connectors.google.client import GoogleConfig
from connectors.google.connector import GoogleConnector
from connectors.neutral.times import Window
from sandbox.fixtures_google import GoogleAccount
from tests.connectors.contract.sides import default_window
from tests.support.connectors import OnGoogleAccount

PRIORITY = {"high": "Priority: High", "low": "Priority: Low"}
STATUS = {"inProgress": "Status: In progress"}


def notes(body: str, importance: str, status: str) -> str:
    """What a Google Tasks user types for what Google has no field for (see connectors/google/tasks.py)."""
    extra = [line for line in (PRIORITY.get(importance, ""), STATUS.get(status, "")) if line]
    return "\n\n".join(part for part in (body, "\n".join(extra)) if part)


def event_json(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["summary"] = value
        elif key == "body":
            out["description"] = value
        elif key == "location":
            out["location"] = value
        elif key in ("start", "end"):
            out[key] = {"dateTime": value}
        elif key == "show_as":
            out["transparency"] = "transparent" if value == "free" else "opaque"
        elif key == "sensitivity":
            out["visibility"] = "default" if value == "normal" else value
    return out


def task_json(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "subject" in values:
        out["title"] = values["subject"]
    if "due_date" in values:
        out["due"] = f"{values['due_date']}T00:00:00.000Z"
    if "status" in values:
        out["status"] = "completed" if values["status"] == "completed" else "needsAction"
    if any(k in values for k in ("body", "importance", "status")):
        old = (current or {}).get("notes", "").split("\n\n")
        body = values.get("body", old[0] if current else "")
        importance = values.get(
            "importance", "high" if "Priority: High" in (current or {}).get("notes", "") else ""
        )
        out["notes"] = notes(body, importance, values.get("status", ""))
    return out


def person_json(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    current = current or {}
    if "first_name" in values or "last_name" in values:
        name = dict((current.get("names") or [{}])[0])
        name.pop("metadata", None)
        name.update(
            {
                k: values[n]
                for n, k in (("first_name", "givenName"), ("last_name", "familyName"))
                if n in values
            }
        )
        out["names"] = [name]
    if "company" in values or "job_title" in values:
        org = dict((current.get("organizations") or [{}])[0])
        org.pop("metadata", None)
        org.update({k: values[n] for n, k in (("company", "name"), ("job_title", "title")) if n in values})
        out["organizations"] = [org]
    if "email" in values:
        out["emailAddresses"] = [{"value": values["email"]}]
    if "phone" in values:
        out["phoneNumbers"] = [{"value": values["phone"], "type": "work"}]
    return out


@dataclass
class GoogleSide(OnGoogleAccount):
    account: GoogleAccount
    provider: str = "google"
    streams: frozenset[str] = frozenset({"events", "tasks", "contacts"})
    window: Window = field(default_factory=default_window)
    credentials: dict[str, Any] = field(default_factory=dict)
    _tasks_max_age: timedelta = timedelta(days=14)

    def connector(self) -> GoogleConnector:
        if not self.credentials:
            self.credentials = {"refresh_token": self.account.refresh_token}
        config = GoogleConfig(
            api_url=self.account.server.url,
            token_uri=self.account.token_uri,
            client_id=self.account.client_id,
            client_secret=self.account.client_secret,
            ca_bundle=self.account.ca_path,
            timeout=10,
            retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_wait=5),
        )
        return GoogleConnector(
            dataclasses.replace(config, tasks_cursor_max_age=self._tasks_max_age),
            {"email": self.account.email},
            dict(self.credentials),
            on_credentials=self.credentials.update,  # as the engine stores them on the mailbox
        )

    def _task_list(self) -> str:
        """The "Salesforce Tasks" list, made in Google Tasks by the user if it is not there yet."""
        found = [t["id"] for t in self.app.task_lists(self.user) if t["title"] == "Salesforce Tasks"]
        return found[0] if found else self.app.create_task_list(self.user, "Salesforce Tasks")["id"]

    def _group(self) -> str:
        found = [
            g["resourceName"]
            for g in self.app.contact_groups(self.user)
            if g["name"] == "Salesforce Contacts"
        ]
        return (
            found[0]
            if found
            else self.app.create_contact_group(self.user, "Salesforce Contacts")["resourceName"]
        )

    def user_create(self, stream: str, values: Mapping[str, Any]) -> str:
        if stream == "events":
            return str(self.app.create_event(self.user, event_json(values))["id"])
        if stream == "tasks":
            return str(self.app.create_task(self.user, task_json(values), self._task_list())["id"])
        membership = {"contactGroupMembership": {"contactGroupResourceName": self._group()}}
        body = {**person_json(values), "memberships": [membership]}
        return str(self.app.create_contact(self.user, body)["resourceName"])

    def user_update(self, stream: str, item_id: str, values: Mapping[str, Any]) -> None:
        if stream == "events":
            self.app.update_event(self.user, item_id, event_json(values))
        elif stream == "tasks":
            list_id = self._task_list()
            [current] = [t for t in self.app.tasks(self.user, list_id) if t["id"] == item_id]
            self.app.update_task(self.user, item_id, task_json(values, current), list_id)
        else:
            [current] = [c for c in self.app.contacts(self.user) if c["resourceName"] == item_id]
            self.app.update_contact(self.user, item_id, person_json(values, current))

    def user_delete(self, stream: str, item_id: str) -> None:
        if stream == "events":
            self.app.delete_event(self.user, item_id)
        elif stream == "tasks":
            self.app.delete_task(self.user, item_id, self._task_list())
        else:
            self.app.delete_contact(self.user, item_id)

    def invalidate_cursors(self) -> None:
        """Calendar answers 410 and People EXPIRED_SYNC_TOKEN from now on; Tasks has no server cursor,
        so its cursor is aged out instead (the connector's max age, as if weeks had passed)."""
        self.app.invalidate_sync_tokens(self.user)
        self._tasks_max_age = timedelta(0)


def make_side(request: pytest.FixtureRequest) -> GoogleSide:
    return GoogleSide(account=request.getfixturevalue("google_account"))
