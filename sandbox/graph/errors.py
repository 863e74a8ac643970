"""Error bodies in the two shapes Microsoft uses: Graph's ``{"error": {...}}`` and AAD's OAuth one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.base import HttpError, Request, Response, json_response

FAULT_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "ErrorAccessDenied",
    404: "ErrorItemNotFound",
    409: "ErrorIrresolvableConflict",
    429: "TooManyRequests",
    500: "generalException",
    502: "BadGateway",
    503: "ServiceNotAvailable",
    504: "GatewayTimeout",
}
FAULT_MESSAGES = {
    429: "Too many requests. Please try again later.",
    503: "The service is temporarily unavailable. Please try again later.",
    500: "General exception while processing.",
}


def graph_headers(request: Request) -> dict[str, str]:
    client_request_id = request.header("client-request-id") or str(uuid.uuid4())
    return {"request-id": str(uuid.uuid4()), "client-request-id": client_request_id}


def graph_error_response(request: Request, status: int, code: str, message: str) -> Response:
    headers = graph_headers(request)
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": headers["request-id"],
                "client-request-id": headers["client-request-id"],
            },
        }
    }
    return json_response(status, body, headers)


def graph_error(request: Request, status: int, code: str, message: str) -> HttpError:
    return HttpError(graph_error_response(request, status, code, message))


def aad_error_response(status: int, error: str, aadsts: int, description: str) -> Response:
    trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "error": error,
        "error_description": (
            f"AADSTS{aadsts}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} "
            f"Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}"
        ),
        "error_codes": [aadsts],
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": "https://login.microsoftonline.com/error?code=" + str(aadsts),
    }
    return json_response(status, body, {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})


def aad_error(status: int, error: str, aadsts: int, description: str) -> HttpError:
    return HttpError(aad_error_response(status, error, aadsts, description))


class GraphError(Exception):
    """Raised by the stores; the app turns it into a Graph error response for the current request."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
