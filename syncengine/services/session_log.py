"""A session's own log lines, kept with it for support to read and download: what this thread logged
while the session ran (retries, throttling, skipped items, crashes), capped in lines and length.
Our log lines carry no secrets (tokens and bodies are never logged), so what is kept is what the
server's log already says."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MOST_LINES = 2000
LONGEST_LINE = 1000
FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


class _ThreadLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.thread = threading.get_ident()
        self.lines: list[str] = []
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another session on another worker thread
        if len(self.lines) >= MOST_LINES:
            self.dropped += 1
            return
        try:
            self.lines.append(FORMAT.format(record)[:LONGEST_LINE])
        except Exception:  # a malformed log call must not end the session
            self.handleError(record)

    def text(self) -> str:
        more = f"\n… {self.dropped} more lines (see the server's log)" if self.dropped else ""
        return "\n".join(self.lines) + more


@contextmanager
def session_log_capture() -> Iterator[_ThreadLines]:
    handler = _ThreadLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
