"""What differs between EWS streams: which folder, which item class, how to convert.

Events are the default Calendar's (named by a distinguished folder id: no lookup call). Tasks and
contacts live in dedicated folders, "Salesforce Tasks" under Tasks and "Salesforce Contacts" under
Contacts, as with Microsoft 365: the user's personal tasks and contacts elsewhere are never synced,
and moving one into (or out of) the folder starts (or ends) its sync.
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
    container_name: str = ""  # the dedicated folder under the default one ("": the default folder itself)
    container_class: str = ""


STREAMS: dict[str, EwsStream] = {
    "events": EwsStream("events", True, Calendar, CalendarItem, events.FIELDS, events.to_change),
    "tasks": EwsStream(
        "tasks",
        False,
        Tasks,
        Task,
        tasks.FIELDS,
        tasks.to_change,
        container_name="Salesforce Tasks",
        container_class="IPF.Task",
    ),
    "contacts": EwsStream(
        "contacts",
        False,
        Contacts,
        Contact,
        contacts.FIELDS,
        contacts.to_change,
        frozenset(contacts.LIST_KEYS),
        container_name="Salesforce Contacts",
        container_class="IPF.Contact",
    ),
}
