"""``EwsSandbox``: Exchange Server's EWS endpoint, with Basic or bearer-token sign-in.

SOAP at ``POST /EWS/Exchange.asmx``: GetFolder, FindFolder, CreateFolder, SyncFolderItems, GetItem,
FindItem (incl. CalendarView), CreateItem, UpdateItem, DeleteItem, MoveItem, GetAttachment,
Get/Create/UpdateUserConfiguration, and streaming notifications (Subscribe with a
StreamingSubscriptionRequest, GetStreamingEvents on a chunked answer kept open, Unsubscribe: see
``sandbox.ews.streaming``). A mailbox's user signs in with Basic (username or address, and password)
or a bearer token; anything else answers 401. There is no ExchangeImpersonation: a credential is one
mailbox's.

Control (never logged, never faulted), also callable in-process as the methods below:
  POST   /_sandbox/mailboxes                          {"smtp", "display_name"?, "username"?, "password"?}
  POST   /_sandbox/mailboxes/{smtp}/password          {"password"}
  POST   /_sandbox/mailboxes/{smtp}/tokens            -> {"access_token"};  DELETE revokes them
  GET    /_sandbox/mailboxes/{smtp}/folders           folders with ids, names, parents
  POST   /_sandbox/mailboxes/{smtp}/folders           {"display_name", "parent"?}: a folder made in Outlook
  GET    /_sandbox/mailboxes/{smtp}/folders/{folder}/items      (folder: calendar, tasks, contacts,
  POST   /_sandbox/mailboxes/{smtp}/folders/{folder}/items       inbox, sentitems, ... or a folder id)
  GET|PATCH|DELETE /_sandbox/mailboxes/{smtp}/items/{id}        the user edits in Outlook (EWS names)
  POST   /_sandbox/mailboxes/{smtp}/items/{id}/move   {"folder"}
  GET    /_sandbox/mailboxes/{smtp}/invitations       meeting mail the server sent
  POST   /_sandbox/invalidate-sync-states             every sync state now ErrorInvalidSyncStateData
  POST   /_sandbox/server-busy                        {"count", "back_off_ms"}: ErrorServerBusy faults
  POST   /_sandbox/faults                             HTTP faults (500, 503 + retry_after...), as elsewhere
The request log's ``operation`` names each call's SOAP operation, so tests can count them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from sandbox.base import Fault, HttpError, Request, Response, SandboxApp, json_response, text_response
from sandbox.ews.operations import Operations, resolve_folder
from sandbox.ews.persona import to_json, to_props
from sandbox.ews.soap import XML, ItemError, SoapFaultError, envelope, fault_envelope, parse_envelope, t
from sandbox.ews.store import DISTINGUISHED, Folder, Item, Mailbox, SyncStates, finish, set_property
from sandbox.ews.streaming import Streaming

EWS_PATH = "/EWS/Exchange.asmx"


class EwsSandbox(SandboxApp):
    name = "ews"

    def __init__(self) -> None:
        super().__init__()
        self.mailboxes: dict[str, Mailbox] = {}
        self.tokens: dict[str, str] = {}  # bearer token -> mailbox smtp
        self.states = SyncStates()
        self.operations = Operations(self.states)
        self._busy: list[int] = []  # pending ErrorServerBusy faults, BackOffMilliseconds each
        self.streaming = Streaming(self.lock)
        self.route("POST", EWS_PATH, self._soap)
        self._routes_control()

    # == Python API =================================================================================
    def create_mailbox(
        self, smtp: str, display_name: str = "", username: str = "", password: str = "Sandbox-Passw0rd!"
    ) -> dict[str, str]:
        with self.lock:
            key = smtp.lower()
            if key in self.mailboxes:
                raise ValueError(f"mailbox {smtp} already exists")
            box = Mailbox(smtp, display_name or smtp.split("@")[0], username or smtp, password)
            box.on_event = lambda event: self.streaming.record(key, event)
            self.mailboxes[key] = box
            return {"smtp": box.smtp, "username": box.username, "password": box.password}

    def set_password(self, smtp: str, password: str) -> None:
        with self.lock:
            self._mailbox(smtp).password = password

    def issue_token(self, smtp: str) -> str:
        """An OAuth access token for the mailbox (as if the admin had consented)."""
        with self.lock:
            token = secrets.token_urlsafe(24)
            self.tokens[token] = self._mailbox(smtp).smtp.lower()
            return token

    def revoke_tokens(self, smtp: str) -> None:
        with self.lock:
            self.tokens = {k: v for k, v in self.tokens.items() if v != smtp.lower()}

    def invalidate_sync_states(self) -> None:
        """Every sync state handed out so far now answers ErrorInvalidSyncStateData."""
        with self.lock:
            self.states.invalidate()

    def server_busy(self, count: int = 1, back_off_ms: int = 1000) -> None:
        """The next ``count`` SOAP calls answer an ErrorServerBusy fault with BackOffMilliseconds."""
        with self.lock:
            self._busy.extend([back_off_ms] * count)

    def drop_streams(self) -> None:
        """Every open GetStreamingEvents connection is cut mid-answer (a lost network); subscriptions stay."""
        self.streaming.drop_streams()

    def age_subscriptions(self, minutes: float) -> None:
        """Subscriptions not being read are ``minutes`` older: at 30 they have expired, as in Exchange."""
        self.streaming.age(minutes)

    def stream_timing(
        self, *, minute: float | None = None, keepalive: float | None = None, idle_expiry: float | None = None
    ) -> None:
        """Seconds a ConnectionTimeout minute lasts, between keepalives, and before an unread
        subscription expires (Exchange: 60, a keepalive now and then, 30 minutes); reset by ``clear``."""
        with self.lock:
            streaming = self.streaming
            streaming.minute = streaming.minute if minute is None else minute
            streaming.keepalive = streaming.keepalive if keepalive is None else keepalive
            streaming.idle_expiry = streaming.idle_expiry if idle_expiry is None else idle_expiry

    def items(self, smtp: str, folder: str) -> list[dict[str, Any]]:
        """Items of a folder (a distinguished name such as calendar, tasks, inbox; or a folder id)."""
        with self.lock:
            box = self._mailbox(smtp)
            where = _folder(box, folder).id
            return [self._json(i, box) for i in box.items.values() if i.folder_id == where]

    def item(self, smtp: str, item_id: str) -> dict[str, Any]:
        with self.lock:
            box = self._mailbox(smtp)
            return self._json(box.item(item_id), box)

    def create_item(self, smtp: str, folder: str, props: dict[str, Any]) -> dict[str, Any]:
        """The user adds an item in Outlook (or a message arrives); the element kind follows the folder."""
        with self.lock:
            box = self._mailbox(smtp)
            target = _folder(box, folder)
            kind = {"IPF.Appointment": "CalendarItem", "IPF.Task": "Task", "IPF.Contact": "Contact"}.get(
                target.folder_class, "Message"
            )
            return self._json(box.add(target, kind, to_props(props)), box)

    def create_folder(self, smtp: str, name: str, parent: str = "msgfolderroot") -> dict[str, str]:
        """The user makes a mail folder in Outlook."""
        with self.lock:
            box = self._mailbox(smtp)
            under = _folder(box, parent)
            # A folder made under Tasks (Contacts, Calendar) holds the same kind of items.
            special = under.folder_class in ("IPF.Task", "IPF.Contact", "IPF.Appointment")
            made = box.add_folder(
                under, under.tag if special else "Folder", name, under.folder_class if special else "IPF.Note"
            )
            return {"id": made.id, "display_name": made.display_name}

    def folder_id(self, smtp: str, name: str, parent: str = "msgfolderroot") -> str:
        """The id of ``parent``'s child folder ``name``, made when missing (as the user would in Outlook)."""
        with self.lock:
            box = self._mailbox(smtp)
            under = _folder(box, parent)
            for folder in box.folders.values():
                if folder.parent_id == under.id and folder.display_name.casefold() == name.casefold():
                    return folder.id
            return self.create_folder(smtp, name, parent)["id"]

    def folders(self, smtp: str) -> list[dict[str, str]]:
        with self.lock:
            return [
                {
                    "id": f.id,
                    "display_name": f.display_name,
                    "distinguished": f.distinguished,
                    "parent_id": f.parent_id,
                }
                for f in self._mailbox(smtp).folders.values()
            ]

    def move_item(self, smtp: str, item_id: str, folder: str) -> dict[str, Any]:
        """The user drags an item to another folder: it gets a new id there."""
        with self.lock:
            box = self._mailbox(smtp)
            return self._json(box.move(box.item(item_id), _folder(box, folder)), box)

    def update_item(self, smtp: str, item_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """The user edits an item in Outlook; a None value clears the property."""
        with self.lock:
            box = self._mailbox(smtp)
            item = box.item(item_id)
            work = Item(item.id, item.kind, item.folder_id, dict(item.props), item.change_key, item.seq)
            for name, value in props.items():
                if value is None:
                    work.props.pop(name, None)
                    continue
                for key, element in to_props({name: value}).items():
                    work.props.pop(key, None)
                    set_property(work, _plain_uri(), element)
            finish(work, box, created=False)
            item.props = work.props
            box.touch(item)
            return self._json(item, box)

    def delete_item(self, smtp: str, item_id: str) -> None:
        with self.lock:
            box = self._mailbox(smtp)
            box.remove(box.item(item_id))

    def master_categories(self, smtp: str) -> list[dict[str, str]]:
        """The mailbox's master category list (Outlook keeps it as the calendar's "CategoryList")."""
        with self.lock:
            box = self._mailbox(smtp)
            stored = box.configurations.get((box.distinguished("calendar").id, "CategoryList"), {})
            if not stored.get("XmlData"):
                return []
            document = ET.fromstring(base64.b64decode(stored["XmlData"]))
            return [dict(c.attrib) for c in document if c.tag.rsplit("}", 1)[-1] == "category"]

    def invitations(self, smtp: str) -> list[dict[str, Any]]:
        """Meeting requests, updates and cancellations the server sent from this mailbox."""
        with self.lock:
            return list(self._mailbox(smtp).sent_invitations)

    def _mailbox(self, smtp: str) -> Mailbox:
        box = self.mailboxes.get(smtp.lower())
        if box is None:
            raise KeyError(f"no mailbox {smtp}")
        return box

    @staticmethod
    def _json(item: Item, box: Mailbox) -> dict[str, Any]:
        out: dict[str, Any] = {"id": item.id, "change_key": item.change_key, "kind": item.kind}
        out.update({name: to_json(prop) for name, prop in item.props.items()})
        return out

    # == SOAP =======================================================================================
    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        operation = request.params.get("operation", "")
        if operation and not request.path.startswith("/_sandbox/"):
            with self.lock:  # the base class logged this call last under the same lock: name its operation
                for entry in reversed(self.log):
                    if entry["path"] == request.path and "operation" not in entry:
                        entry["operation"] = operation
                        break
        return response

    def clear(self) -> None:
        super().clear()
        with self.lock:
            self._busy.clear()
        self.streaming.reset()

    def fault_response(self, request: Request, fault: Fault) -> Response:
        status = fault.status or 500
        if status == 401:
            return Response(401, b"", {"WWW-Authenticate": 'Basic realm="sandbox"'})
        # IIS answers outages with an HTML page, not SOAP.
        return text_response(
            status,
            f"<html><body><h1>Server Error in '/EWS' Application. ({status})</h1></body></html>",
            "text/html",
        )

    def _soap(self, request: Request) -> Response:
        with self.lock:
            mailbox = self._authenticate(request)
            if mailbox is None:
                return Response(
                    401, b"", {"WWW-Authenticate": 'Basic realm="sandbox"', "Content-Type": "text/plain"}
                )
            try:
                soap = parse_envelope(request.body)
                request.params["operation"] = soap.operation
                if self._busy:
                    raise SoapFaultError(
                        "ErrorServerBusy",
                        "The server cannot service this request right now. Try again later.",
                        back_off_ms=self._busy.pop(0),
                    )
                if soap.operation == "GetStreamingEvents":
                    answer = self.streaming.get_streaming_events(mailbox, soap.body, soap.api_version)
                    if not isinstance(answer, ET.Element):  # written as it comes, outside the lock
                        return Response(200, b"", {"Content-Type": XML}, stream=answer)
                    content = answer
                elif soap.operation == "Subscribe":
                    content = self.streaming.subscribe(mailbox, soap.body, resolve_folder)
                elif soap.operation == "Unsubscribe":
                    content = self.streaming.unsubscribe(mailbox, soap.body)
                else:
                    content = self.operations.run(soap.operation, mailbox, soap.body)
            except SoapFaultError as fault:
                return Response(500, fault_envelope(fault), {"Content-Type": XML})
            return Response(200, envelope(content, soap.api_version), {"Content-Type": XML})

    def _authenticate(self, request: Request) -> Mailbox | None:
        header = request.header("authorization")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            smtp = self.tokens.get(value.strip())
            box = self.mailboxes.get(smtp) if smtp else None
        elif scheme.lower() == "basic":
            try:
                username, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            box = self._by_username(username)
            if box is not None and not secrets.compare_digest(box.password, password):
                box = None
        else:
            box = None
        if box is not None:
            request.user = box.smtp.lower()
            request.tenant = box.smtp.split("@")[-1].lower()
        return box

    def _by_username(self, username: str) -> Mailbox | None:
        wanted = username.split("\\")[-1].lower()
        for box in self.mailboxes.values():
            if wanted in (box.username.split("\\")[-1].lower(), box.smtp.lower()):
                return box
        return None

    # == control ====================================================================================
    def _routes_control(self) -> None:
        box = r"/_sandbox/mailboxes/(?P<smtp>[^/]+)"
        self.route("POST", r"/_sandbox/mailboxes", self._control(self._ctl_mailbox))
        self.route("POST", box + r"/password", self._control(self._ctl_password))
        self.route("POST", box + r"/tokens", self._control(self._ctl_token))
        self.route("DELETE", box + r"/tokens", self._control(self._ctl_revoke))
        self.route("GET", box + r"/invitations", self._control(self._ctl_invitations))
        self.route("GET", box + r"/folders", self._control(self._ctl_folders))
        self.route("POST", box + r"/folders", self._control(self._ctl_create_folder))
        self.route("GET", box + r"/folders/(?P<folder>[^/]+)/items", self._control(self._ctl_items))
        self.route("POST", box + r"/folders/(?P<folder>[^/]+)/items", self._control(self._ctl_create))
        self.route("POST", box + r"/items/(?P<item>[^/]+)/move", self._control(self._ctl_move))
        self.route("GET", box + r"/items/(?P<item>[^/]+)", self._control(self._ctl_item))
        self.route("PATCH", box + r"/items/(?P<item>[^/]+)", self._control(self._ctl_update))
        self.route("DELETE", box + r"/items/(?P<item>[^/]+)", self._control(self._ctl_delete))
        self.route("POST", r"/_sandbox/invalidate-sync-states", self._control(self._ctl_invalidate))
        self.route("POST", r"/_sandbox/server-busy", self._control(self._ctl_busy))

    def _control(
        self, handler: Callable[[Request, dict[str, Any]], Response]
    ) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            try:
                return handler(request, request.json() or {})
            except ItemError as problem:
                raise HttpError(
                    json_response(400, {"error": problem.code, "message": problem.message})
                ) from problem
            except (KeyError, ValueError, TypeError) as error:
                raise HttpError(json_response(400, {"error": str(error)})) from error

        return run

    @staticmethod
    def _smtp(request: Request) -> str:
        return unquote(request.params["smtp"])

    def _ctl_mailbox(self, request: Request, body: dict[str, Any]) -> Response:
        extra = {k: body[k] for k in ("display_name", "username", "password") if k in body}
        return json_response(201, self.create_mailbox(body["smtp"], **extra))

    def _ctl_password(self, request: Request, body: dict[str, Any]) -> Response:
        self.set_password(self._smtp(request), body["password"])
        return json_response(200, {"ok": True})

    def _ctl_token(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(201, {"access_token": self.issue_token(self._smtp(request))})

    def _ctl_revoke(self, request: Request, body: dict[str, Any]) -> Response:
        self.revoke_tokens(self._smtp(request))
        return json_response(204, None)

    def _ctl_invitations(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.invitations(self._smtp(request))})

    def _ctl_folders(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.folders(self._smtp(request))})

    def _ctl_create_folder(self, request: Request, body: dict[str, Any]) -> Response:
        made = self.create_folder(
            self._smtp(request), body["display_name"], body.get("parent", "msgfolderroot")
        )
        return json_response(201, made)

    def _ctl_move(self, request: Request, body: dict[str, Any]) -> Response:
        moved = self.move_item(self._smtp(request), unquote(request.params["item"]), body["folder"])
        return json_response(200, moved)

    def _ctl_items(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, {"value": self.items(self._smtp(request), request.params["folder"])})

    def _ctl_create(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(
            201, self.create_item(self._smtp(request), unquote(request.params["folder"]), body)
        )

    def _ctl_item(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(200, self.item(self._smtp(request), unquote(request.params["item"])))

    def _ctl_update(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response(
            200, self.update_item(self._smtp(request), unquote(request.params["item"]), body)
        )

    def _ctl_delete(self, request: Request, body: dict[str, Any]) -> Response:
        self.delete_item(self._smtp(request), unquote(request.params["item"]))
        return json_response(204, None)

    def _ctl_invalidate(self, request: Request, body: dict[str, Any]) -> Response:
        self.invalidate_sync_states()
        return json_response(200, {"ok": True})

    def _ctl_busy(self, request: Request, body: dict[str, Any]) -> Response:
        self.server_busy(int(body.get("count", 1)), int(body.get("back_off_ms", 1000)))
        return json_response(200, {"ok": True})


def _folder(box: Mailbox, name_or_id: str) -> Folder:
    if name_or_id in DISTINGUISHED:
        return box.distinguished(name_or_id)
    return box.folder(name_or_id)


def _plain_uri() -> ET.Element:
    return ET.Element(t("FieldURI"))
