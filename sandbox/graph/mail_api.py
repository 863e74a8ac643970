"""Graph mail endpoints for one resolved mailbox: folders, messages, their delta, attachments, categories.

``/me/messages`` spans every folder; ``/me/mailFolders/{f}/messages`` one folder (``f``: an id or a
well-known name such as ``inbox``). A folder's message delta keeps its ``$filter`` (received date floor),
``$select`` and ``changeType`` in the sync state, so nextLink/deltaLink rounds need no query options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sandbox.base import Request, Response, json_response
from sandbox.graph import mail_query
from sandbox.graph.delta import CollectionState, DeltaTracker, Round, sync_state_not_found
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox
from sandbox.graph.mail import (
    MailFolder,
    MailStore,
    StoredMessage,
    bad,
    conversation_id,
    conversation_index,
    internet_message_id,
    item_body,
    message_fields,
    recipient,
    recipients,
    string_list,
)
from sandbox.graph.mail_render import mime, render_attachment, render_folder, render_message
from sandbox.graph.odata import delta_page, delta_page_size, preferences
from sandbox.graph.paging import context_url, entity, list_page, read_body

MESSAGE_TYPE = "#microsoft.graph.message"
DEFAULT_DELTA_PAGE = 10  # Outlook's default page for message delta; clients ask more with Prefer
CHANGE_TYPES = ("", "created", "updated", "deleted")
DRAFT_KEYS = {"subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "categories", "@odata.type"}


@dataclass
class MessageState(CollectionState):
    """A folder's message delta state, with the options the first request of the round gave."""

    floor: datetime | None = None
    strict: bool = False  # gt rather than ge
    select: frozenset[str] | None = None
    change_type: str = ""


def body_type(request: Request) -> str:
    wanted = preferences(request).get("outlook.body-content-type", "").lower()
    return wanted if wanted in ("text", "html") else "html"


def select_of(request: Request) -> frozenset[str] | None:
    raw = request.query.get("$select")
    return None if raw is None else frozenset(s.strip() for s in raw.split(",") if s.strip())


def pick(shape: dict[str, Any], select: frozenset[str] | None) -> dict[str, Any]:
    if select is None:
        return shape
    keep = {"@odata.etag", "@odata.type", "id"} | select
    return {k: v for k, v in shape.items() if k in keep}


