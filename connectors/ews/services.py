"""exchangelib's item services, with every per-item error returned in place rather than raised.

exchangelib returns only a few item errors (not found, bad change key...) and raises the rest, which
would abandon a batch half-answered after the server had already saved its first items. A whole
request's failures (SOAP faults, HTTP errors) still raise.
"""

from __future__ import annotations

from typing import Any

from exchangelib.errors import ResponseMessageError
from exchangelib.services import CreateItem, DeleteItem, GetItem, UpdateItem


class CreateItems(CreateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class UpdateItems(UpdateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class DeleteItems(DeleteItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


class GetItems(GetItem):
    ERRORS_TO_CATCH_IN_RESPONSE = ResponseMessageError


def run(service: Any, **kwargs: Any) -> list[Any]:
    """One call of ``service`` (its chunk size is the batch), answers in input order."""
    return list(service.call(**kwargs))
