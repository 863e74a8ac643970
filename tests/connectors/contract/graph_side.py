"""Microsoft 365 (Graph sandbox) for the contract suite: the user acts through Graph REST as themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.graph.connector import GraphConnector
from connectors.neutral.times import Window
from syncengine.services.connectors import mail_connector_for
from tests.connectors.contract.sides import default_window
from tests.support.people import Person

CONTAINERS = {"tasks": ("/me/todo/lists", "tasks"), "contacts": ("/me/contactFolders", "contacts")}
ITEM_PATHS = {"events": "/me/events/{id}", "contacts": "/me/contacts/{id}"}


def _utc(value: str) -> dict[str, str]:
    return {"dateTime": value.rstrip("Z"), "timeZone": "UTC"}


def graph_json(stream: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Graph's own shape for neutral values, written by hand (not by the connector under test)."""
    simple = {
        "events": {"subject": "subject", "show_as": "showAs", "sensitivity": "sensitivity"},
        "tasks": {"subject": "title", "status": "status", "importance": "importance"},
        "contacts": {
            "first_name": "givenName",
            "last_name": "surname",
            "company": "companyName",
            "job_title": "jobTitle",
        },
    }[stream]
    out: dict[str, Any] = {simple[k]: v for k, v in values.items() if k in simple}
    for key, value in values.items():
        if key == "body":
            out["body"] = {"contentType": "text", "content": value}
        elif key in ("start", "end"):
            out[key] = _utc(value)
        elif key == "is_all_day":
            out["isAllDay"] = value
        elif key == "location":
            out["location"] = {"displayName": value}
        elif key == "due_date":
            out["dueDateTime"] = {"dateTime": f"{value}T00:00:00", "timeZone": "UTC"}
        elif key == "email":
            out["emailAddresses"] = [{"address": value, "name": value}]
        elif key == "phone":
            out["businessPhones"] = [value]
    return out


@dataclass
class GraphSide:
    person: Person
    graph: Any  # the sandbox app
    provider: str = "graph"
    streams: frozenset[str] = frozenset({"events", "tasks", "contacts"})
    window: Window = field(default_factory=default_window)
    _containers: dict[str, str] = field(default_factory=dict)

    def connector(self) -> GraphConnector:
        return mail_connector_for(self.person.mailbox)

    def _container(self, stream: str) -> str:
        """The engine's dedicated folder or list, made by the user's client if it is not there yet."""
        if stream not in self._containers:
            path, _ = CONTAINERS[stream]
            name = {"tasks": "Salesforce Tasks", "contacts": "Salesforce Contacts"}[stream]
            found = [c for c in self.person.outlook.call("GET", path)["value"] if c["displayName"] == name]
            made = found[0] if found else self.person.outlook.call("POST", path, {"displayName": name})
            self._containers[stream] = made["id"]
        return self._containers[stream]

    def _item_path(self, stream: str, item_id: str) -> str:
        if stream == "tasks":
            return f"/me/todo/lists/{self._container('tasks')}/tasks/{item_id}"
        return ITEM_PATHS[stream].format(id=item_id)

    def user_create(self, stream: str, values: Mapping[str, Any]) -> str:
        body = graph_json(stream, values)
        if stream == "events":
            path = "/me/events"
        else:
            container_path, items = CONTAINERS[stream]
            path = f"{container_path}/{self._container(stream)}/{items}"
        return str(self.person.outlook.call("POST", path, body)["id"])

    def user_update(self, stream: str, item_id: str, values: Mapping[str, Any]) -> None:
        self.person.outlook.call("PATCH", self._item_path(stream, item_id), graph_json(stream, values))

    def user_delete(self, stream: str, item_id: str) -> None:
        self.person.outlook.call("DELETE", self._item_path(stream, item_id))

    def invalidate_cursors(self) -> None:
        self.graph.invalidate_delta_tokens(self.person.tenant_id)


def make_side(request: pytest.FixtureRequest) -> GraphSide:
    person: Person = request.getfixturevalue("person")
    return GraphSide(person=person, graph=request.getfixturevalue("graph_server").app)
