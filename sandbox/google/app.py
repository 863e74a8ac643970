"""``GoogleSandbox``: Google OAuth 2.0, Calendar v3, Tasks v1, People v1, Gmail v1 (+ batch, + push) and
Cloud Pub/Sub v1 on one host.

Paths are those google-api-python-client builds once ``api_endpoint`` points here:
``/calendar/v3/...`` (endpoint ``{url}/calendar/v3/``), ``/tasks/v1/...``, ``/v1/people...`` and
``/gmail/v1/...`` (endpoint ``{url}/``), batches at ``/batch/calendar/v3``, ``/batch/tasks/v1``,
``/batch/people/v1``, ``/batch/gmail/v1``; Pub/Sub at ``/v1/projects/...`` (endpoint ``{url}/``, as
``https://pubsub.googleapis.com/``), its callers service accounts signing in by JWT; OAuth at
``/o/oauth2/v2/auth`` and ``/token``; control under ``/_sandbox/``. The Python API below does what
the control endpoints do, in-process; "persona" calls act as the user in Google's own apps.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from sandbox.base import Fault, HttpError, Request, Response, SandboxApp, json_response
from sandbox.google import batch
from sandbox.google.accounts import API_SCOPES, Accounts, User
from sandbox.google.calendar import CalendarStore
from sandbox.google.calendar_api import CalendarApi
from sandbox.google.errors import fault as fault_body
from sandbox.google.gmail import GmailApi, GmailStore, b64url, compose
from sandbox.google.gmail_push import GmailPush
from sandbox.google.oauth import OAuth
from sandbox.google.people import PERSON_FIELDS, PeopleApi, PeopleStore
from sandbox.google.pubsub import GMAIL_PUSH, MemberHandler, PubSub
from sandbox.google.sync import Tokens
from sandbox.google.tasks import StoredTask, TasksApi, TaskStore
from sandbox.google.watch import CalendarWatch

UserHandler = Callable[[Request, User], Response]
EVENTS = r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events"
TASKS = r"/tasks/v1/lists/(?P<list>[^/]+)/tasks"
PERSON = r"/v1/people/(?P<person>[^/:]+)"
USER = r"/_sandbox/users/(?P<user>[^/]+)"


class GoogleSandbox(SandboxApp):
    name = "google"

    def __init__(self) -> None:
        super().__init__()
        self.accounts = Accounts()
        self.oauth = OAuth(self.accounts)
        self.tokens = Tokens()
        self.calendar_store = CalendarStore(self.tokens)
        self.calendar = CalendarApi(self.calendar_store)
        self.task_store = TaskStore(self.tokens)
        self.tasks_api = TasksApi(self.task_store)
        self.people_store = PeopleStore(self.tokens)
        self.people = PeopleApi(self.people_store)
        self.gmail_store = GmailStore(self.tokens)
        self.gmail = GmailApi(self.gmail_store)
        self._routes_oauth()
        self._routes_api()
        self._routes_control()
        self.watch = CalendarWatch.install(self, self._authed)  # push notifications
        self.pubsub = PubSub.install(self, self._member_authed)
        self.gmail_push = GmailPush.install(self, self._authed)  # Gmail watch -> Pub/Sub

    # == Python API =================================================================================
    def create_user(self, email: str, name: str = "", time_zone: str = "UTC") -> dict[str, Any]:
        with self.lock:
            return self.accounts.create_user(email, name or email.split("@")[0], time_zone).as_dict()

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | None = None
    ) -> None:
        with self.lock:
            self.accounts.register_client(client_id, client_secret, redirect_uris)

    def issue_refresh_token(self, user: str, client_id: str, scopes: list[str] | None = None) -> str:
        """A refresh token as if the user had consented with offline access (the demo's shortcut)."""
        with self.lock:
            return self.accounts.issue_refresh_token(self._user(user).id, client_id, scopes)

    def limit_refresh_tokens(self, client_id: str, days: float | None) -> None:
        """Refresh tokens the client gets from now on expire ``days`` after consent, as a "Testing"
        app's do (7) or a time-based grant's; Google then says ``refresh_token_expires_in``."""
        with self.lock:
            self.accounts.limit_refresh_tokens(client_id, days * 86400 if days else None)

    def age_refresh_tokens(self, user: str, days: float) -> None:
        """As if ``days`` had passed for the user's limited refresh tokens."""
        with self.lock:
            self.accounts.age_refresh_tokens(self._user(user).id, days * 86400)

    def expire_tokens(self, user: str | None = None) -> None:
        """Access tokens issued so far answer 401 from now on; refresh tokens stay valid."""
        with self.lock:
            self.accounts.expire_access_tokens(self._user(user).id if user else None)

    def revoke(self, user: str) -> None:
        """The user removed the app's access in their Google Account: refreshes answer invalid_grant."""
        with self.lock:
            self.accounts.revoke(self._user(user).id)

    def invalidate_sync_tokens(self, user: str | None = None) -> int:
        """Sync tokens issued so far are refused (Calendar 410, People EXPIRED_SYNC_TOKEN), and Gmail
        history so far is gone (history.list 404 for an older startHistoryId)."""
        with self.lock:
            for who in [self._user(user)] if user else list(self.accounts.users.values()):
                self.gmail_store.expire_history(who)
            return self.tokens.invalidate(self._user(user).id if user else None)

    # -- persona: the user in Google Calendar ---------------------------------------------------------
    def events(self, user: str) -> list[dict[str, Any]]:
        """The user's live events (series, not instances), as Calendar v3 renders them."""
        with self.lock:
            who = self._user(user)
            return [self.calendar_store.render(e, who) for e in self.calendar_store.of(who) if not e.deleted]

    def create_event(
        self, user: str, body: dict[str, Any], *, allow_unknown_zone: bool = False
    ) -> dict[str, Any]:
        """The user adds an event; ``allow_unknown_zone``: as if imported with a zone Google keeps as is."""
        with self.lock:
            who = self._user(user)
            event = self._checked(
                lambda: self.calendar_store.insert(who, body, allow_unknown_zone=allow_unknown_zone)
            )
            return self.calendar_store.render(event, who)

    def update_event(self, user: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            who = self._user(user)
            event = self._checked(lambda: self.calendar_store.patch(who, event_id, changes))
            return self.calendar_store.render(event, who)

    def delete_event(self, user: str, event_id: str) -> None:
        with self.lock:
            who = self._user(user)
            self._checked(lambda: self.calendar_store.delete(who, event_id))

    def receive_invitation(
        self, user: str, body: dict[str, Any], organizer: str, ical_uid: str = ""
    ) -> dict[str, Any]:
        """A meeting someone else organised lands in the user's calendar, unanswered."""
        with self.lock:
            who = self._user(user)
            attendees = list(body.get("attendees") or [])
            if not any(a.get("email", "").lower() == who.email.lower() for a in attendees):
                attendees.append({"email": who.email, "responseStatus": "needsAction"})
            attendees = [{"email": organizer, "responseStatus": "accepted"}, *attendees]
            event = self._checked(
                lambda: self.calendar_store.insert(
                    who, {**body, "attendees": attendees}, organizer={"email": organizer}, ical_uid=ical_uid
                )
            )
            return self.calendar_store.render(event, who)

    def respond(self, user: str, event_id: str, response: str) -> dict[str, Any]:
        with self.lock:
            who = self._user(user)
            event = self._checked(lambda: self.calendar_store.respond(who, event_id, response))
            return self.calendar_store.render(event, who)

    # -- persona: the user in Google Tasks ---------------------------------------------------------
    def task_lists(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            return [self.task_store.render_list(t, "") for t in self.task_store.lists_of(self._user(user))]

    def tasks(
        self, user: str, list_id: str = "@default", include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        with self.lock:
            task_list = self.task_store.require_list(self._user(user), list_id)
            return [
                self.task_store.render(task_list, t, "")
                for t in task_list.tasks.values()
                if include_deleted or not t.deleted
            ]

    def create_task_list(self, user: str, title: str) -> dict[str, Any]:
        with self.lock:
            return self.task_store.render_list(self.task_store.create_list(self._user(user), title), "")

    def delete_task_list(self, user: str, list_id: str) -> None:
        """The user deletes a whole list in Google Tasks (its tasks go with it)."""
        with self.lock:
            task_list = self.task_store.require_list(self._user(user), list_id)
            del self.task_store.lists[task_list.id]

    def create_task(self, user: str, body: dict[str, Any], list_id: str = "@default") -> dict[str, Any]:
        with self.lock:
            task_list = self.task_store.require_list(self._user(user), list_id)
            task = self._checked(
                lambda: self.task_store.write(StoredTask(id=secrets.token_urlsafe(16)), body)
            )
            task_list.tasks[task.id] = task
            return self.task_store.render(task_list, task, "")

    def update_task(
        self, user: str, task_id: str, changes: dict[str, Any], list_id: str = "@default"
    ) -> dict[str, Any]:
        with self.lock:
            task_list = self.task_store.require_list(self._user(user), list_id)
            task = self.task_store.require_task(task_list, task_id)
            self._checked(lambda: self.task_store.write(task, changes))
            if changes.get("status") == "completed":
                task.hidden = True  # Google's own apps hide what they complete (showHidden to see it)
            return self.task_store.render(task_list, task, "")

    def delete_task(self, user: str, task_id: str, list_id: str = "@default") -> None:
        self.update_task(user, task_id, {"deleted": True}, list_id)

    # -- persona: the user in Google Contacts ------------------------------------------------------
    def contacts(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            who = self._user(user)
            return [
                self.people_store.render(p, list(PERSON_FIELDS))
                for p in self.people_store.of(who)
                if not p.deleted
            ]

    def contact_groups(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            who = self._user(user)
            return [self.people_store.render_group(who, g) for g in self.people_store.groups_of(who)]

    def create_contact_group(self, user: str, name: str) -> dict[str, Any]:
        with self.lock:
            who = self._user(user)
            group = self._checked(lambda: self.people_store.create_group(who, name))
            return self.people_store.render_group(who, group)

    def create_contact(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            who = self._user(user)
            person = self._checked(lambda: self.people_store.create(who, body))
            return self.people_store.render(person, list(PERSON_FIELDS))

    def update_contact(self, user: str, resource_name: str, changes: dict[str, Any]) -> dict[str, Any]:
        """The user edits the given fields (each replaced whole, as updatePersonFields does)."""
        with self.lock:
            who = self._user(user)
            person = self.people_store.require(who, resource_name.removeprefix("people/"))
            self._checked(lambda: self.people_store.write(who, person, changes, list(changes)))
            return self.people_store.render(person, list(PERSON_FIELDS))

    def delete_contact(self, user: str, resource_name: str) -> None:
        with self.lock:
            who = self._user(user)
            self._checked(lambda: self.people_store.delete(who, resource_name.removeprefix("people/")))

    # -- persona: the user in Gmail -----------------------------------------------------------------
    def deliver_mail(
        self,
        user: str,
        sender: str,
        subject: str,
        body: str = "",
        *,
        to: str = "",
        labels: list[str] | None = None,
        headers: dict[str, str] | None = None,
        attachments: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """A message arrives in the user's inbox (unread unless ``labels`` say otherwise);
        ``attachments``: [{"filename", "content" (text), "mime_type"}]."""
        with self.lock:
            who = self._user(user)
            raw = compose(sender, to or who.email, subject, body, attachments=attachments, **(headers or {}))
            message = self._checked(lambda: self.gmail_store.add(who, raw, labels or ["INBOX", "UNREAD"]))
            return self.gmail_store.render(message, "metadata")

    def send_mail(self, user: str, to: str, subject: str, body: str = "", **headers: str) -> dict[str, Any]:
        """The user sends a message from Gmail (it lands in SENT)."""
        with self.lock:
            who = self._user(user)
            raw = compose(who.email, to, subject, body, **headers)
            return self.gmail_store.render(
                self._checked(lambda: self.gmail_store.add(who, raw, ["SENT"])), "metadata"
            )

    def mail(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            who = self._user(user)
            box = self.gmail_store.box(who)
            return [self.gmail_store.render(m, "metadata") for m in box.messages.values() if not m.deleted]

    def label_mail(
        self, user: str, message_id: str, add: list[str] | None = None, remove: list[str] | None = None
    ) -> dict[str, Any]:
        with self.lock:
            who = self._user(user)
            message = self._checked(lambda: self.gmail_store.modify(who, message_id, add or [], remove or []))
            return self.gmail_store.render(message, "minimal")

    def delete_mail(self, user: str, message_id: str) -> None:
        with self.lock:
            who = self._user(user)
            self._checked(lambda: self.gmail_store.delete(who, message_id))

    def mail_labels(self, user: str) -> list[dict[str, Any]]:
        """The user's Gmail labels (system and their own), as labels.list shows them."""
        with self.lock:
            box = self.gmail_store.box(self._user(user))
            return [
                {
                    "id": label_id,
                    "name": name,
                    "type": "user",
                    **({"color": box.colors[label_id]} if label_id in box.colors else {}),
                }
                for label_id, name in box.labels.items()
            ]

    def create_mail_label(self, user: str, name: str) -> str:
        """The user makes a label in Gmail; its id."""
        with self.lock:
            box = self.gmail_store.box(self._user(user))
            if not name.strip() or name in box.labels.values():
                raise ValueError(f"label {name!r} is empty or exists")
            label_id = f"Label_{len(box.labels) + 1}"
            box.labels[label_id] = name
            return label_id

    def raw_mail(self, user: str, message_id: str) -> str:
        with self.lock:
            return b64url(self.gmail_store.require(self._user(user), message_id).raw)

    # -- Cloud Pub/Sub: the operator's project (what the Cloud console sets up) ----------------------
    def create_service_account(
        self, project: str, token_uri: str, name: str = "sync-engine"
    ) -> dict[str, Any]:
        """A service account owning ``project`` (made if new); its JSON key, ``token_uri`` in it."""
        with self.lock:
            key = self.accounts.create_service_account(project, name, token_uri)
            self.pubsub.add_owner(project, "serviceAccount:" + key["client_email"])
            return key

    def create_gmail_push(
        self,
        project: str,
        topic: str = "gmail-push",
        subscription: str = "gmail-push",
        *,
        grant_gmail: bool = True,
        ack_deadline_seconds: float = 10,
        pull_wait_seconds: float | None = None,
    ) -> dict[str, str]:
        """A topic and its pull subscription in one go, Gmail allowed to publish (unless not
        ``grant_gmail``). Sandbox-only: ``ack_deadline_seconds`` may be under Google's 10 s minimum,
        ``pull_wait_seconds`` is how long an empty pull waits."""
        with self.lock:
            made = self.pubsub.create_topic(f"projects/{project}/topics/{topic}")
            if grant_gmail:
                self.pubsub.grant(made.name, GMAIL_PUSH)
            sub = self.pubsub.create_subscription(
                f"projects/{project}/subscriptions/{subscription}",
                made.name,
                float(ack_deadline_seconds),
                pull_wait_seconds,
            )
            return {"topic": made.name, "subscription": sub.name}

    def expire_gmail_watch(self, user: str) -> None:
        """As if the user's Gmail watch had reached its expiration: nothing is published any more."""
        with self.lock:
            watch = self.gmail_push.watches.get(self._user(user).id)
            if watch is not None:
                watch.expiration = 0

    def age_pubsub_messages(self, subscription: str, days: float) -> None:
        """As if ``days`` had passed for what the subscription holds (kept 7 days, then gone)."""
        with self.lock:
            for message in self.pubsub.subscriptions[subscription].messages:
                message.published -= days * 86400

    def drop_pubsub_messages(self, subscription: str) -> int:
        """Lose what the subscription holds, acked or not (a window of notifications never heard)."""
        with self.lock:
            return self.pubsub.drop(subscription)

    # == plumbing ===================================================================================
    def _user(self, user: str) -> User:
        return self.accounts.require_user(user)

    @staticmethod
    def _checked(call: Callable[[], Any]) -> Any:
        """Persona calls validate like the API does; a refusal is a ValueError with Google's message."""
        try:
            return call()
        except HttpError as error:
            raise ValueError(error.response.body.decode("utf-8")) from None

    def request_kind(self, request: Request) -> str:
        return "token" if request.path == "/token" or request.path.startswith("/o/oauth2/") else "api"

    def fault_response(self, request: Request, fault: Fault) -> Response:
        status = fault.status or 500
        if self.request_kind(request) == "token":
            return json_response(status, {"error": "internal_failure", "error_description": "Backend Error"})
        return fault_body(status)

    def _dispatch(self, request: Request, control: bool) -> Response:
        if not control and not request.tenant:
            # Know the caller before a fault may answer, so every logged request is attributed.
            scheme, _, token = request.header("authorization").partition(" ")
            access = self.accounts.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            user = self.accounts.users.get(access.user_id) if access else None
            if user is not None:
                request.tenant, request.user = user.id, user.email
            elif access is not None and access.service_account:
                request.tenant = request.user = access.service_account
        return super()._dispatch(request, control)

    def _authed(self, api: str, handler: UserHandler) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.lock:
                user = self.accounts.authenticate(request.header("authorization"), API_SCOPES[api])
                request.tenant, request.user = user.id, user.email
                return handler(request, user)

        return run

    def _member_authed(self, handler: MemberHandler) -> Callable[[Request], Response]:
        """Cloud APIs know callers as IAM members (a service account, a user), pubsub-scoped."""

        def run(request: Request) -> Response:
            with self.lock:
                member = self.accounts.principal(request.header("authorization"), API_SCOPES["pubsub"])
                request.tenant = request.user = member.partition(":")[2]
                return handler(request, member)

        return run

    @staticmethod
    def _userinfo(request: Request, user: User) -> Response:
        """OpenID Connect userinfo: who signed in (what onboarding stores as the account)."""
        return json_response(
            200, {"sub": user.id, "email": user.email, "email_verified": True, "name": user.name}
        )

    def _batch(self, api: str) -> Callable[[Request], Response]:
        return lambda request: batch.run(
            api, request, lambda r: self._dispatch(r, False), self.record_batch_item
        )

    # == routes =====================================================================================
    def _routes_oauth(self) -> None:
        self.route("GET", r"/o/oauth2/v2/auth", self.locked(self.oauth.consent_page))
        self.route("POST", r"/o/oauth2/v2/auth", self.locked(self.oauth.consent))
        self.route("POST", r"/token", self.locked(self.oauth.token))

    def _routes_collection(self, api: str, path: str, item: str, handlers: CalendarApi | TasksApi) -> None:
        """A Google REST collection: list and insert on ``path``, get, patch, update and delete on an item."""
        one = path + rf"/(?P<{item}>[^/]+)"
        self.route("GET", path, self._authed(api, handlers.list))
        self.route("POST", path, self._authed(api, handlers.insert))
        self.route("GET", one, self._authed(api, handlers.get))
        self.route("PATCH", one, self._authed(api, handlers.patch))
        self.route("PUT", one, self._authed(api, handlers.update))
        self.route("DELETE", one, self._authed(api, handlers.delete))

    def _routes_api(self) -> None:
        a = self._authed
        self._routes_collection("calendar", EVENTS, "event", self.calendar)
        self.route("GET", r"/tasks/v1/users/@me/lists", a("tasks", self.tasks_api.lists))
        self.route("POST", r"/tasks/v1/users/@me/lists", a("tasks", self.tasks_api.insert_list))
        self.route(
            "DELETE", r"/tasks/v1/users/@me/lists/(?P<list>[^/]+)", a("tasks", self.tasks_api.delete_list)
        )
        self._routes_collection("tasks", TASKS, "task", self.tasks_api)
        self.route("GET", r"/v1/people/(?P<who>[^/:]+)/connections", a("people", self.people.connections))
        self.route("POST", r"/v1/people:createContact", a("people", self.people.create))
        self.route("GET", PERSON, a("people", self.people.get))
        self.route("PATCH", PERSON + r":updateContact", a("people", self.people.update))
        self.route("DELETE", PERSON + r":deleteContact", a("people", self.people.delete))
        self.route("GET", r"/v1/contactGroups", a("people", self.people.groups))
        self.route("POST", r"/v1/contactGroups", a("people", self.people.create_group))
        self.route("GET", r"/v1/contactGroups/(?P<group>[^/:]+)", a("people", self.people.get_group))
        self.route("GET", r"/oauth2/v3/userinfo", a("userinfo", self._userinfo))
        gm = r"/gmail/v1/users/(?P<who>[^/]+)"
        self.route("GET", gm + r"/profile", a("gmail", self.gmail.profile))
        self.route("GET", gm + r"/labels", a("gmail", self.gmail.labels))
        self.route("POST", gm + r"/labels", a("gmail", self.gmail.create_label))
        self.route("GET", gm + r"/messages", a("gmail", self.gmail.list))
        self.route("POST", gm + r"/messages", a("gmail", self.gmail.insert))
        self.route("POST", gm + r"/messages/send", a("gmail", self.gmail.send))
        self.route("GET", gm + r"/messages/(?P<id>[^/]+)", a("gmail", self.gmail.get))
        self.route("DELETE", gm + r"/messages/(?P<id>[^/]+)", a("gmail", self.gmail.delete))
        self.route("POST", gm + r"/messages/(?P<id>[^/]+)/modify", a("gmail", self.gmail.modify))
        self.route("POST", gm + r"/messages/(?P<id>[^/]+)/trash", a("gmail", self.gmail.trash))
        self.route("GET", gm + r"/history", a("gmail", self.gmail.history))
        self.route("GET", gm + r"/threads/(?P<id>[^/]+)", a("gmail", self.gmail.thread))
        self.route(
            "GET",
            gm + r"/messages/(?P<id>[^/]+)/attachments/(?P<attachment>[^/]+)",
            a("gmail", self.gmail.attachment),
        )
        self.route("POST", r"/batch/gmail/v1", self._batch("gmail"))
        self.route("POST", r"/batch/calendar/v3", self._batch("calendar"))
        self.route("POST", r"/batch/tasks/v1", self._batch("tasks"))
        self.route("POST", r"/batch/people/v1", self._batch("people"))

    def _routes_control(self) -> None:
        def ctl(call: Callable[[Request], Any], status: int = 200) -> Callable[[Request], Response]:
            def run(request: Request) -> Response:
                try:
                    result = call(request)
                except (KeyError, ValueError) as error:
                    return json_response(400, {"error": str(error)})
                return json_response(status, result)

            return run

        def body(request: Request) -> dict[str, Any]:
            return request.json() or {}

        u = lambda r: r.params["user"]  # noqa: E731 - a short accessor
        ps = r"/_sandbox/pubsub"
        self.route(
            "POST",
            ps + r"/service_accounts",
            ctl(lambda r: self.create_service_account(token_uri=f"{r.base_url}/token", **body(r)), 201),
        )
        self.route("POST", ps + r"/gmail_push", ctl(lambda r: self.create_gmail_push(**body(r)), 201))
        self.route(
            "POST",
            USER + r"/gmail_watch/expire",
            ctl(lambda r: self.expire_gmail_watch(u(r)) or {"ok": True}),
        )
        self.route(
            "POST",
            ps + r"/drop",
            ctl(lambda r: {"dropped": self.drop_pubsub_messages(body(r)["subscription"])}),
        )
        self.route("POST", r"/_sandbox/users", ctl(lambda r: self.create_user(**body(r)), 201))
        self.route(
            "POST", r"/_sandbox/clients", ctl(lambda r: self.register_client(**body(r)) or {"ok": True}, 201)
        )
        self.route(
            "POST",
            USER + r"/refresh_tokens",
            ctl(lambda r: {"refresh_token": self.issue_refresh_token(u(r), **body(r))}, 201),
        )
        self.route("POST", USER + r"/revoke", ctl(lambda r: self.revoke(u(r)) or {"ok": True}))
        self.route(
            "POST",
            r"/_sandbox/clients/(?P<client>[^/]+)/refresh_token_lifetime",
            ctl(lambda r: self.limit_refresh_tokens(r.params["client"], body(r).get("days")) or {"ok": True}),
        )
        self.route(
            "POST", r"/_sandbox/tokens/expire", ctl(lambda r: self.expire_tokens(**body(r)) or {"ok": True})
        )
        self.route(
            "POST",
            r"/_sandbox/sync_tokens/invalidate",
            ctl(lambda r: {"invalidated": self.invalidate_sync_tokens(**body(r))}),
        )
        ev = USER + r"/events"
        self.route("GET", ev, ctl(lambda r: {"items": self.events(u(r))}))
        self.route("POST", ev, ctl(lambda r: self.create_event(u(r), **body(r)), 201))
        self.route(
            "PATCH", ev + r"/(?P<id>[^/]+)", ctl(lambda r: self.update_event(u(r), r.params["id"], body(r)))
        )
        self.route(
            "DELETE", ev + r"/(?P<id>[^/]+)", ctl(lambda r: self.delete_event(u(r), r.params["id"]) or {})
        )
        self.route(
            "POST",
            ev + r"/(?P<id>[^/]+)/response",
            ctl(lambda r: self.respond(u(r), r.params["id"], body(r)["responseStatus"])),
        )
        self.route(
            "POST", USER + r"/invitations", ctl(lambda r: self.receive_invitation(u(r), **body(r)), 201)
        )
        self.route("GET", USER + r"/tasklists", ctl(lambda r: {"items": self.task_lists(u(r))}))
        self.route(
            "POST", USER + r"/tasklists", ctl(lambda r: self.create_task_list(u(r), body(r)["title"]), 201)
        )
        tk = USER + r"/tasklists/(?P<list>[^/]+)/tasks"
        self.route("GET", tk, ctl(lambda r: {"items": self.tasks(u(r), r.params["list"])}))
        self.route("POST", tk, ctl(lambda r: self.create_task(u(r), body(r), r.params["list"]), 201))
        self.route(
            "PATCH",
            tk + r"/(?P<id>[^/]+)",
            ctl(lambda r: self.update_task(u(r), r.params["id"], body(r), r.params["list"])),
        )
        self.route(
            "DELETE",
            tk + r"/(?P<id>[^/]+)",
            ctl(lambda r: self.delete_task(u(r), r.params["id"], r.params["list"]) or {}),
        )
        ct = USER + r"/contacts"
        self.route("GET", ct, ctl(lambda r: {"items": self.contacts(u(r))}))
        self.route("POST", ct, ctl(lambda r: self.create_contact(u(r), body(r)), 201))
        self.route(
            "PATCH", ct + r"/(?P<id>[^/]+)", ctl(lambda r: self.update_contact(u(r), r.params["id"], body(r)))
        )
        self.route(
            "DELETE", ct + r"/(?P<id>[^/]+)", ctl(lambda r: self.delete_contact(u(r), r.params["id"]) or {})
        )
        ml = USER + r"/mail"
        self.route("GET", ml, ctl(lambda r: {"items": self.mail(u(r))}))
        self.route("POST", ml, ctl(lambda r: self.deliver_mail(u(r), **body(r)), 201))
        self.route("POST", USER + r"/sent", ctl(lambda r: self.send_mail(u(r), **body(r)), 201))
        self.route(
            "POST",
            ml + r"/(?P<id>[^/]+)/labels",
            ctl(lambda r: self.label_mail(u(r), r.params["id"], **body(r))),
        )
        self.route(
            "DELETE", ml + r"/(?P<id>[^/]+)", ctl(lambda r: self.delete_mail(u(r), r.params["id"]) or {})
        )
        self.route("GET", USER + r"/contactGroups", ctl(lambda r: {"items": self.contact_groups(u(r))}))
        self.route(
            "POST",
            USER + r"/contactGroups",
            ctl(lambda r: self.create_contact_group(u(r), body(r)["name"]), 201),
        )
