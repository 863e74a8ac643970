"""What differs between Google streams: which API, where items live, how to read, write and convert.

events: the primary calendar, read as instances (singleEvents) in the engine's window, then by
syncToken. tasks: the task list "Salesforce Tasks" (made when missing), then by updatedMin (Tasks has
no sync tokens). contacts: the People connections in the contact group "Salesforce Contacts" (made
when missing), then by syncToken; a person leaving the group reads as removed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connectors.google import contacts, events, tasks
from connectors.google.errors import google_error
from connectors.stamp import GOOGLE_KEY
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

Pages = Callable[[str, Callable[[str], Any]], Iterator[dict[str, Any]]]
Batch = Callable[[Sequence[Callable[..., Any]]], list[tuple[int, Any]]]
# How long before an intent was noted its create may carry as its time (clocks differ).
CLOCK_MARGIN = timedelta(minutes=5)
# The Tasks cursor: a little before the newest change seen, so clock differences lose nothing; what
# falls inside that margin and did not change since is told apart by its etag.
TASKS_MARGIN = timedelta(minutes=2)


class Stream(Protocol):
    name: str
    api: str
    windowed: bool
    container_name: str

    def find_container(self, service: Any, pages: Pages) -> str: ...
    def create_container(self, service: Any) -> Any: ...
    def read(
        self, service: Any, pages: Pages, state: dict[str, Any], window: Any, page_size: int
    ) -> ChangeSet: ...
    def get(self, service: Any, container: str, item_id: str) -> Any: ...
    def insert(self, service: Any, container: str, body: dict[str, Any]) -> Any: ...
    def patch(self, service: Any, container: str, item_id: str, body: dict[str, Any]) -> Any: ...
    def delete(self, service: Any, container: str, item_id: str) -> Any: ...
    def gone(self, item: Mapping[str, Any]) -> bool: ...
    def item_change(self, item: Mapping[str, Any], container: str) -> ItemChange: ...
    def cursor_expired(self, state: dict[str, Any], max_age: timedelta) -> bool: ...
    def needs_current(self, values: Mapping[str, Any]) -> bool: ...
    def body(
        self, values: Mapping[str, Any], current: Mapping[str, Any] | None, container: str
    ) -> dict[str, Any]: ...
    def stamp(self, body: dict[str, Any], sync_key: str) -> None: ...
    def find_created(
        self,
        service: Any,
        container: str,
        intents: Sequence[CreateIntent],
        paired: Collection[str],
        pages: Pages,
        batch: Batch,
    ) -> dict[str, ItemChange]: ...


def _floor(intents: Sequence[CreateIntent]) -> datetime:
    return min(i.since for i in intents).astimezone(UTC) - CLOCK_MARGIN


def _convert(
    item: Mapping[str, Any], convert: Callable[[Mapping[str, Any]], ItemChange], label: str
) -> ItemChange:
    """One item's change; one that cannot be read faithfully (an unknown zone) is an item error."""
    try:
        return convert(item)
    except ValueError as error:  # UnknownTimeZoneError is a ValueError
        key = "resourceName" if "resourceName" in item else "id"
        return ItemChange(id=str(item[key]), label=label, values={"_error": str(error)})


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventsStream:
    name, api, windowed, container_name = "events", "calendar", True, ""

    def find_container(self, service: Any, pages: Pages) -> str:
        return "primary"

    def create_container(self, service: Any) -> Any:
        raise AssertionError("the primary calendar always exists")

    def read(
        self, service: Any, pages: Pages, state: dict[str, Any], window: Any, page_size: int
    ) -> ChangeSet:
        scope = [_iso(window.start), _iso(window.end)] if window else None
        full = not (state.get("sync") and state.get("window") == scope)
        common = {"calendarId": "primary", "singleEvents": True, "maxResults": page_size}
        if full:
            if scope:
                common.update(timeMin=scope[0], timeMax=scope[1])
        else:
            common["syncToken"] = state["sync"]
        changes: list[ItemChange] = []
        token = ""
        for page in pages(
            "events list", lambda page_token: service.events().list(pageToken=page_token or None, **common)
        ):
            for item in page.get("items", []):
                change = _convert(item, events.to_change, str(item.get("summary") or ""))
                moved = window and not events.overlaps(item, window.start, window.end)
                if moved and not change.removed and "_error" not in change.values:
                    change = ItemChange(id=change.id, removed=True)  # moved out of the window
                changes.append(change)
            token = page.get("nextSyncToken", token)
        cursor = json.dumps({"sync": token, "window": scope, "container": "primary"})
        return ChangeSet(changes=changes, next_cursor=cursor, full=full)

    def get(self, service: Any, container: str, item_id: str) -> Any:
        return service.events().get(calendarId=container or "primary", eventId=item_id)

    def insert(self, service: Any, container: str, body: dict[str, Any]) -> Any:
        return service.events().insert(calendarId=container or "primary", body=body, sendUpdates="none")

    def patch(self, service: Any, container: str, item_id: str, body: dict[str, Any]) -> Any:
        return service.events().patch(
            calendarId=container or "primary", eventId=item_id, body=body, sendUpdates="none"
        )

    def delete(self, service: Any, container: str, item_id: str) -> Any:
        return service.events().delete(calendarId=container or "primary", eventId=item_id, sendUpdates="none")

    def cursor_expired(self, state: dict[str, Any], max_age: timedelta) -> bool:
        return False  # Google refuses its own sync tokens when they are too old

    def gone(self, item: Mapping[str, Any]) -> bool:
        return item.get("status") == "cancelled"

    def item_change(self, item: Mapping[str, Any], container: str) -> ItemChange:
        return _convert(item, events.to_change, str(item.get("summary") or ""))

    def needs_current(self, values: Mapping[str, Any]) -> bool:
        return events.needs_current(values)

    def body(
        self, values: Mapping[str, Any], current: Mapping[str, Any] | None, container: str
    ) -> dict[str, Any]:
        return events.from_neutral(values, current)

    def stamp(self, body: dict[str, Any], sync_key: str) -> None:
        # Private: kept on this calendar's copy of the event only, never shown to attendees.
        body["extendedProperties"] = {"private": {GOOGLE_KEY: sync_key}}

    def find_created(
        self,
        service: Any,
        container: str,
        intents: Sequence[CreateIntent],
        paired: Collection[str],
        pages: Pages,
        batch: Batch,
    ) -> dict[str, ItemChange]:
        """One events.list per key, filtered by the private property (50 to a batch call)."""
        answers = batch(
            [
                lambda key=intent.sync_key: service.events().list(
                    calendarId=container or "primary",
                    privateExtendedProperty=f"{GOOGLE_KEY}={key}",
                    maxResults=10,
                )
                for intent in intents
            ]
        )
        found: dict[str, ItemChange] = {}
        for intent, (status, body) in zip(intents, answers, strict=True):
            if status != 200:
                raise google_error(status, body)
            for item in (body or {}).get("items", []):
                private = (item.get("extendedProperties") or {}).get("private") or {}
                if private.get(GOOGLE_KEY) == intent.sync_key and str(item["id"]) not in paired:
                    found[intent.sync_key] = self.item_change(item, container)
                    break
        return found


