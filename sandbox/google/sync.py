"""Change sequence numbers, sync tokens and page tokens, shared by Calendar, Tasks and People.

Every change stamps the item with the next sequence number. A sync token remembers the number at the
time of the read that issued it (and that read's parameters); a later read with it returns the items
stamped after. Tokens are opaque and kept server-side, so the sandbox can invalidate them.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncState:
    user_id: str
    collection: str  # e.g. "calendar:primary", "people:connections"
    seq: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PageState:
    key: str  # what the listing was: request parameters that must not change between pages
    offset: int
    seq: int  # the sequence number when the first page was read
    sync: SyncState | None = None  # the delta being paged, when the listing is one


class Tokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._sync: dict[str, SyncState] = {}
        self._pages: dict[str, PageState] = {}

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    @property
    def seq(self) -> int:
        return self._seq

    def issue_sync(self, state: SyncState) -> str:
        token = secrets.token_urlsafe(18)
        self._sync[token] = state
        return token

    def sync_state(self, token: str, user_id: str, collection: str) -> SyncState | None:
        state = self._sync.get(token)
        if state is None or state.user_id != user_id or state.collection != collection:
            return None
        return state

    def invalidate(self, user_id: str | None = None) -> int:
        """Forget sync tokens (all, or one user's): using one then answers as expired."""
        stale = [t for t, s in self._sync.items() if user_id is None or s.user_id == user_id]
        for token in stale:
            del self._sync[token]
        return len(stale)

    def issue_page(self, state: PageState) -> str:
        token = secrets.token_urlsafe(18)
        self._pages[token] = state
        return token

    def page_state(self, token: str, key: str) -> PageState | None:
        state = self._pages.get(token)
        return state if state is not None and state.key == key else None


def page_size(raw: str, default: int, maximum: int) -> int:
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return max(1, min(value or default, maximum))
