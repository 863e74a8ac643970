"""Google's JSON error shape: ``{"error": {"code", "message", "errors": [{reason}], "status"}}``."""

from __future__ import annotations

from typing import Any

from sandbox.base import HttpError, Request, Response, json_response

STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    410: "GONE",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
FAULT_REASONS = {429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}


def error_body(status: int, message: str, reason: str, rpc_status: str = "") -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "status": rpc_status or STATUS_TEXT.get(status, "UNKNOWN"),
        }
    }


def google_error(status: int, message: str, reason: str, rpc_status: str = "") -> HttpError:
    return HttpError(json_response(status, error_body(status, message, reason, rpc_status)))


def oauth_error(status: int, error: str, description: str) -> HttpError:
    return HttpError(json_response(status, {"error": error, "error_description": description}))


def bad_request(message: str) -> HttpError:
    return google_error(400, message, "invalid")


def not_found(message: str = "Not Found") -> HttpError:
    return google_error(404, message, "notFound")


def fault(status: int) -> Response:
    reason = FAULT_REASONS.get(status, "backendError")
    message = "Rate Limit Exceeded" if status == 429 else "Backend Error"
    return json_response(status, error_body(status, message, reason))


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} when empty), or Google's 400 for anything else."""
    try:
        body = request.json()
    except ValueError:
        raise bad_request("Invalid JSON payload received.") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    return body
