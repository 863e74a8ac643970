"""Graph contact endpoints for one resolved mailbox: contact folders, contacts CRUD and their delta.

``/me/contacts`` is the default folder for lists, creation and delta; ``/me/contacts/{id}`` finds a contact
in any folder, ``/me/contactFolders/{f}/contacts/{id}`` only in folder ``f``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph import extended
from sandbox.graph.contacts import ContactStore, render_contact, render_folder
from sandbox.graph.delta import DeltaTracker
from sandbox.graph.events import Mailbox
from sandbox.graph.paging import context_url, delta_round, entity, list_page, read_body, selected

CONTACT_TYPE = "#microsoft.graph.contact"


class ContactsApi:
    def __init__(self, store: ContactStore, delta: DeltaTracker) -> None:
        self.store = store
        self.delta = delta

    @staticmethod
    def _named(request: Request) -> str | None:
        """The folder a request names (``/contactFolders/{id}/...``), None for ``/contacts``."""
        named = request.params.get("folder")
        return None if named is None else unquote(named)

    def _folder(self, request: Request, mailbox: Mailbox) -> str:
        """The folder a request works in: the one it names (which must exist), else the default one."""
        return self.store.folder(mailbox, self._named(request))

    # -- folders -----------------------------------------------------------------------------------
    def list_folders(self, request: Request, mailbox: Mailbox) -> Response:
        book = self.store.book(mailbox)
        return list_page(
            request,
            list(book.folders),
            lambda folder_id: render_folder(book, folder_id),
            context_url(request, mailbox, "contactFolders"),
        )

    def create_folder(self, request: Request, mailbox: Mailbox) -> Response:
        folder_id = self.store.create_folder(mailbox, read_body(request))
        shape = render_folder(self.store.book(mailbox), folder_id)
        return entity(request, mailbox, 201, "contactFolders", shape)

    def get_folder(self, request: Request, mailbox: Mailbox) -> Response:
        shape = render_folder(self.store.book(mailbox), self._folder(request, mailbox))
        return entity(request, mailbox, 200, "contactFolders", shape)

    # -- contacts ----------------------------------------------------------------------------------
    def list_contacts(self, request: Request, mailbox: Mailbox) -> Response:
        return list_page(
            request,
            self.store.live(mailbox, self._folder(request, mailbox)),
            render_contact,
            context_url(request, mailbox, "contacts"),
            extended.of,
        )

    def create_contact(self, request: Request, mailbox: Mailbox) -> Response:
        contact = self.store.create(mailbox, read_body(request), self._folder(request, mailbox))
        return self._one(request, mailbox, 201, render_contact(contact))

    def get_contact(self, request: Request, mailbox: Mailbox) -> Response:
        contact = self.store.get(mailbox, unquote(request.params["contact"]), self._named(request))
        shape = extended.expanded(request, selected(request, render_contact(contact)), extended.of(contact))
        return self._one(request, mailbox, 200, shape)

    def update_contact(self, request: Request, mailbox: Mailbox) -> Response:
        contact_id = unquote(request.params["contact"])
        contact = self.store.update(mailbox, contact_id, read_body(request), self._named(request))
        return self._one(request, mailbox, 200, render_contact(contact))

    def delete_contact(self, request: Request, mailbox: Mailbox) -> Response:
        self.store.delete(mailbox, unquote(request.params["contact"]), self._named(request))
        return json_response(204, None)

    def contacts_delta(self, request: Request, mailbox: Mailbox) -> Response:
        folder_id = self._folder(request, mailbox)
        return delta_round(
            request,
            mailbox,
            self.delta,
            f"contacts:{folder_id}",
            self.store.live(mailbox, folder_id),
            render_contact,
            CONTACT_TYPE,
        )

    @staticmethod
    def _one(request: Request, mailbox: Mailbox, status: int, shape: dict[str, Any]) -> Response:
        return entity(request, mailbox, status, "contacts", shape, {"ETag": shape["@odata.etag"]})
