"""Microsoft To Do: task lists (one well-known default list per mailbox), tasks, validation and shape."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.graph import extended, timezones
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.items import (
    PerMailbox,
    bad,
    cannot_convert,
    new_id,
    not_found,
    refuse_unknown,
    required_display_name,
    writable_items,
)

ENUMS = {
    "importance": ("low", "normal", "high"),
    "status": ("notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"),
}
ENUM_TYPES = {"importance": "microsoft.graph.importance", "status": "microsoft.graph.taskStatus"}
DATE_TIMES = ("reminderDateTime", "dueDateTime", "startDateTime", "completedDateTime")
WRITABLE = {"title", "body", "importance", "status", "isReminderOn", "categories", *DATE_TIMES, extended.KEY}
READ_ONLY = {
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "bodyLastModifiedDateTime",
    "hasAttachments",
    "attachments",
    "checklistItems",
    "linkedResources",
    "extensions",
}


def _new_etag() -> str:
    return base64.b64encode(secrets.token_bytes(18)).decode("ascii")


@dataclass
class StoredTask:
    id: str
    list_id: str
    created: datetime
    modified: datetime
    body_modified: datetime
    etag: str
    seq: int
    fields: dict[str, Any]
    deleted: bool = False


@dataclass
class TaskList:
    id: str
    display_name: str
    wellknown: str  # "defaultList" or "none"
    etag: str = field(default_factory=_new_etag)
    tasks: dict[str, StoredTask] = field(default_factory=dict)


@dataclass
class TodoBox:
    lists: dict[str, TaskList] = field(default_factory=dict)

    @property
    def default(self) -> TaskList:
        return next(t for t in self.lists.values() if t.wellknown == "defaultList")


# -- validation --------------------------------------------------------------------------------------
def _enum(name: str, value: Any) -> str:
    allowed = {v.lower(): v for v in ENUMS[name]}
    if not isinstance(value, str) or value.lower() not in allowed:
        raise cannot_convert(value, ENUM_TYPES[name])
    return allowed[value.lower()]


def _date_time_zone(value: Any) -> datetime | None:
    """A ``dateTimeTimeZone`` -> an aware UTC instant (To Do answers every one of them in UTC)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise cannot_convert(value, "microsoft.graph.dateTimeTimeZone")
    zone = value.get("timeZone") or "UTC"
    try:
        return timezones.to_instant(value["dateTime"], str(zone))
    except timezones.UnknownTimeZoneError as error:
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            "A valid TimeZone value must be specified. The following TimeZone value is not supported: "
            f"'{zone}'.",
        ) from error
    except ValueError as error:
        raise cannot_convert(value["dateTime"], "Edm.DateTimeOffset") from error


def _body(value: Any) -> dict[str, str]:
    if value is None:
        return {"content": "", "contentType": "text"}
    if not isinstance(value, dict):
        raise cannot_convert(value, "microsoft.graph.itemBody")
    kind = str(value.get("contentType") or "text").lower()
    if kind not in ("text", "html"):
        raise cannot_convert(kind, "microsoft.graph.bodyType")
    content = value.get("content")
    if content is not None and not isinstance(content, str):
        raise cannot_convert(content, "Edm.String")
    return {"content": content or "", "contentType": kind}