class TasksStream:
    name, api, windowed, container_name = "tasks", "tasks", False, "Salesforce Tasks"

    def find_container(self, service: Any, pages: Pages) -> str:
        for page in pages(
            "tasklists list", lambda t: service.tasklists().list(maxResults=100, pageToken=t or None)
        ):
            for item in page.get("items", []):
                if str(item.get("title", "")).casefold() == self.container_name.casefold():
                    return str(item["id"])
        return ""

    def create_container(self, service: Any) -> Any:
        return service.tasklists().insert(body={"title": self.container_name})

    def read(
        self, service: Any, pages: Pages, state: dict[str, Any], window: Any, page_size: int
    ) -> ChangeSet:
        container = state["container"]
        since, edge = str(state.get("since") or ""), dict(state.get("edge") or {})
        full = not since
        query: dict[str, Any] = {
            "tasklist": container,
            "maxResults": min(page_size, 100),
            "showCompleted": True,
            "showHidden": True,
            "showDeleted": not full,
        }
        if not full:
            query["updatedMin"] = since
        items: list[dict[str, Any]] = []
        for page in pages("tasks list", lambda t: service.tasks().list(pageToken=t or None, **query)):
            items.extend(page.get("items", []))
        fresh = [i for i in items if edge.get(str(i["id"])) != i.get("etag")]
        seen = {str(i["id"]): (str(i.get("etag") or ""), _instant(i.get("updated"))) for i in items}
        high = max((u for _, u in seen.values()), default=_instant(since) if since else datetime.now(UTC))
        floor = high - TASKS_MARGIN
        if since:
            floor = max(floor, _instant(since))
        # Everything at or after the new updatedMin comes back next time: remember its etag.
        edge = {k: etag for k, (etag, updated) in seen.items() if updated >= floor}
        margin = floor.strftime("%Y-%m-%dT%H:%M:%S.") + f"{floor.microsecond // 1000:03d}Z"
        changes = [_convert(i, tasks.to_change, str(i.get("title") or "")) for i in fresh]
        cursor = json.dumps({"since": margin, "edge": edge, "container": container})
        return ChangeSet(changes=changes, next_cursor=cursor, full=full)

    def get(self, service: Any, container: str, item_id: str) -> Any:
        return service.tasks().get(tasklist=container, task=item_id)

    def insert(self, service: Any, container: str, body: dict[str, Any]) -> Any:
        return service.tasks().insert(tasklist=container, body=body)

    def patch(self, service: Any, container: str, item_id: str, body: dict[str, Any]) -> Any:
        return service.tasks().patch(tasklist=container, task=item_id, body=body)

    def delete(self, service: Any, container: str, item_id: str) -> Any:
        return service.tasks().delete(tasklist=container, task=item_id)

    def cursor_expired(self, state: dict[str, Any], max_age: timedelta) -> bool:
        """Tasks has no server cursor to refuse, and deleted tasks are not kept forever: an old
        ``updatedMin`` could miss deletions, so past ``max_age`` the read starts over in full."""
        since = state.get("since")
        return bool(since) and _instant(since) < datetime.now(UTC) - max_age - TASKS_MARGIN

    def gone(self, item: Mapping[str, Any]) -> bool:
        return bool(item.get("deleted"))

    def item_change(self, item: Mapping[str, Any], container: str) -> ItemChange:
        return _convert(item, tasks.to_change, str(item.get("title") or ""))

    def needs_current(self, values: Mapping[str, Any]) -> bool:
        return tasks.needs_current(values)

    def body(
        self, values: Mapping[str, Any], current: Mapping[str, Any] | None, container: str
    ) -> dict[str, Any]:
        return tasks.from_neutral(values, current)

    def stamp(self, body: dict[str, Any], sync_key: str) -> None:
        """Google Tasks has no field of an application's own (only title, notes, status, due): a key
        in the notes would show in the user's task and be theirs to edit. Nothing is stamped; a
        create is found by its content (``find_created``)."""

    def find_created(
        self,
        service: Any,
        container: str,
        intents: Sequence[CreateIntent],
        paired: Collection[str],
        pages: Pages,
        batch: Batch,
    ) -> dict[str, ItemChange]:
        """The list's tasks changed since the oldest intent (one paged read), each intent paired with
        one unpaired task that holds exactly what its create wrote. Two intents with the same content
        take two such tasks, in order: which one each gets does not matter, they are alike."""
        query: dict[str, Any] = {
            "tasklist": container,
            "maxResults": 100,
            "showCompleted": True,
            "showHidden": True,
            "updatedMin": _iso(_floor(intents)),
        }
        candidates = [
            item
            for page in pages("tasks list", lambda t: service.tasks().list(pageToken=t or None, **query))
            for item in page.get("items", [])
            if not item.get("deleted") and str(item["id"]) not in paired
        ]
        found: dict[str, ItemChange] = {}
        taken: set[str] = set()
        for intent in intents:
            for item in candidates:
                if str(item["id"]) not in taken and tasks.holds(item, intent.values):
                    taken.add(str(item["id"]))
                    found[intent.sync_key] = self.item_change(item, container)
                    break
        return found


