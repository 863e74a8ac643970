"""Stored cursors read back: every connector keeps its position in a stream or folder as JSON.

A mail folder's cursor names the folder's role and the provider's own position in it (a Graph delta
link, an EWS sync state, a Gmail history id). A cursor that cannot be read starts a full read: nothing
is lost, only read again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from syncengine.core.email_records import FolderRole

log = logging.getLogger(__name__)


def stored_state(cursor: str, what: str) -> dict[str, Any]:
    """A stored JSON cursor; one that cannot be read (corrupt, another provider's) is {}: the read
    starts in full, so nothing is lost, only read again."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        state = None
    if not isinstance(state, dict):
        log.warning("unreadable %s cursor; reading in full", what)
        return {}
    return state


def folder_state(cursor: str, role: FolderRole, *, position: str, what: str) -> dict[str, Any]:
    """The stored state of one mail folder's read; {} (read in full) when empty, unreadable, another
    folder's, or without the provider's ``position`` in the folder."""
    state = stored_state(cursor, f"{what} mail ({role})")
    if state.get("role") != role or not state.get(position):
        return {}
    return state
