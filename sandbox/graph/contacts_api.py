"""Graph contact endpoints for one resolved mailbox: the default folder, contacts CRUD and their delta."""

from __future__ import annotations

from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph.contacts import ContactStore, render_contact, render_folder
from sandbox.graph.delta import DeltaTracker
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.paging import context_url, delta_round, list_page, read_body, selected

CONTACT_TYPE = "#microsoft.graph.contact"


class ContactsApi:
    def __init__(self, store: ContactStore, delta: DeltaTracker) -> None:
        self.store = store
        self.delta = delta

    def _folder(self, request: Request, mailbox: Mailbox) -> str:
        """The folder a request names (``/contactFolders/{id}``), which must be the default one."""
        folder_id = self.store.book(mailbox).folder_id
        named = request.params.get("folder")
        if named is not None and unquote(named) != folder_id:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return folder_id

    # -- folders -----------------------------------------------------------------------------------
    def list_folders(self, request: Request, mailbox: Mailbox) -> Response:
        folder = render_folder(self.store.book(mailbox))
        return json_response(
            200, {"@odata.context": context_url(request, mailbox, "contactFolders"), "value": [folder]}
        )

    def get_folder(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        shape = render_folder(self.store.book(mailbox))
        return json_response(
            200, {"@odata.context": context_url(request, mailbox, "contactFolders/$entity"), **shape}
        )

    # -- contacts ----------------------------------------------------------------------------------
    def list_contacts(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        return list_page(
            request, self.store.live(mailbox), render_contact, context_url(request, mailbox, "contacts")
        )

    def create_contact(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        contact = self.store.create(mailbox, read_body(request))
        return self._one(request, mailbox, 201, render_contact(contact))

    def get_contact(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        contact = self.store.get(mailbox, unquote(request.params["contact"]))
        return self._one(request, mailbox, 200, selected(request, render_contact(contact)))

    def update_contact(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        contact = self.store.update(mailbox, unquote(request.params["contact"]), read_body(request))
        return self._one(request, mailbox, 200, render_contact(contact))

    def delete_contact(self, request: Request, mailbox: Mailbox) -> Response:
        self._folder(request, mailbox)
        self.store.delete(mailbox, unquote(request.params["contact"]))
        return json_response(204, None)

    def contacts_delta(self, request: Request, mailbox: Mailbox) -> Response:
        folder_id = self._folder(request, mailbox)
        return delta_round(
            request,
            mailbox,
            self.delta,
            f"contacts:{folder_id}",
            self.store.live(mailbox),
            render_contact,
            CONTACT_TYPE,
        )

    @staticmethod
    def _one(request: Request, mailbox: Mailbox, status: int, shape: dict) -> Response:
        body = {"@odata.context": context_url(request, mailbox, "contacts/$entity"), **shape}
        return json_response(status, body, {"ETag": shape["@odata.etag"]})