class ContactsStream:
    name, api, windowed, container_name = "contacts", "people", False, "Salesforce Contacts"

    def find_container(self, service: Any, pages: Pages) -> str:
        for page in pages(
            "contactGroups list", lambda t: service.contactGroups().list(pageSize=1000, pageToken=t or None)
        ):
            for group in page.get("contactGroups", []):
                if str(group.get("name", "")).casefold() == self.container_name.casefold():
                    return str(group["resourceName"])
        return ""

    def create_container(self, service: Any) -> Any:
        return service.contactGroups().create(body={"contactGroup": {"name": self.container_name}})

    def read(
        self, service: Any, pages: Pages, state: dict[str, Any], window: Any, page_size: int
    ) -> ChangeSet:
        group = state["container"]
        full = not state.get("sync")
        query: dict[str, Any] = {
            "resourceName": "people/me",
            "personFields": contacts.PERSON_FIELDS,
            "pageSize": min(page_size, 1000),
            "requestSyncToken": True,
        }
        if not full:
            query["syncToken"] = state["sync"]
        changes: list[ItemChange] = []
        token = ""
        lister = service.people().connections()
        for page in pages("connections list", lambda t: lister.list(pageToken=t or None, **query)):
            for person in page.get("connections", []):
                change = _convert(person, lambda p: contacts.to_change(p, group), contacts.label(person))
                if not (full and change.removed):  # a full read shows the group's members only
                    changes.append(change)
            token = page.get("nextSyncToken", token)
        return ChangeSet(
            changes=changes, next_cursor=json.dumps({"sync": token, "container": group}), full=full
        )

    def get(self, service: Any, container: str, item_id: str) -> Any:
        return service.people().get(resourceName=item_id, personFields=contacts.PERSON_FIELDS)

    def insert(self, service: Any, container: str, body: dict[str, Any]) -> Any:
        return service.people().createContact(body=body, personFields="metadata")

    def patch(self, service: Any, container: str, item_id: str, body: dict[str, Any]) -> Any:
        fields = ",".join(sorted(k for k in body if k not in ("etag", "resourceName")))
        return service.people().updateContact(
            resourceName=item_id, updatePersonFields=fields or "names", personFields="metadata", body=body
        )

    def delete(self, service: Any, container: str, item_id: str) -> Any:
        return service.people().deleteContact(resourceName=item_id)

    def cursor_expired(self, state: dict[str, Any], max_age: timedelta) -> bool:
        return False  # Google refuses its own sync tokens when they are too old

    def gone(self, item: Mapping[str, Any]) -> bool:
        return bool((item.get("metadata") or {}).get("deleted"))

    def item_change(self, item: Mapping[str, Any], container: str) -> ItemChange:
        # A person no longer in the synced group reads as removed, as in a read of changes.
        return _convert(item, lambda p: contacts.to_change(p, container), contacts.label(item))

    def needs_current(self, values: Mapping[str, Any]) -> bool:
        return True  # updateContact needs the person's etag, and lists are written whole

    def body(
        self, values: Mapping[str, Any], current: Mapping[str, Any] | None, container: str
    ) -> dict[str, Any]:
        out = contacts.from_neutral(values, current)
        if current is None:  # a new contact joins the synced group
            out["memberships"] = [{"contactGroupMembership": {"contactGroupResourceName": container}}]
        else:
            out["etag"] = current.get("etag", "")
        return out

    def stamp(self, body: dict[str, Any], sync_key: str) -> None:
        # People's client data: the application's own key-value pairs on the contact.
        body["clientData"] = [{"key": GOOGLE_KEY, "value": sync_key}]

    def find_created(
        self,
        service: Any,
        container: str,
        intents: Sequence[CreateIntent],
        paired: Collection[str],
        pages: Pages,
        batch: Batch,
    ) -> dict[str, ItemChange]:
        """People cannot filter by client data: read the connections newest first, with their client
        data, until every key is found or the contacts are older than the oldest intent (usually one
        page)."""
        wanted = {intent.sync_key for intent in intents}
        floor = _floor(intents)
        query: dict[str, Any] = {
            "resourceName": "people/me",
            "personFields": f"{contacts.PERSON_FIELDS},clientData",
            "pageSize": 100,
            "sortOrder": "LAST_MODIFIED_DESCENDING",
        }
        found: dict[str, ItemChange] = {}
        lister = service.people().connections()
        for page in pages("connections by sync key", lambda t: lister.list(pageToken=t or None, **query)):
            people = page.get("connections", [])
            for person in people:
                keys = {
                    str(d.get("value") or "")
                    for d in person.get("clientData") or []
                    if d.get("key") == GOOGLE_KEY
                }
                for key in sorted(keys & (wanted - set(found))):
                    if str(person.get("resourceName")) not in paired:
                        found[key] = self.item_change(person, container)
            oldest = min((_updated(p) for p in people), default=None)
            if set(found) == wanted or oldest is None or oldest < floor:
                break
        return found


def _updated(person: Mapping[str, Any]) -> datetime:
    """When a contact last changed: its contact source's update time."""
    times = [
        _instant(source["updateTime"])
        for source in (person.get("metadata") or {}).get("sources") or []
        if source.get("updateTime")
    ]
    return max(times, default=datetime.now(UTC))


STREAMS: dict[str, Stream] = {s.name: s for s in (EventsStream(), TasksStream(), ContactsStream())}