def normalized(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad("The request body is not a valid todoTask.")
    fields: dict[str, Any] = {}
    for key, value in writable_items(body, "todoTask", WRITABLE, READ_ONLY):
        if key in ENUMS:
            fields[key] = _enum(key, value)
        elif key in DATE_TIMES:
            fields[key] = _date_time_zone(value)
        elif key == "body":
            fields[key] = _body(value)
        elif key == "isReminderOn":
            if not isinstance(value, bool):
                raise cannot_convert(value, "Edm.Boolean")
            fields[key] = value
        elif key == "categories":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise cannot_convert(value, "Collection(Edm.String)")
            fields[key] = list(value)
        elif key == extended.KEY:
            fields[key] = extended.parse(value)
        else:  # title
            if value is not None and not isinstance(value, str):
                raise cannot_convert(value, "Edm.String")
            fields[key] = value or ""
    return fields


def _apply_completion(before: dict[str, Any], after: dict[str, Any], changes: dict[str, Any]) -> None:
    """completedDateTime follows status: set when the task becomes completed, gone when it is reopened."""
    if after.get("status") == "completed":
        newly = before.get("status") != "completed" and "completedDateTime" not in changes
        if newly or after.get("completedDateTime") is None:
            after["completedDateTime"] = datetime.now(UTC)
    else:
        after.pop("completedDateTime", None)


# -- store -------------------------------------------------------------------------------------------
def _new_box() -> TodoBox:
    default = TaskList(new_id(), "Tasks", "defaultList")
    return TodoBox({default.id: default})


class TodoStore:
    def __init__(self) -> None:
        self.box = PerMailbox(_new_box)

    def task_list(self, mailbox: Mailbox, list_id: str | None) -> TaskList:
        box = self.box(mailbox)
        if list_id is None:
            return box.default
        found = box.lists.get(list_id)
        if found is None:
            raise not_found()
        return found

    def create_list(self, mailbox: Mailbox, body: Any) -> TaskList:
        name = required_display_name(body, "invalidRequest", "Invalid request. The displayName is required.")
        refuse_unknown(body, ("displayName",), "todoTaskList")
        created = TaskList(new_id(), name, "none")
        self.box(mailbox).lists[created.id] = created
        return created

    def get(self, mailbox: Mailbox, list_id: str | None, task_id: str) -> StoredTask:
        if list_id is None:  # any list: the Python API's convenience
            for task_list in self.box(mailbox).lists.values():
                if task_id in task_list.tasks and not task_list.tasks[task_id].deleted:
                    return task_list.tasks[task_id]
        else:
            task = self.task_list(mailbox, list_id).tasks.get(task_id)
            if task is not None and not task.deleted:
                return task
        raise not_found()

    def live(self, mailbox: Mailbox, list_id: str | None) -> list[StoredTask]:
        tasks = self.task_list(mailbox, list_id).tasks.values()
        return sorted((t for t in tasks if not t.deleted), key=lambda t: (t.created, t.id))

    def create(self, mailbox: Mailbox, list_id: str | None, body: Any) -> StoredTask:
        task_list = self.task_list(mailbox, list_id)
        changes = normalized(body)
        fields = {
            "title": "",
            "importance": "normal",
            "status": "notStarted",
            "isReminderOn": False,
            **changes,
        }
        _apply_completion({}, fields, changes)
        now = datetime.now(UTC)
        task = StoredTask(
            id=new_id(),
            list_id=task_list.id,
            created=now,
            modified=now,
            body_modified=now,
            etag=_new_etag(),
            seq=mailbox.next_seq(),
            fields=fields,
        )
        task_list.tasks[task.id] = task
        return task

    def update(self, mailbox: Mailbox, list_id: str | None, task_id: str, body: Any) -> StoredTask:
        task = self.get(mailbox, list_id, task_id)
        changes = normalized(body)
        after = {**task.fields, **changes}
        if extended.KEY in changes:
            after[extended.KEY] = extended.merged(task.fields.get(extended.KEY), changes[extended.KEY])
        _apply_completion(task.fields, after, changes)
        now = datetime.now(UTC)
        if "body" in changes and changes["body"] != task.fields.get("body"):
            task.body_modified = now
        task.fields = after
        task.modified = now
        task.etag = _new_etag()
        task.seq = mailbox.next_seq()
        return task

    def delete(self, mailbox: Mailbox, list_id: str | None, task_id: str) -> None:
        task = self.get(mailbox, list_id, task_id)
        task.deleted = True
        task.seq = mailbox.next_seq()


# -- shape -------------------------------------------------------------------------------------------
def render_task(task: StoredTask) -> dict[str, Any]:
    f = task.fields
    shape: dict[str, Any] = {
        "@odata.etag": f'W/"{task.etag}"',
        "importance": f["importance"],
        "isReminderOn": f["isReminderOn"],
        "status": f["status"],
        "title": f["title"],
        "createdDateTime": timezones.utc_stamp(task.created),
        "lastModifiedDateTime": timezones.utc_stamp(task.modified),
        "hasAttachments": False,
        "categories": f.get("categories", []),
        "id": task.id,
        "body": f.get("body") or {"content": "", "contentType": "text"},
        "bodyLastModifiedDateTime": timezones.utc_stamp(task.body_modified),
    }
    for key in DATE_TIMES:  # unset date-times are left out, as To Do does
        if f.get(key) is not None:
            shape[key] = timezones.render(f[key], "UTC")
    return shape


def render_list(task_list: TaskList) -> dict[str, Any]:
    return {
        "@odata.etag": f'W/"{task_list.etag}"',
        "displayName": task_list.display_name,
        "isOwner": True,
        "isShared": False,
        "wellknownListName": task_list.wellknown,
        "id": task_list.id,
    }
