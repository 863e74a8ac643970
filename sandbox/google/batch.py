"""Google batch: ``POST /batch/{api}/{version}`` with a multipart/mixed body of application/http parts.

Each part is one HTTP request (request line, headers, body) with a ``Content-ID``; the answer is a
multipart/mixed body whose parts carry ``Content-ID: <response-...>`` and the sub-response. Parts run
through the app's normal dispatch, so faults can hit one item, and each is logged as a "batch-item".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from email.parser import BytesParser, Parser
from email.policy import HTTP
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from sandbox.base import Request, Response
from sandbox.google.errors import bad_request

LIMITS = {"calendar": 50, "gmail": 100}  # calls per batch; the other APIs take 1,000
DEFAULT_LIMIT = 1000
PREFIXES = {"calendar": "/calendar/v3/", "tasks": "/tasks/v1/", "people": "/v1/", "gmail": "/gmail/v1/"}


def parse_parts(request: Request) -> list[tuple[str, Request]]:
    """(Content-ID, sub-request) for every part, in order; 400 for a body that is not a batch."""
    content_type = request.header("content-type")
    if not content_type.lower().startswith("multipart/mixed") or "boundary" not in content_type:
        raise bad_request("Batch requests must be multipart/mixed with a boundary.")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body
    )
    out = []
    for part in message.iter_parts():
        if part.get_content_type() != "application/http":
            raise bad_request("Each batch part must be application/http.")
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(part.get_payload())
        request_line, _, rest = text.replace("\r\n", "\n").partition("\n")
        pieces = request_line.split(" ")
        if len(pieces) < 2:
            raise bad_request(f"Invalid batch part request line: {request_line!r}")
        head, _, body = rest.partition("\n\n")
        headers = Parser().parsestr(head + "\n\n", headersonly=True)
        url = urlsplit(pieces[1])
        out.append(
            (
                str(part.get("Content-ID") or ""),
                Request(
                    method=pieces[0].upper(),
                    path=url.path,
                    query={k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                    repeated=parse_qs(url.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in headers.items()},
                    body=body.encode("utf-8"),
                    base_url=request.base_url,
                ),
            )
        )
    return out


def render(answers: list[tuple[str, Response]]) -> Response:
    boundary = "batch_" + secrets.token_hex(12)
    chunks = []
    for content_id, response in answers:
        reply_id = content_id.replace("<", "<response-", 1) if content_id else ""
        lines = [f"--{boundary}", "Content-Type: application/http"]
        if reply_id:
            lines.append(f"Content-ID: {reply_id}")
        lines += ["", f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        lines += ["", response.body.decode("utf-8"), ""]
        chunks.append("\r\n".join(lines))
    body = "\r\n".join(chunks) + f"\r\n--{boundary}--\r\n"
    return Response(200, body.encode("utf-8"), {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def run(
    api: str, request: Request, dispatch: Callable[[Request], Response], log: Callable[[Request, int], None]
) -> Response:
    parts = parse_parts(request)
    if not parts:
        raise bad_request("A batch request must contain at least one part.")
    limit = LIMITS.get(api, DEFAULT_LIMIT)
    if len(parts) > limit:
        raise bad_request(f"Too many requests in batch: {len(parts)} (the limit is {limit}).")
    answers = []
    for content_id, sub in parts:
        if "authorization" not in sub.headers and request.header("authorization"):
            sub.headers["authorization"] = request.header("authorization")
        if not sub.path.startswith(PREFIXES[api]):
            answer = Response(404, b"Not Found", {"Content-Type": "text/html"})
        else:
            answer = dispatch(sub)
        if sub.tenant and not request.tenant:
            request.tenant, request.user = sub.tenant, sub.user
        log(sub, answer.status)
        answers.append((content_id, answer))
    return render(answers)
