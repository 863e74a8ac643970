"""Salesforce's error shapes: a REST error list, and per-item errors inside collection results."""

from __future__ import annotations

from typing import Any

from sandbox.base import HttpError, json_response


class SalesforceError(Exception):
    """One failed operation, e.g. REQUIRED_FIELD_MISSING on a record."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or []
        self.status = status

    def rest_body(self) -> list[dict[str, Any]]:
        """The body a single-record REST call answers with."""
        return [{"message": self.message, "errorCode": self.code, "fields": self.fields}]

    def item(self) -> dict[str, Any]:
        """An entry of a collection result's `errors`."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def http(self) -> HttpError:
        return HttpError(json_response(self.status, self.rest_body()))


def rest_error(status: int, code: str, message: str) -> HttpError:
    return HttpError(json_response(status, [{"message": message, "errorCode": code}]))


def oauth_error(error: str, description: str, status: int = 400) -> HttpError:
    return HttpError(json_response(status, {"error": error, "error_description": description}))


INVALID_SESSION = (401, "INVALID_SESSION_ID", "Session expired or invalid")
NOT_FOUND_MESSAGE = "The requested resource does not exist"
ROLLED_BACK = SalesforceError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)
