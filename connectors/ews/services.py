"""exchangelib's item services, with every per-item error returned in place rather than raised.

exchangelib returns only a few item errors (not found, bad change key...) and raises the rest, which
would abandon a batch half-answered after the server had already saved its first items. A whole
request's failures (SOAP faults, HTTP errors) still raise.
"""

from __future__ import annotations

from typing import Any

from exchangelib.errors import ResponseMessageError
from exchangelib.items import ID_ONLY
from exchangelib.properties import ItemId
from exchangelib.services import (
    CreateFolder,
    CreateItem,
    CreateUserConfiguration,
    DeleteItem,
    FindFolder,
    FindItem,
    GetAttachment,
    GetFolder,
    GetItem,
    GetUserConfiguration,
    MoveItem,
    SyncFolderItems,
    UpdateItem,
    UpdateUserConfiguration,
)
from exchangelib.util import TNS


class CreateItems(CreateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class UpdateItems(UpdateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class DeleteItems(DeleteItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class GetItems(GetItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class MoveItems(MoveItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class GetFolders(GetFolder):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class FindFolders(FindFolder):
    """Answers (folder id, display name): exchangelib's own parsing would walk the whole folder tree
    (one more FindFolder) to place each folder under its parent."""

    def _elem_to_obj(self, elem: Any) -> tuple[str, str]:
        folder_id = elem.find(f"{{{TNS}}}FolderId")
        return (
            folder_id.get("Id", "") if folder_id is not None else "",
            elem.findtext(f"{{{TNS}}}DisplayName") or "",
        )


class CreateFolders(CreateFolder):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class GetAttachments(GetAttachment):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class FindItems(FindItem):
    pass  # a whole-folder answer: errors raise


class GetUserConfigurations(GetUserConfiguration):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError  # a missing list is an answer, not a failure


class CreateUserConfigurations(CreateUserConfiguration):
    pass


class UpdateUserConfigurations(UpdateUserConfiguration):
    pass


class Unreadable:
    """A changed item exchangelib could not turn into an object (an item type or value it does not
    know): reported as that item's error, so the rest of the folder is still read."""

    def __init__(self, item_id: str, error: Exception) -> None:
        self.id = item_id
        self.error = f"Exchange item not readable: {type(error).__name__}: {str(error)[:200]}"


class SyncItems(SyncFolderItems):
    """SyncFolderItems where one item that cannot be parsed does not fail the whole page."""

    def _elem_to_obj(self, elem: Any) -> tuple[str, Any]:
        try:
            return super()._elem_to_obj(elem)
        except Exception as error:  # any parse failure of this one element
            found = elem.find(f".//{ItemId.response_tag()}")
            item_id = found.get(ItemId.ID_ATTR, "") if found is not None else ""
            return self.change_types_map.get(elem.tag, self.UPDATE), Unreadable(item_id, error)


def run(service: Any, **kwargs: Any) -> list[Any]:
    """One call of ``service`` (its chunk size is the batch), answers in input order."""
    return list(service.call(**kwargs))


def find_items(
    account: Any,
    *,
    folders: list[Any],
    fields: set[Any],
    restriction: Any = None,
    calendar_view: Any = None,
) -> list[Any]:
    """One FindItem call: the ids and ``fields`` of the items of ``folders`` that match
    ``restriction`` or fall in ``calendar_view`` (shallow, unordered, unpaged)."""
    return run(
        FindItems(account=account),
        folders=folders,
        additional_fields=fields,
        restriction=restriction,
        order_fields=None,
        shape=ID_ONLY,
        query_string=None,
        depth="Shallow",
        calendar_view=calendar_view,
        max_items=None,
        offset=0,
    )
