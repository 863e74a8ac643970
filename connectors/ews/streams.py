"""What differs between EWS streams: which default folder, which item class, how to convert.

Streams use the mailbox's default folders (Calendar, Tasks, Contacts): on Exchange Server these are
what Outlook shows first, they need no lookup call (a distinguished folder id names them), and a
mailbox has exactly one of each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exchangelib import CalendarItem, Contact, Task
from exchangelib.folders import Calendar, Contacts, Folder, Tasks

from connectors.ews import contacts, events, tasks
from syncengine.core.records import ItemChange


@dataclass(frozen=True)
class EwsStream:
    name: str
    windowed: bool  # events: items outside the window are left out (full read) or reported removed
    folder_cls: type[Folder]
    item_cls: type[Any]
    fields: tuple[str, ...]
    to_change: Callable[[Any], ItemChange]
    list_keys: frozenset[str] = frozenset()  # neutral keys kept in indexed lists: read before writing


STREAMS: dict[str, EwsStream] = {
    "events": EwsStream("events", True, Calendar, CalendarItem, events.FIELDS, events.to_change),
    "tasks": EwsStream("tasks", False, Tasks, Task, tasks.FIELDS, tasks.to_change),
    "contacts": EwsStream(
        "contacts",
        False,
        Contacts,
        Contact,
        contacts.FIELDS,
        contacts.to_change,
        frozenset(contacts.LIST_KEYS),
    ),
}
