"""What differs between Graph streams: where to read, where to write, how to convert."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.graph import contacts, events, tasks
from syncengine.core.records import ItemChange


@dataclass(frozen=True)
class GraphStream:
    name: str
    windowed: bool  # read through calendarView (a time window) rather than a whole container
    container: str  # "" (the default calendar) | "contactFolders" | "todo/lists"
    container_name: str  # the dedicated folder or list the engine keeps in sync
    # Paths are relative to the mailbox root ("/me", or "/users/{id}" with app-only access).
    delta: Callable[[str], str]  # container id -> delta path
    create: Callable[[str], str]
    item: Callable[[str, str], str]  # (container id, item id) -> path
    to_change: Callable[[Mapping[str, Any]], ItemChange]
    from_neutral: Callable[..., dict[str, Any]]
    list_keys: frozenset[str] = frozenset()  # neutral keys stored in Graph list properties


STREAMS: dict[str, GraphStream] = {
    "events": GraphStream(
        name="events",
        windowed=True,
        container="",
        container_name="",
        delta=lambda c: "/calendarView/delta",
        create=lambda c: "/events",
        item=lambda c, i: f"/events/{i}",
        to_change=events.to_change,
        from_neutral=events.from_neutral,
        list_keys=frozenset({"add_attendees"}),
    ),
    "contacts": GraphStream(
        name="contacts",
        windowed=False,
        container="contactFolders",
        container_name="Salesforce Contacts",
        delta=lambda c: f"/contactFolders/{c}/contacts/delta",
        create=lambda c: f"/contactFolders/{c}/contacts",
        item=lambda c, i: f"/contacts/{i}",
        to_change=contacts.to_change,
        from_neutral=contacts.from_neutral,
        list_keys=frozenset(contacts.LIST_KEYS),
    ),
    "tasks": GraphStream(
        name="tasks",
        windowed=False,
        container="todo/lists",
        container_name="Salesforce Tasks",
        delta=lambda c: f"/todo/lists/{c}/tasks/delta",
        create=lambda c: f"/todo/lists/{c}/tasks",
        item=lambda c, i: f"/todo/lists/{c}/tasks/{i}",
        to_change=tasks.to_change,
        from_neutral=tasks.from_neutral,
    ),
}