class MailApi:
    def __init__(self, store: MailStore, delta: DeltaTracker) -> None:
        self.store = store
        self.delta = delta

    def _folder(self, request: Request, mailbox: Mailbox) -> MailFolder:
        return self.store.folder(mailbox, unquote(request.params["folder"]))

    def _render(self, request: Request, select: frozenset[str] | None = None) -> Any:
        kind = body_type(request)
        chosen = select if select is not None else select_of(request)
        return lambda m: pick(render_message(m, kind, set(chosen) if chosen else None), chosen)

    # -- folders -----------------------------------------------------------------------------------
    def list_folders(self, request: Request, mailbox: Mailbox, parent_id: str | None = None) -> Response:
        account = self.store.account(mailbox)
        parent = parent_id or account.root_id
        test = mail_query.folder_filter(request.query.get("$filter"))
        folders = [f for f in self.store.children(mailbox, parent) if test(f)]
        return list_page(
            request,
            folders,
            lambda f: render_folder(account, f),
            context_url(request, mailbox, "mailFolders"),
        )

    def list_child_folders(self, request: Request, mailbox: Mailbox) -> Response:
        return self.list_folders(request, mailbox, self._folder(request, mailbox).id)

    def create_folder(self, request: Request, mailbox: Mailbox) -> Response:
        parent = request.params.get("folder")
        folder = self.store.create_folder(
            mailbox, unquote(parent) if parent else "msgfolderroot", read_body(request)
        )
        shape = render_folder(self.store.account(mailbox), folder)
        return entity(request, mailbox, 201, "mailFolders", shape)

    def get_folder(self, request: Request, mailbox: Mailbox) -> Response:
        shape = render_folder(self.store.account(mailbox), self._folder(request, mailbox))
        return entity(request, mailbox, 200, "mailFolders", shape)

    # -- messages ----------------------------------------------------------------------------------
    def list_messages(self, request: Request, mailbox: Mailbox) -> Response:
        folder_id = self._folder(request, mailbox).id if "folder" in request.params else None
        if request.query.get("$search"):
            raise GraphError(400, "ErrorInvalidUrlQuery", "$search is not supported by this sandbox.")
        test = mail_query.message_filter(request.query.get("$filter"))
        found = [m for m in self.store.live(mailbox, folder_id) if test(m)]
        found = mail_query.order(found, request.query.get("$orderby"))
        return list_page(request, found, self._render(request), context_url(request, mailbox, "messages"))

    def get_message(self, request: Request, mailbox: Mailbox) -> Response:
        message = self._message(request, mailbox)
        return self._one(request, mailbox, 200, self._render(request)(message))

    def update_message(self, request: Request, mailbox: Mailbox) -> Response:
        folder_id = self._folder(request, mailbox).id if "folder" in request.params else None
        message = self.store.update(
            mailbox, unquote(request.params["message"]), read_body(request), folder_id
        )
        return self._one(request, mailbox, 200, render_message(message, body_type(request)))

    def delete_message(self, request: Request, mailbox: Mailbox) -> Response:
        self.store.delete(mailbox, self._message(request, mailbox).id)
        return json_response(204, None)

    def create_draft(self, request: Request, mailbox: Mailbox) -> Response:
        """``POST /me/messages``: a draft from this user, in Drafts (or the folder the URL names)."""
        body = read_body(request)
        if not isinstance(body, dict):
            raise bad("The request body is not a valid message.")
        unknown = set(body) - DRAFT_KEYS
        if unknown:
            raise bad(
                f"The property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.message'."
            )
        folder = self._folder(request, mailbox) if "folder" in request.params else None
        now = datetime.now(UTC)
        me = recipient({"emailAddress": {"address": mailbox.mail, "name": mailbox.display_name}})
        fields = message_fields(
            sender=me,
            to=recipients(body.get("toRecipients")),
            cc=recipients(body.get("ccRecipients")),
            bcc=recipients(body.get("bccRecipients")),
            subject=str(body.get("subject") or ""),
            body=item_body(body.get("body") or ""),
            sent=now,
            received=now,
            internet_id=internet_message_id(mailbox.mail.rsplit("@", 1)[-1]),
            conversation=conversation_id(),
            index=conversation_index(None, now),
            is_draft=True,
            is_read=True,
            categories=string_list("categories", body.get("categories") or []),
        )
        target = folder or self.store.folder(mailbox, "drafts")
        draft = self.store.put(mailbox, target.id, fields)
        return self._one(request, mailbox, 201, render_message(draft, body_type(request)))

    def move_message(self, request: Request, mailbox: Mailbox) -> Response:
        body = read_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("destinationId"), str):
            raise GraphError(400, "ErrorInvalidRequest", "The request is invalid: destinationId is required.")
        moved = self.store.move(mailbox, self._message(request, mailbox).id, body["destinationId"])
        return self._one(request, mailbox, 201, render_message(moved, body_type(request)))

    def message_mime(self, request: Request, mailbox: Mailbox) -> Response:
        return Response(200, mime(self._message(request, mailbox)), {"Content-Type": "text/plain"})

    def _message(self, request: Request, mailbox: Mailbox) -> StoredMessage:
        folder_id = self._folder(request, mailbox).id if "folder" in request.params else None
        return self.store.get(mailbox, unquote(request.params["message"]), folder_id)

    @staticmethod
    def _one(request: Request, mailbox: Mailbox, status: int, shape: dict[str, Any]) -> Response:
        return entity(request, mailbox, status, "messages", shape, {"ETag": shape.get("@odata.etag", "")})

    # -- delta -------------------------------------------------------------------------------------
    def messages_delta(self, request: Request, mailbox: Mailbox) -> Response:
        folder = self._folder(request, mailbox)
        collection = f"messages:{folder.id}"
        offset = 0
        if "$skiptoken" in request.query:
            round_, offset = self.delta.page(mailbox, request.query["$skiptoken"], collection)
        elif "$deltatoken" in request.query:
            state = self.delta.states.get(request.query["$deltatoken"])
            if (
                not isinstance(state, MessageState)
                or state.collection != collection
                or (state.tenant_id, state.user_id) != (mailbox.tenant_id, mailbox.user_id)
            ):
                raise sync_state_not_found()
            round_ = self._round(mailbox, folder, state, state)
        else:
            change_type = request.query.get("changeType", "")
            if change_type not in CHANGE_TYPES:
                raise GraphError(
                    400, "ErrorInvalidUrlQuery", f"The changeType '{change_type}' is not supported."
                )
            if "$orderby" in request.query:
                mail_query.order([], request.query["$orderby"])  # validates: only receivedDateTime
            floor, strict = mail_query.received_floor(request.query.get("$filter"))
            options = MessageState(
                mailbox.tenant_id, mailbox.user_id, collection, 0, frozenset(), floor, strict,
                select_of(request), change_type,
            )  # fmt: skip
            round_ = self._round(mailbox, folder, options, None)
        return self._delta_page(request, round_, offset)

    def _round(
        self, mailbox: Mailbox, folder: MailFolder, options: MessageState, since: MessageState | None
    ) -> Round:
        def inside(m: StoredMessage) -> bool:
            if options.floor is None:
                return True
            return m.received > options.floor if options.strict else m.received >= options.floor

        current = {m.id: m for m in self.store.live(mailbox, folder.id) if inside(m)}
        if since is None:
            changed: list[Any] = list(current.values())
            removed: list[str] = []
        else:
            created = [m for i, m in current.items() if i not in since.known]
            updated = [m for i, m in current.items() if i in since.known and m.seq > since.seq]
            removed = sorted(since.known - current.keys())
            kind = since.change_type
            changed = (created if kind in ("", "created") else []) + (
                updated if kind in ("", "updated") else []
            )
            removed = removed if kind in ("", "deleted") else []
        state = MessageState(
            mailbox.tenant_id, mailbox.user_id, options.collection, mailbox.seq, frozenset(current),
            options.floor, options.strict, options.select, options.change_type,
        )  # fmt: skip
        return Round(state, [*changed, *removed])

    def _delta_page(self, request: Request, round_: Round, offset: int) -> Response:
        state = round_.state_after
        assert isinstance(state, MessageState)
        headers: dict[str, str] = {}
        page_size = delta_page_size(request, DEFAULT_DELTA_PAGE, headers)
        render = self._render(request, state.select)
        return delta_page(request, self.delta, round_, offset, page_size, MESSAGE_TYPE, render, headers)

    # -- attachments -------------------------------------------------------------------------------
    def list_attachments(self, request: Request, mailbox: Mailbox) -> Response:
        message = self._message(request, mailbox)
        select = select_of(request)
        with_content = select is None or "contentBytes" in select
        items = list(message.attachments.values())
        return list_page(
            request,
            items,
            lambda a: pick(render_attachment(a, with_content), select),
            context_url(request, mailbox, f"messages('{message.id}')/attachments"),
        )

    def get_attachment(self, request: Request, mailbox: Mailbox) -> Response:
        found = self.store.attachment(
            mailbox, self._message(request, mailbox).id, unquote(request.params["attachment"])
        )
        select = select_of(request)
        shape = pick(render_attachment(found, select is None or "contentBytes" in select), select)
        return entity(request, mailbox, 200, "attachments", shape)

    def attachment_value(self, request: Request, mailbox: Mailbox) -> Response:
        found = self.store.attachment(
            mailbox, self._message(request, mailbox).id, unquote(request.params["attachment"])
        )
        return Response(200, found.content, {"Content-Type": found.content_type})

    def add_attachment(self, request: Request, mailbox: Mailbox) -> Response:
        message = self._message(request, mailbox)
        if not message.fields["isDraft"]:
            raise GraphError(
                400,
                "ErrorInvalidPropertyUpdateSentMessage",
                "Update operation is not supported for this property on a sent message.",
            )
        attachment = self.store.add_attachment(mailbox, message.id, read_body(request))
        return json_response(201, render_attachment(attachment))

    # -- categories --------------------------------------------------------------------------------
    def list_categories(self, request: Request, mailbox: Mailbox) -> Response:
        account = self.store.account(mailbox)
        values = [{"id": i, "displayName": n, "color": c} for i, (n, c) in account.categories.items()]
        return json_response(
            200,
            {"@odata.context": context_url(request, mailbox, "outlook/masterCategories"), "value": values},
        )

    def create_category(self, request: Request, mailbox: Mailbox) -> Response:
        category_id = self.store.create_category(mailbox, read_body(request))
        name, color = self.store.account(mailbox).categories[category_id]
        shape = {"id": category_id, "displayName": name, "color": color}
        return entity(request, mailbox, 201, "outlook/masterCategories", shape)
