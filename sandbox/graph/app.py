"""``GraphSandbox``: Microsoft Graph (calendar, contacts, To Do) and the Microsoft identity platform.

Routes: the login authority under ``/{tenant}/...``, Graph under ``/v1.0/...``, control under
``/_sandbox/...``. The Python API below does the same as the control endpoints, in-process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from sandbox.base import Fault, HttpError, Request, Response, SandboxApp, json_response
from sandbox.graph.authority import Authority
from sandbox.graph.batch import BatchRunner
from sandbox.graph.calendar_api import CalendarApi, view_of
from sandbox.graph.contacts import ContactStore, render_contact, render_folder
from sandbox.graph.contacts_api import ContactsApi
from sandbox.graph.delta import DeltaTracker
from sandbox.graph.errors import (
    FAULT_CODES,
    FAULT_MESSAGES,
    GraphError,
    aad_error_response,
    graph_error_response,
    graph_headers,
)
from sandbox.graph.events import EventStore, Mailbox, View, render_event
from sandbox.graph.identity import DEFAULT_DELEGATED_SCOPES, AccessToken, App, Directory, Tenant, User
from sandbox.graph.subscriptions import GraphSubscriptions
from sandbox.graph.todo import TodoStore, render_list, render_task
from sandbox.graph.todo_api import TodoApi

GRAPH = "/v1.0"
WHO = r"/v1\.0/(?:me|users/(?P<who>[^/]+))"
CALENDAR = r"(?:/calendars/(?P<calendar>[^/]+)|/calendar)?"
TENANT = r"/(?P<tenant>[^/_][^/]*)"
CONTACTS = r"(?:/contactFolders/(?P<folder>[^/]+))?/contacts"
TASKS = r"/todo/lists/(?P<list>[^/]+)/tasks"

MailboxHandler = Callable[[Request, Mailbox], Response]


class GraphSandbox(SandboxApp):
    name = "graph"

    def __init__(self) -> None:
        super().__init__()
        self.directory = Directory()
        self.authority = Authority(self.directory)
        self.store = EventStore()
        self.delta = DeltaTracker()
        self.calendar = CalendarApi(self.store, self.delta)
        self.contact_store = ContactStore()
        self.contacts_api = ContactsApi(self.contact_store, self.delta)
        self.todo_store = TodoStore()
        self.todo_api = TodoApi(self.todo_store, self.delta)
        self.batch = BatchRunner(lambda r: self._dispatch(r, False), self.record_batch_item)
        self._routes_identity()
        self._routes_graph()
        self._routes_control()
        self._routes_mail()
        self.subscriptions = GraphSubscriptions.install(self)  # change notifications

    # == Python API =================================================================================
    def create_tenant(self, tenant_id: str | None = None, domain: str = "contoso.example") -> dict[str, Any]:
        with self.lock:
            return self.directory.create_tenant(tenant_id, domain).as_dict()

    def register_app(
        self, tenant_id: str, client_id: str, client_secret: str, redirect_uris: Iterable[str] | None = None
    ) -> dict[str, Any]:
        with self.lock:
            tenant = self.directory.require_tenant(tenant_id)
            app = App(client_id, client_secret, list(redirect_uris) if redirect_uris is not None else None)
            tenant.apps[client_id] = app
            return {
                "tenant_id": tenant.id,
                "client_id": client_id,
                "service_principal_id": app.service_principal_id,
            }

    def create_user(
        self, tenant_id: str, mail: str, display_name: str, password: str = "Sandbox-Passw0rd!"
    ) -> dict[str, Any]:
        with self.lock:
            tenant = self.directory.require_tenant(tenant_id)
            if tenant.find_user(mail) is not None:
                raise ValueError(f"user {mail} already exists in tenant {tenant.id}")
            user = User(
                id=str(uuid.uuid4()),
                tenant_id=tenant.id,
                mail=mail,
                display_name=display_name,
                password=password,
            )
            tenant.users[user.id] = user
            return user.as_dict()

    def issue_refresh_token(
        self, tenant_id: str, user_id: str, client_id: str, scopes: Iterable[str] = DEFAULT_DELEGATED_SCOPES
    ) -> str:
        """A refresh token as if the user had signed in and consented (the demo's shortcut)."""
        with self.lock:
            tenant = self.directory.require_tenant(tenant_id)
            return self.directory.mint_refresh_token(
                tenant, tenant.apps[client_id], tenant.users[user_id], list(scopes)
            )

    def expire_tokens(self, tenant_id: str | None = None) -> None:
        """Every access token issued so far now answers 401; refresh tokens stay valid."""
        with self.lock:
            self.directory.expire_tokens(tenant_id)

    def age_refresh_tokens(self, tenant_id: str, user_id: str, days: float) -> None:
        """As if the user's refresh tokens had lain unused ``days`` longer (90: they stop working)."""
        with self.lock:
            self.directory.age_refresh_tokens(tenant_id, user_id, days * 86400)

    def revoke_refresh_tokens(self, tenant_id: str, user_id: str) -> None:
        with self.lock:
            self.directory.revoke_refresh_tokens(tenant_id, user_id)

    def invalidate_delta_tokens(self, tenant_id: str | None = None) -> None:
        """Every delta/skip token issued so far now answers 410 SyncStateNotFound."""
        with self.lock:
            self.delta.invalidate(tenant_id)

    def events(self, tenant_id: str, user_id: str, time_zone: str = "UTC") -> list[dict[str, Any]]:
        """The live events (series masters, not occurrences) of a mailbox, as Graph shows them."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            view = View(base_url="", time_zone=time_zone, body_type="text")
            return [render_event(e, mailbox, view) for e in self.store.live(mailbox)]

    def create_event(self, tenant_id: str, user_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """The user adds an event in Outlook (validated as ``POST /me/events``)."""
        return self._as_user(tenant_id, user_id, lambda m: self.store.create(m, event))

    def update_event(
        self, tenant_id: str, user_id: str, event_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """The user edits an event in Outlook (as ``PATCH /me/events/{id}``)."""
        return self._as_user(tenant_id, user_id, lambda m: self.store.update(m, event_id, changes))

    def receive_invitation(
        self,
        tenant_id: str,
        user_id: str,
        event: dict[str, Any],
        organizer: dict[str, str],
        ical_uid: str | None = None,
    ) -> dict[str, Any]:
        """A meeting organised by someone else (``organizer``: name, address) arrives unanswered;
        ``ical_uid`` is the organiser's copy's, as Exchange keeps it across attendees."""
        return self._as_user(tenant_id, user_id, lambda m: self.store.invite(m, event, organizer, ical_uid))

    def delete_event(self, tenant_id: str, user_id: str, event_id: str) -> None:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            self.store.delete(mailbox, event_id)

    def contact_folders(self, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
        """The contact folders of a mailbox; the first is the default one ("Contacts")."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            book = self.contact_store.book(mailbox)
            return [render_folder(book, f) for f in book.folders]

    def create_contact_folder(self, tenant_id: str, user_id: str, display_name: str) -> dict[str, Any]:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            folder_id = self.contact_store.create_folder(mailbox, {"displayName": display_name})
            return render_folder(self.contact_store.book(mailbox), folder_id)

    def contacts(self, tenant_id: str, user_id: str, folder_id: str | None = None) -> list[dict[str, Any]]:
        """The contacts of a folder (the default one when ``folder_id`` is None), as Graph shows them."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return [render_contact(c) for c in self.contact_store.live(mailbox, folder_id)]

    def create_contact(
        self, tenant_id: str, user_id: str, contact: dict[str, Any], folder_id: str | None = None
    ) -> dict[str, Any]:
        """The user adds a contact in Outlook (validated as ``POST /me/contacts``)."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return render_contact(self.contact_store.create(mailbox, contact, folder_id))

    def update_contact(
        self, tenant_id: str, user_id: str, contact_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """The user edits a contact in Outlook (as ``PATCH /me/contacts/{id}``)."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return render_contact(self.contact_store.update(mailbox, contact_id, changes))

    def delete_contact(self, tenant_id: str, user_id: str, contact_id: str) -> None:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            self.contact_store.delete(mailbox, contact_id)

    def task_lists(self, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
        """The To Do lists of a mailbox; the first is the default list ("Tasks")."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return [render_list(t) for t in self.todo_store.box(mailbox).lists.values()]

    def create_task_list(self, tenant_id: str, user_id: str, display_name: str) -> dict[str, Any]:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return render_list(self.todo_store.create_list(mailbox, {"displayName": display_name}))

    def tasks(self, tenant_id: str, user_id: str, list_id: str | None = None) -> list[dict[str, Any]]:
        """The tasks of a To Do list (the default list when ``list_id`` is None)."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return [render_task(t) for t in self.todo_store.live(mailbox, list_id)]

    def create_task(
        self, tenant_id: str, user_id: str, task: dict[str, Any], list_id: str | None = None
    ) -> dict[str, Any]:
        """The user adds a task in To Do (validated as ``POST /me/todo/lists/{id}/tasks``)."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return render_task(self.todo_store.create(mailbox, list_id, task))

    def update_task(
        self,
        tenant_id: str,
        user_id: str,
        task_id: str,
        changes: dict[str, Any],
        list_id: str | None = None,
    ) -> dict[str, Any]:
        """The user edits a task in To Do; ``list_id`` None finds the task in whichever list holds it."""
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            return render_task(self.todo_store.update(mailbox, list_id, task_id, changes))

    def delete_task(self, tenant_id: str, user_id: str, task_id: str, list_id: str | None = None) -> None:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            self.todo_store.delete(mailbox, list_id, task_id)

    def _as_user(self, tenant_id: str, user_id: str, change: Callable[[Mailbox], Any]) -> dict[str, Any]:
        with self.lock:
            mailbox = self._mailbox_of(self.directory.require_tenant(tenant_id), user_id)
            event = change(mailbox)
            return render_event(event, mailbox, View(base_url="", body_type="text"))

    def _mailbox_of(self, tenant: Tenant, user_id: str) -> Mailbox:
        user = tenant.find_user(user_id)
        if user is None:
            raise KeyError(f"no user {user_id} in tenant {tenant.id}")
        return self.store.mailbox(tenant.id, user.id, user.mail, user.display_name)

    # == framework hooks ============================================================================
    def request_kind(self, request: Request) -> str:
        return "api" if request.path.startswith(GRAPH + "/") else "token"

    def fault_response(self, request: Request, fault: Fault) -> Response:
        status = fault.status or 500
        if self.request_kind(request) == "token":
            error = "temporarily_unavailable" if status in (429, 503) else "server_error"
            return aad_error_response(
                status, error, 90033, "A transient error has occurred. Please try again."
            )
        code = FAULT_CODES.get(status, "generalException")
        return graph_error_response(
            request, status, code, FAULT_MESSAGES.get(status, f"Injected fault {status}.")
        )

    def _dispatch(self, request: Request, control: bool) -> Response:
        if not control:
            with self.lock:
                self._identify(request)
        return super()._dispatch(request, control)

    def _identify(self, request: Request) -> None:
        """Attribute a call to its tenant/user before faults are drawn, so the log counts honestly."""
        if request.path.startswith(GRAPH + "/"):
            token = self.directory.access_tokens.get(_bearer(request))
            if token is not None:
                request.tenant = token.tenant_id
                request.user = token.user_id or ""
            return
        first = request.path.strip("/").split("/", 1)[0]
        tenant = self.directory.tenant(first) if first else None
        if tenant is not None:
            request.tenant = tenant.id

    # == routes: identity ===========================================================================
    def _routes_identity(self) -> None:
        a = self.authority
        self.route(
            "GET", TENANT + r"/v2\.0/\.well-known/openid-configuration", self.locked(a.openid_configuration)
        )
        self.route("POST", TENANT + r"/oauth2/v2\.0/token", self.locked(a.token))
        self.route("GET", TENANT + r"/oauth2/v2\.0/authorize", self.locked(a.authorize))
        self.route("POST", TENANT + r"/oauth2/v2\.0/authorize", self.locked(a.authorize))
        for method, pattern, handler in a.consent_routes():  # admin consent (application permissions)
            self.route(method, pattern, self.locked(handler))
        self.route("GET", r"/common/userrealm/(?P<username>[^/]+)", a.user_realm)

    # == routes: Graph ==============================================================================
    def _routes_graph(self) -> None:
        c = self.calendar
        self.route("GET", WHO, self._graph(self._profile))
        self.route("GET", WHO + r"/calendars", self._graph(c.list_calendars))
        self.route("GET", WHO + r"(?:/calendars/(?P<calendar>[^/]+)|/calendar)", self._graph(c.get_calendar))
        self.route("GET", WHO + CALENDAR + r"/events", self._graph(c.list_events))
        self.route("POST", WHO + CALENDAR + r"/events", self._graph(c.create_event))
        self.route("GET", WHO + CALENDAR + r"/events/(?P<event>[^/]+)", self._graph(c.get_event))
        self.route("PATCH", WHO + CALENDAR + r"/events/(?P<event>[^/]+)", self._graph(c.update_event))
        self.route("DELETE", WHO + CALENDAR + r"/events/(?P<event>[^/]+)", self._graph(c.delete_event))
        respond = r"/events/(?P<event>[^/]+)/(?P<action>accept|tentativelyAccept|decline)"
        self.route("POST", WHO + CALENDAR + respond, self._graph(c.respond_event))
        self.route("GET", WHO + CALENDAR + r"/calendarView", self._graph(c.calendar_view))
        self.route("GET", WHO + CALENDAR + r"/calendarView/delta", self._graph(c.calendar_view_delta))
        self._routes_contacts()
        self._routes_todo()
        self.route("POST", r"/v1\.0/\$batch", self._batch)

    def _routes_contacts(self) -> None:
        c = self.contacts_api
        item = WHO + CONTACTS + r"/(?P<contact>[^/]+)"
        self.route("GET", WHO + r"/contactFolders", self._graph(c.list_folders))
        self.route("POST", WHO + r"/contactFolders", self._graph(c.create_folder))
        self.route("GET", WHO + r"/contactFolders/(?P<folder>[^/]+)", self._graph(c.get_folder))
        self.route("GET", WHO + CONTACTS + r"/delta", self._graph(c.contacts_delta))
        self.route("GET", WHO + CONTACTS, self._graph(c.list_contacts))
        self.route("POST", WHO + CONTACTS, self._graph(c.create_contact))
        self.route("GET", item, self._graph(c.get_contact))
        self.route("PATCH", item, self._graph(c.update_contact))
        self.route("DELETE", item, self._graph(c.delete_contact))

    def _routes_mail(self) -> None:
        """Outlook mail: Graph routes and the persona controls, all in sandbox/graph/mail_*.py."""
        from sandbox.graph import mail, mail_api, mail_control

        self.mail_store = mail.MailStore()
        self.mail_api = mail_api.MailApi(self.mail_store, self.delta)
        self.mail = mail_control.MailControl(
            self.mail_store,
            self.lock,
            self.directory,
            lambda tenant_id, user: self._mailbox_of(self.directory.require_tenant(tenant_id), user),
        )
        mail_control.register(self.route, self._graph, self._control, WHO, self.mail_api, self.mail)

    def _routes_todo(self) -> None:
        t = self.todo_api
        item = WHO + TASKS + r"/(?P<task>[^/]+)"
        self.route("GET", WHO + r"/todo/lists", self._graph(t.list_lists))
        self.route("POST", WHO + r"/todo/lists", self._graph(t.create_list))
        self.route("GET", WHO + r"/todo/lists/(?P<list>[^/]+)", self._graph(t.get_list))
        self.route("GET", WHO + TASKS + r"/delta", self._graph(t.tasks_delta))
        self.route("GET", WHO + TASKS, self._graph(t.list_tasks))
        self.route("POST", WHO + TASKS, self._graph(t.create_task))
        self.route("GET", item, self._graph(t.get_task))
        self.route("PATCH", item, self._graph(t.update_task))
        self.route("DELETE", item, self._graph(t.delete_task))

    def not_found(self, request: Request) -> Response:
        if request.path.startswith(GRAPH + "/") or request.path == GRAPH:
            return graph_error_response(
                request,
                400,
                "BadRequest",
                f"Resource not found for the segment '{request.path.rsplit('/', 1)[-1]}'.",
            )
        return super().not_found(request)

    def _graph(self, handler: MailboxHandler) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.lock:
                try:
                    token = self._authenticate(request)
                    mailbox = self._resolve_mailbox(request, token)
                    response = handler(request, mailbox)
                except GraphError as problem:
                    return _problem_response(request, problem)
            response.headers.update(graph_headers(request))
            return response

        return run

    def _authenticate(self, request: Request) -> AccessToken:
        bearer = _bearer(request)
        if not bearer:
            raise _unauthorized("Access token is empty.")
        token = self.directory.access_tokens.get(bearer)
        if token is None:
            raise _unauthorized("Access token validation failure. Invalid signature.")
        if token.expires_at <= time.time():
            raise _unauthorized("Access token has expired or is not yet valid.")
        if token.user_id is None and not self.authority.app_only_allowed(token.tenant_id, token.client_id):
            # The admin consent behind this app-only token was revoked (or the app disabled) since.
            raise _unauthorized(
                "Access token validation failure. The app has no admin consent in this tenant."
            )
        request.tenant = token.tenant_id
        request.user = token.user_id or ""
        return token

    def _resolve_mailbox(self, request: Request, token: AccessToken) -> Mailbox:
        tenant = self.directory.tenants[token.tenant_id]
        who = request.params.get("who")
        if who is None:
            if token.user_id is None:
                raise GraphError(
                    400, "BadRequest", "/me request is only valid with delegated authentication flow."
                )
            return self._mailbox_of(tenant, token.user_id)
        key = unquote(who)
        user = tenant.find_user(key)
        if user is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        if token.user_id is not None and token.user_id != user.id:
            raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        request.user = user.id
        return self._mailbox_of(tenant, user.id)

    def _profile(self, request: Request, mailbox: Mailbox) -> Response:
        view_of(request)  # validates Prefer
        given, _, surname = mailbox.display_name.partition(" ")
        return json_response(
            200,
            {
                "@odata.context": f"{request.base_url}/v1.0/$metadata#users/$entity",
                "businessPhones": [],
                "displayName": mailbox.display_name,
                "givenName": given or None,
                "jobTitle": None,
                "mail": mailbox.mail,
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": "en-US",
                "surname": surname or None,
                "userPrincipalName": mailbox.mail,
                "id": mailbox.user_id,
            },
        )

    def _batch(self, request: Request) -> Response:
        try:
            with self.lock:
                self._authenticate(request)
            payload = self.batch.run(request)  # not under the lock: items may sleep on injected delays
        except GraphError as problem:
            return _problem_response(request, problem)
        return json_response(200, payload, graph_headers(request))

    # == routes: control ============================================================================
    def _routes_control(self) -> None:
        base, user = r"/_sandbox/tenants/(?P<t>[^/]+)", r"/users/(?P<u>[^/]+)"
        self.route("POST", r"/_sandbox/tenants", self._control(self._ctl_tenant))
        self.route("POST", base + r"/apps", self._control(self._ctl_app))
        self.route("POST", base + r"/users", self._control(self._ctl_user))
        self.route("POST", base + user + r"/refresh-token", self._control(self._ctl_refresh_token))
        self.route("POST", base + user + r"/revoke", self._control(self._ctl_revoke))
        self.route("GET", base + user + r"/events", self._control(self._ctl_events))
        self.route("POST", base + user + r"/events", self._control(self._ctl_create_event))
        self.route("POST", base + user + r"/invitations", self._control(self._ctl_receive_invitation))
        self.route("PATCH", base + user + r"/events/(?P<e>[^/]+)", self._control(self._ctl_update_event))
        self.route("DELETE", base + user + r"/events/(?P<e>[^/]+)", self._control(self._ctl_delete_event))
        self.route("GET", base + user + r"/contact-folders", self._control(self._ctl_contact_folders))
        self.route("POST", base + user + r"/contact-folders", self._control(self._ctl_create_contact_folder))
        self.route("GET", base + user + r"/contacts", self._control(self._ctl_contacts))
        self.route("POST", base + user + r"/contacts", self._control(self._ctl_create_contact))
        self.route("PATCH", base + user + r"/contacts/(?P<c>[^/]+)", self._control(self._ctl_update_contact))
        self.route("DELETE", base + user + r"/contacts/(?P<c>[^/]+)", self._control(self._ctl_delete_contact))
        self.route("GET", base + user + r"/task-lists", self._control(self._ctl_task_lists))
        self.route("POST", base + user + r"/task-lists", self._control(self._ctl_create_task_list))
        self.route("GET", base + user + r"/tasks", self._control(self._ctl_tasks))
        self.route("POST", base + user + r"/tasks", self._control(self._ctl_create_task))
        self.route("PATCH", base + user + r"/tasks/(?P<k>[^/]+)", self._control(self._ctl_update_task))
        self.route("DELETE", base + user + r"/tasks/(?P<k>[^/]+)", self._control(self._ctl_delete_task))
        self.route("POST", r"/_sandbox/expire-tokens", self._control(self._ctl_expire))
        self.route("POST", r"/_sandbox/invalidate-delta-tokens", self._control(self._ctl_invalidate_delta))

    def _control(
        self, handler: Callable[[Request, dict[str, Any]], Response]
    ) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            try:
                body = request.json() or {}
                return handler(request, body)
            except (KeyError, ValueError, TypeError) as error:
                raise HttpError(json_response(400, {"error": str(error)})) from error
            except GraphError as problem:
                raise HttpError(
                    json_response(
                        problem.status, {"error": {"code": problem.code, "message": problem.message}}
                    )
                ) from problem

        return run

    def _ctl_tenant(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(
            201, self.create_tenant(body.get("tenant_id"), body.get("domain", "contoso.example"))
        )

    def _ctl_app(self, request: Request, body: dict[str, Any]) -> Response:
        app = self.register_app(
            request.params["t"], body["client_id"], body["client_secret"], body.get("redirect_uris")
        )
        return json_response(201, app)

    def _ctl_user(self, request: Request, body: dict[str, Any]) -> Response:
        extra = {"password": body["password"]} if "password" in body else {}
        return json_response(
            201, self.create_user(request.params["t"], body["mail"], body["display_name"], **extra)
        )

    def _ctl_refresh_token(self, request: Request, body: dict[str, Any]) -> Response:
        scopes = body.get("scopes", DEFAULT_DELEGATED_SCOPES)
        token = self.issue_refresh_token(request.params["t"], request.params["u"], body["client_id"], scopes)
        return json_response(201, {"refresh_token": token})

    def _ctl_revoke(self, request: Request, body: dict[str, Any]) -> Response:
        self.revoke_refresh_tokens(request.params["t"], request.params["u"])
        return json_response(200, {"ok": True})

    def _ctl_expire(self, request: Request, body: dict[str, Any]) -> Response:
        self.expire_tokens(body.get("tenant_id"))
        return json_response(200, {"ok": True})

    def _ctl_invalidate_delta(self, request: Request, body: dict[str, Any]) -> Response:
        self.invalidate_delta_tokens(body.get("tenant_id"))
        return json_response(200, {"ok": True})

    def _ctl_events(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.events(request.params["t"], request.params["u"])})

    def _ctl_create_event(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(201, self.create_event(request.params["t"], request.params["u"], body))

    def _ctl_receive_invitation(self, request: Request, body: dict[str, Any]) -> Response:
        """{"event": ..., "organizer": {"name", "address"}, "response": "accepted"} (the response is
        optional: unanswered)."""
        tenant, user = request.params["t"], request.params["u"]
        event, organizer = body["event"], body["organizer"]
        invited = self.receive_invitation(tenant, user, event, organizer, body.get("ical_uid"))
        if body.get("response"):
            with self.lock:
                mailbox = self._mailbox_of(self.directory.require_tenant(tenant), user)
                self.store.respond(mailbox, invited["id"], str(body["response"]))
        return json_response(201, invited)

    def _ctl_update_event(self, request: Request, body: dict[str, Any]) -> Response:
        event_id = unquote(request.params["e"])
        return json_response(200, self.update_event(request.params["t"], request.params["u"], event_id, body))

    def _ctl_delete_event(self, request: Request, body: dict[str, Any]) -> Response:
        self.delete_event(request.params["t"], request.params["u"], unquote(request.params["e"]))
        return json_response(204, None)

    def _ctl_contact_folders(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.contact_folders(request.params["t"], request.params["u"])})

    def _ctl_create_contact_folder(self, request: Request, body: dict[str, Any]) -> Response:
        created = self.create_contact_folder(request.params["t"], request.params["u"], body["displayName"])
        return json_response(201, created)

    def _ctl_contacts(self, request: Request, body: dict[str, Any]) -> Response:
        found = self.contacts(request.params["t"], request.params["u"], request.query.get("folder_id"))
        return json_response(200, {"value": found})

    def _ctl_create_contact(self, request: Request, body: dict[str, Any]) -> Response:
        t, u = request.params["t"], request.params["u"]
        return json_response(201, self.create_contact(t, u, body, request.query.get("folder_id")))

    def _ctl_update_contact(self, request: Request, body: dict[str, Any]) -> Response:
        contact_id = unquote(request.params["c"])
        return json_response(
            200, self.update_contact(request.params["t"], request.params["u"], contact_id, body)
        )

    def _ctl_delete_contact(self, request: Request, body: dict[str, Any]) -> Response:
        self.delete_contact(request.params["t"], request.params["u"], unquote(request.params["c"]))
        return json_response(204, None)

    def _ctl_task_lists(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.task_lists(request.params["t"], request.params["u"])})

    def _ctl_create_task_list(self, request: Request, body: dict[str, Any]) -> Response:
        created = self.create_task_list(request.params["t"], request.params["u"], body["displayName"])
        return json_response(201, created)

    def _ctl_tasks(self, request: Request, body: dict[str, Any]) -> Response:
        tasks = self.tasks(request.params["t"], request.params["u"], request.query.get("list_id"))
        return json_response(200, {"value": tasks})

    def _ctl_create_task(self, request: Request, body: dict[str, Any]) -> Response:
        created = self.create_task(
            request.params["t"], request.params["u"], body, request.query.get("list_id")
        )
        return json_response(201, created)

    def _ctl_update_task(self, request: Request, body: dict[str, Any]) -> Response:
        task_id = unquote(request.params["k"])
        updated = self.update_task(
            request.params["t"], request.params["u"], task_id, body, request.query.get("list_id")
        )
        return json_response(200, updated)

    def _ctl_delete_task(self, request: Request, body: dict[str, Any]) -> Response:
        task_id = unquote(request.params["k"])
        self.delete_task(request.params["t"], request.params["u"], task_id, request.query.get("list_id"))
        return json_response(204, None)


def _bearer(request: Request) -> str:
    value = request.header("authorization")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def _unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def _problem_response(request: Request, problem: GraphError) -> Response:
    response = graph_error_response(request, problem.status, problem.code, problem.message)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="", authorization_uri="{request.base_url}/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"'
        )
    return response
