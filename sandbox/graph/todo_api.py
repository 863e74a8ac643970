"""Graph To Do endpoints for one resolved mailbox: task lists, tasks CRUD and the tasks delta."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph import extended
from sandbox.graph.delta import DeltaTracker
from sandbox.graph.events import Mailbox
from sandbox.graph.paging import context_url, delta_round, entity, list_page, read_body, selected
from sandbox.graph.todo import TodoStore, render_list, render_task

TASK_TYPE = "#microsoft.graph.todoTask"


class TodoApi:
    def __init__(self, store: TodoStore, delta: DeltaTracker) -> None:
        self.store = store
        self.delta = delta

    @staticmethod
    def _list_id(request: Request) -> str:
        return unquote(request.params["list"])

    # -- lists -------------------------------------------------------------------------------------
    def list_lists(self, request: Request, mailbox: Mailbox) -> Response:
        lists = list(self.store.box(mailbox).lists.values())
        return list_page(request, lists, render_list, context_url(request, mailbox, "todo/lists"))

    def create_list(self, request: Request, mailbox: Mailbox) -> Response:
        created = render_list(self.store.create_list(mailbox, read_body(request)))
        return entity(request, mailbox, 201, "todo/lists", created, {"ETag": created["@odata.etag"]})

    def get_list(self, request: Request, mailbox: Mailbox) -> Response:
        shape = render_list(self.store.task_list(mailbox, self._list_id(request)))
        return entity(request, mailbox, 200, "todo/lists", shape)

    # -- tasks -------------------------------------------------------------------------------------
    def list_tasks(self, request: Request, mailbox: Mailbox) -> Response:
        list_id = self._list_id(request)
        return list_page(
            request,
            self.store.live(mailbox, list_id),
            render_task,
            context_url(request, mailbox, f"todo/lists('{list_id}')/tasks"),
            extended.of,
        )

    def create_task(self, request: Request, mailbox: Mailbox) -> Response:
        task = self.store.create(mailbox, self._list_id(request), read_body(request))
        return self._one(request, mailbox, 201, render_task(task))

    def get_task(self, request: Request, mailbox: Mailbox) -> Response:
        task = self.store.get(mailbox, self._list_id(request), unquote(request.params["task"]))
        shape = extended.expanded(request, selected(request, render_task(task)), extended.of(task))
        return self._one(request, mailbox, 200, shape)

    def update_task(self, request: Request, mailbox: Mailbox) -> Response:
        task = self.store.update(
            mailbox, self._list_id(request), unquote(request.params["task"]), read_body(request)
        )
        return self._one(request, mailbox, 200, render_task(task))

    def delete_task(self, request: Request, mailbox: Mailbox) -> Response:
        self.store.delete(mailbox, self._list_id(request), unquote(request.params["task"]))
        return json_response(204, None)

    def tasks_delta(self, request: Request, mailbox: Mailbox) -> Response:
        list_id = self._list_id(request)
        live = self.store.live(mailbox, list_id)  # 404 for an unknown list
        return delta_round(request, mailbox, self.delta, f"todoTasks:{list_id}", live, render_task, TASK_TYPE)

    def _one(self, request: Request, mailbox: Mailbox, status: int, shape: dict[str, Any]) -> Response:
        what = f"todo/lists('{self._list_id(request)}')/tasks"
        return entity(request, mailbox, status, what, shape, {"ETag": shape["@odata.etag"]})
