"""JSON batching: ``POST /v1.0/$batch`` runs up to 20 sub-requests and answers them in shuffled order.

Each sub-request goes through the app's normal dispatch (so faults can hit one item) and is logged with
kind "batch-item"; the batch itself is logged once as an "api" call.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.base import Request, Response
from sandbox.graph.errors import GraphError

MAX_REQUESTS = 20
ITEM_HEADERS = ("content-type", "retry-after", "location", "etag", "preference-applied")

Dispatch = Callable[[Request], Response]


def _problem_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _item_error(item_id: str, status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "status": status,
        "headers": {"Content-Type": "application/json"},
        "body": _problem_body(code, message),
    }


def _validate(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    items = payload["requests"]
    if not items:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    if len(items) > MAX_REQUESTS:
        raise GraphError(400, "BadRequest", f"Number of requests exceeds the limit of {MAX_REQUESTS}.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("id", "method", "url")
        ):
            raise GraphError(400, "BadRequest", "Invalid batch payload format.")
        if item["id"] in seen:
            raise GraphError(400, "BadRequest", "Request Id must be unique within a batch.")
        if item["url"].startswith(("http://", "https://")):
            raise GraphError(400, "BadRequest", "Invalid request URL: the URL must be relative.")
        seen.add(item["id"])
    return items


def sub_request(outer: Request, item: dict[str, Any]) -> Request:
    url = item["url"] if item["url"].startswith("/") else "/" + item["url"]
    parts = urlsplit(url)
    path = parts.path if parts.path.startswith("/v1.0/") else "/v1.0" + parts.path
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    headers["authorization"] = outer.header("authorization")
    for inherited in ("client-request-id",):
        if inherited not in headers and outer.header(inherited):
            headers[inherited] = outer.header(inherited)
    body = item.get("body")
    return Request(
        method=item["method"].upper(),
        path=path,
        query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
        repeated=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=b"" if body is None else json.dumps(body).encode("utf-8"),
        base_url=outer.base_url,
    )


class BatchRunner:
    def __init__(self, dispatch: Dispatch, log_item: Callable[[Request, int], None], seed: int = 20) -> None:
        self.dispatch = dispatch
        self.log_item = log_item
        self.random = random.Random(seed)

    def run(self, outer: Request) -> dict[str, Any]:
        try:
            payload = outer.json()
        except ValueError as error:
            raise GraphError(400, "BadRequest", "Invalid batch payload format.") from error
        statuses: dict[str, int] = {}
        responses: list[dict[str, Any]] = []
        for item in _validate(payload):
            answer = self._one(outer, item, statuses)
            statuses[item["id"]] = answer["status"]
            responses.append(answer)
        order = list(range(len(responses)))
        self.random.shuffle(order)
        if len(order) > 1 and order == sorted(order):
            order.reverse()  # clients must never rely on the order
        return {"responses": [responses[i] for i in order]}

    def _one(self, outer: Request, item: dict[str, Any], statuses: dict[str, int]) -> dict[str, Any]:
        depends = item.get("dependsOn") or []
        if any(statuses.get(d, 200) >= 400 for d in depends):
            return _item_error(item["id"], 424, "FailedDependency", "The dependent request failed.")
        if item.get("body") is not None and not any(
            str(k).lower() == "content-type" for k in (item.get("headers") or {})
        ):
            return _item_error(
                item["id"],
                400,
                "BadRequest",
                f"Write request id : {item['id']} does not contain Content-Type header or body.",
            )
        request = sub_request(outer, item)
        if request.path.rstrip("/").endswith("$batch"):
            self.log_item(request, 400)
            return _item_error(item["id"], 400, "BadRequest", "Nested batch requests are not supported.")
        response = self.dispatch(request)
        self.log_item(request, response.status)
        answer: dict[str, Any] = {
            "id": item["id"],
            "status": response.status,
            "headers": {k: v for k, v in response.headers.items() if k.lower() in ITEM_HEADERS},
        }
        if response.body:
            try:
                answer["body"] = json.loads(response.body)
            except ValueError:
                answer["body"] = response.body.decode("utf-8", "replace")
        return answer
