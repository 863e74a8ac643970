"""Paging and sync tokens for list endpoints (one helper, so every list pages the same way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.google.errors import bad_request
from sandbox.google.sync import PageState, SyncState, Tokens


def paged(
    tokens: Tokens,
    *,
    key: str,
    page_token: str,
    size: int,
    sync: SyncState | None,
    items: Callable[[PageState], list[dict[str, Any]]],
    new_sync: Callable[[int], SyncState] | None,
    items_key: str = "items",
    page_key: str = "nextPageToken",
) -> dict[str, Any]:
    """One page of ``items(state)``; the last page carries ``nextSyncToken`` when ``new_sync`` is given.

    The sync token of a paged read covers changes from the moment its first page was read, so a change
    made while paging is reported again by the next delta rather than lost.
    """
    if page_token:
        state = tokens.page_state(page_token, key)
        if state is None:
            raise bad_request("Invalid page token value.")
    else:
        state = PageState(key=key, offset=0, seq=tokens.seq, sync=sync)
    everything = items(state)
    chunk = everything[state.offset : state.offset + size]
    out: dict[str, Any] = {items_key: chunk}
    if state.offset + size < len(everything):
        out[page_key] = tokens.issue_page(PageState(key, state.offset + size, state.seq, state.sync))
    elif new_sync is not None:
        out["nextSyncToken"] = tokens.issue_sync(new_sync(state.seq))
    return out
