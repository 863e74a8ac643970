"""What the Graph item stores (events, contacts, To Do, mail) share: ids, their errors, body checks."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sandbox.graph.errors import GraphError

T = TypeVar("T")


def new_id() -> str:
    return "AAMkA" + base64.urlsafe_b64encode(b"\x00\x00" + secrets.token_bytes(100)).decode("ascii")


def new_change_key() -> str:
    return base64.b64encode(secrets.token_bytes(22)).decode("ascii")


def bad(message: str) -> GraphError:
    return GraphError(400, "RequestBodyRead", message)


def not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def cannot_convert(value: Any, type_name: str) -> GraphError:
    return bad(f"Cannot convert the literal '{value}' to the expected type '{type_name}'.")


def writable_items(
    body: dict[str, Any], type_name: str, writable: Collection[str], ignored: Collection[str]
) -> Iterator[tuple[str, Any]]:
    """A body's properties to write: annotations and ``ignored`` ones skipped, unknown ones refused."""
    for key, value in body.items():
        if key.startswith("@odata.") or key in ignored:
            continue
        if key not in writable:
            raise bad(
                f"The property '{key}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to "
                "only use property names that are defined by the type or mark the type as open type."
            )
        yield key, value


def required_display_name(
    body: Any,
    code: str = "ErrorInvalidRequest",
    message: str = "The request is invalid: displayName is required.",
) -> str:
    """The non-empty ``displayName`` a body creating a folder, list or category must carry."""
    if not isinstance(body, dict) or not isinstance(body.get("displayName"), str) or not body["displayName"]:
        raise GraphError(400, code, message)
    return body["displayName"]


def refuse_unknown(body: dict[str, Any], allowed: Collection[str], type_name: str) -> None:
    unknown = set(body) - {*allowed, "@odata.type"}
    if unknown:
        first = sorted(unknown)[0]
        raise bad(f"The property '{first}' does not exist on type 'microsoft.graph.{type_name}'.")


@dataclass
class StoredItem:
    """What a stored contact or message carries: ids, times, the mailbox change counter, its fields."""

    id: str
    folder_id: str
    created: datetime
    modified: datetime
    change_key: str
    seq: int
    fields: dict[str, Any]  # Graph property name -> value, already normalised


class MailboxKey(Protocol):
    """What names a mailbox (sandbox/graph/events.Mailbox has it), without importing it here."""

    tenant_id: str
    user_id: str


class PerMailbox(Generic[T]):
    """One ``T`` per mailbox (its tenant and user), made on first use: ``store.book(mailbox)``."""

    def __init__(self, make: Callable[[], T]) -> None:
        self.make = make
        self.made: dict[tuple[str, str], T] = {}

    def __call__(self, mailbox: MailboxKey) -> T:
        key = (mailbox.tenant_id, mailbox.user_id)
        if key not in self.made:
            self.made[key] = self.make()
        return self.made[key]


class FolderItem(Protocol):
    folder_id: str
    deleted: bool


Item = TypeVar("Item", bound=FolderItem)


def live_item(items: dict[str, Item], item_id: str, folder_id: str | None = None) -> Item:
    """A live item by id, from any folder unless ``folder_id`` names the one it must be in; 404 otherwise."""
    item = items.get(item_id)
    if item is None or item.deleted or (folder_id is not None and item.folder_id != folder_id):
        raise not_found()
    return item
