"""Google Tasks v1: task lists and tasks (storage and HTTP), with ``updatedMin`` and deleted/hidden tasks."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.base import Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, json_body, not_found
from sandbox.google.listing import paged
from sandbox.google.sync import Tokens, page_size
from sandbox.google.times import now, parse_date, parse_rfc3339, stamp

STATUSES = ("needsAction", "completed")
DEFAULT_LIST = "My Tasks"


@dataclass
class StoredTask:
    id: str
    title: str = ""
    notes: str = ""
    status: str = "needsAction"
    due: str = ""  # a date; Google keeps no time of day
    completed: datetime | None = None
    parent: str = ""
    deleted: bool = False
    hidden: bool = False
    updated: datetime = field(default_factory=now)
    seq: int = 0


@dataclass
class TaskList:
    id: str
    owner: str
    title: str
    updated: datetime = field(default_factory=now)
    seq: int = 0
    tasks: dict[str, StoredTask] = field(default_factory=dict)


class TaskStore:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.lists: dict[str, TaskList] = {}

    def lists_of(self, user: User) -> list[TaskList]:
        mine = [t for t in self.lists.values() if t.owner == user.id]
        if not mine:  # every account has a default list
            mine = [self.create_list(user, DEFAULT_LIST)]
        return mine

    def create_list(self, user: User, title: str) -> TaskList:
        if not title.strip():
            raise bad_request("Invalid task list title.")
        task_list = TaskList(
            id=secrets.token_urlsafe(16), owner=user.id, title=title, seq=self.tokens.next_seq()
        )
        self.lists[task_list.id] = task_list
        return task_list

    def require_list(self, user: User, list_id: str) -> TaskList:
        if list_id == "@default":
            return self.lists_of(user)[0]
        self.lists_of(user)
        task_list = self.lists.get(list_id)
        if task_list is None or task_list.owner != user.id:
            raise not_found("Task list not found.")
        return task_list

    def require_task(self, task_list: TaskList, task_id: str) -> StoredTask:
        task = task_list.tasks.get(task_id)
        if task is None:
            raise not_found("Task not found.")
        return task

    def write(self, task: StoredTask, body: dict[str, Any], replace: bool = False) -> StoredTask:
        if not isinstance(body, dict):
            raise bad_request("Parse Error")
        if replace:
            task.title, task.notes, task.due, task.status = "", "", "", "needsAction"
        if "title" in body:
            task.title = str(body["title"] or "")
        if "notes" in body:
            task.notes = str(body["notes"] or "")
        if "due" in body:
            task.due = parse_rfc3339(str(body["due"]), "due").date().isoformat() if body["due"] else ""
        if "status" in body:
            if body["status"] not in STATUSES:
                raise bad_request(f"Invalid value for status: {body['status']}")
            task.status = body["status"]
            task.completed = (task.completed or now()) if task.status == "completed" else None
        if "deleted" in body:
            task.deleted = bool(body["deleted"])
        task.updated = now()
        task.seq = self.tokens.next_seq()
        return task

    @staticmethod
    def render_list(task_list: TaskList, base_url: str) -> dict[str, Any]:
        return {
            "kind": "tasks#taskList",
            "id": task_list.id,
            "etag": f'"{task_list.seq}"',
            "title": task_list.title,
            "updated": stamp(task_list.updated),
            "selfLink": f"{base_url}/tasks/v1/users/@me/lists/{task_list.id}",
        }

    @staticmethod
    def render(task_list: TaskList, task: StoredTask, base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "tasks#task",
            "id": task.id,
            "etag": f'"{task.seq}"',
            "title": task.title,
            "updated": stamp(task.updated),
            "selfLink": f"{base_url}/tasks/v1/lists/{task_list.id}/tasks/{task.id}",
            "position": f"{task.seq:020d}",
            "status": task.status,
            "links": [],
        }
        if task.notes:
            out["notes"] = task.notes
        if task.due:
            out["due"] = f"{task.due}T00:00:00.000Z"
        if task.completed:
            out["completed"] = stamp(task.completed)
        if task.parent:
            out["parent"] = task.parent
        if task.deleted:
            out["deleted"] = True
        if task.hidden:
            out["hidden"] = True
        return out


class TasksApi:
    def __init__(self, store: TaskStore) -> None:
        self.store = store

    def lists(self, request: Request, user: User) -> Response:
        items = [self.store.render_list(t, request.base_url) for t in self.store.lists_of(user)]
        page = paged(
            self.store.tokens,
            key=f"lists:{user.id}",
            page_token=request.query.get("pageToken", ""),
            size=page_size(request.query.get("maxResults", ""), 20, 1000),
            sync=None,
            items=lambda state: items,
            new_sync=None,
        )
        return json_response(200, {"kind": "tasks#taskLists", "etag": f'"{self.store.tokens.seq}"', **page})

    def insert_list(self, request: Request, user: User) -> Response:
        body = json_body(request)
        task_list = self.store.create_list(user, str(body.get("title") or ""))
        return json_response(200, self.store.render_list(task_list, request.base_url))

    def delete_list(self, request: Request, user: User) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        del self.store.lists[task_list.id]
        return Response(204)

    def list(self, request: Request, user: User) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        q = request.query
        flag = {
            name: q.get(name, default).lower() == "true"
            for name, default in (
                ("showCompleted", "true"),
                ("showDeleted", "false"),
                ("showHidden", "false"),
            )
        }
        updated_min = parse_rfc3339(q["updatedMin"], "updatedMin") if q.get("updatedMin") else None

        def keep(task: StoredTask) -> bool:
            if task.deleted and not flag["showDeleted"]:
                return False
            if task.hidden and not flag["showHidden"]:
                return False
            if task.status == "completed" and not flag["showCompleted"]:
                return False
            return updated_min is None or task.updated >= updated_min

        def items(state: Any) -> list[dict[str, Any]]:
            tasks = [t for t in task_list.tasks.values() if keep(t)]
            return [
                self.store.render(task_list, t, request.base_url) for t in sorted(tasks, key=lambda t: t.seq)
            ]

        page = paged(
            self.store.tokens,
            key=json.dumps({k: v for k, v in sorted(q.items()) if k not in ("pageToken", "maxResults")})
            + task_list.id,
            page_token=q.get("pageToken", ""),
            size=page_size(q.get("maxResults", ""), 20, 100),
            sync=None,
            items=items,
            new_sync=None,
        )
        return json_response(200, {"kind": "tasks#tasks", "etag": f'"{self.store.tokens.seq}"', **page})

    def get(self, request: Request, user: User) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        task = self.store.require_task(task_list, request.params["task"])
        return json_response(200, self.store.render(task_list, task, request.base_url))

    def insert(self, request: Request, user: User) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        body = json_body(request)
        if body.get("due"):
            parse_date(str(body["due"])[:10], "due")
        task = self.store.write(StoredTask(id=secrets.token_urlsafe(16)), body)
        task_list.tasks[task.id] = task
        return json_response(200, self.store.render(task_list, task, request.base_url))

    def patch(self, request: Request, user: User) -> Response:
        return self._change(request, user, replace=False)

    def update(self, request: Request, user: User) -> Response:
        return self._change(request, user, replace=True)

    def _change(self, request: Request, user: User, replace: bool) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        task = self.store.require_task(task_list, request.params["task"])
        if task.deleted:
            raise not_found("Task not found.")
        self.store.write(task, json_body(request), replace=replace)
        return json_response(200, self.store.render(task_list, task, request.base_url))

    def delete(self, request: Request, user: User) -> Response:
        task_list = self.store.require_list(user, request.params["list"])
        task = self.store.require_task(task_list, request.params["task"])
        if not task.deleted:
            self.store.write(task, {"deleted": True})
        return Response(204)
