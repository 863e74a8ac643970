"""Delta: what a window or collection holds, rounds paged by skip tokens, sync states behind delta tokens.

A delta token remembers the window (calendarView) or the collection (a contact folder, a To Do list), the
mailbox's change counter and the ids the client has seen, so the next round reports items changed since
then and ``@removed`` for seen ids no longer there. Tokens stay valid until invalidated, so a client may
retry a page after a throttled answer. A token only resumes the collection it was issued for.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sandbox.graph import recurrence, timezones
from sandbox.graph.errors import GraphError
from sandbox.graph.events import Mailbox, Occurrence, StoredEvent


@dataclass(frozen=True)
class WindowItem:
    id: str
    seq: int
    event: StoredEvent
    occurrence: Occurrence | None = None


@dataclass
class SyncState:
    tenant_id: str
    user_id: str
    window_start: datetime
    window_end: datetime
    seq: int
    known: frozenset[str]


class Tracked(Protocol):
    """An item of a collection delta: its id and the mailbox change counter of its last change."""

    id: str
    seq: int


@dataclass
class CollectionState:
    """The sync state of a collection delta (contacts of a folder, tasks of a list)."""

    tenant_id: str
    user_id: str
    collection: str  # e.g. "contacts:{folderId}", "todoTasks:{listId}"
    seq: int
    known: frozenset[str]


CALENDAR_VIEW = "calendarView"


def collection_of(state: SyncState | CollectionState) -> str:
    return state.collection if isinstance(state, CollectionState) else CALENDAR_VIEW


@dataclass
class Round:
    """One delta round: its items fixed when it starts, then handed out page by page."""

    state_after: SyncState | CollectionState
    items: list[Any]  # WindowItem or a tracked collection item; a str is the id of a removed item
    delta_token: str = ""
    page_tokens: dict[int, str] = field(default_factory=dict)


def window_items(mailbox: Mailbox, window_start: datetime, window_end: datetime) -> dict[str, WindowItem]:
    items: dict[str, WindowItem] = {}
    for event in mailbox.events.values():
        if event.deleted:
            continue
        if event.fields.get("recurrence"):
            for occurrence in recurrence.expand(event, window_start, window_end):
                seq = max(event.seq, occurrence.exception.seq if occurrence.exception else 0)
                items[occurrence.id] = WindowItem(occurrence.id, seq, event, occurrence)
        elif event.overlaps(window_start, window_end):
            items[event.id] = WindowItem(event.id, event.seq, event)
    return items


def parse_window_instant(name: str, value: str) -> datetime:
    """startDateTime/endDateTime: ISO 8601; without an offset it is UTC, as Graph reads it."""
    text, offset = value.strip(), ""
    if text.endswith("Z"):
        text, offset = text[:-1], "+0000"
    elif re.search(r"T.*[+-]\d\d:?\d\d$", text):
        text, offset = text[:-6] if text[-3] == ":" else text[:-5], text[-6:].replace(":", "")[-5:]
    try:
        moment = timezones.parse_local(text)
        if offset:
            moment = moment.replace(tzinfo=datetime.strptime(offset, "%z").tzinfo)
    except ValueError as error:
        raise GraphError(
            400, "ErrorInvalidParameter", f"The value '{value}' of parameter '{name}' is invalid."
        ) from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DeltaTracker:
    def __init__(self) -> None:
        self.states: dict[str, SyncState | CollectionState] = {}
        self.pages: dict[str, tuple[Round, int]] = {}

    def start_round(
        self, mailbox: Mailbox, window_start: datetime, window_end: datetime, since: SyncState | None
    ) -> Round:
        current = window_items(mailbox, window_start, window_end)
        if since is None:
            changed = list(current.values())
            removed: list[str] = []
        else:
            changed = [i for i in current.values() if i.id not in since.known or i.seq > since.seq]
            removed = sorted(since.known - current.keys())
        changed.sort(key=lambda i: (i.occurrence.start if i.occurrence else i.event.start, i.id))
        state = SyncState(
            mailbox.tenant_id, mailbox.user_id, window_start, window_end, mailbox.seq, frozenset(current)
        )
        return Round(state, [*changed, *removed])

    def resume(self, mailbox: Mailbox, delta_token: str) -> Round:
        state = self.states.get(delta_token)
        if not isinstance(state, SyncState) or (state.tenant_id, state.user_id) != (
            mailbox.tenant_id,
            mailbox.user_id,
        ):
            raise sync_state_not_found()
        return self.start_round(mailbox, state.window_start, state.window_end, state)

    def start_collection_round(
        self, mailbox: Mailbox, collection: str, live: Iterable[Tracked], since: CollectionState | None
    ) -> Round:
        """A round over a collection; ``live`` in the order the client should see them."""
        current = {item.id: item for item in live}
        if since is None:
            changed: list[Tracked] = list(current.values())
            removed: list[str] = []
        else:
            changed = [i for i in current.values() if i.id not in since.known or i.seq > since.seq]
            removed = sorted(since.known - current.keys())
        state = CollectionState(
            mailbox.tenant_id, mailbox.user_id, collection, mailbox.seq, frozenset(current)
        )
        return Round(state, [*changed, *removed])

    def resume_collection(
        self, mailbox: Mailbox, collection: str, delta_token: str, live: Iterable[Tracked]
    ) -> Round:
        state = self.states.get(delta_token)
        if (
            not isinstance(state, CollectionState)
            or state.collection != collection
            or (state.tenant_id, state.user_id) != (mailbox.tenant_id, mailbox.user_id)
        ):
            raise sync_state_not_found()
        return self.start_collection_round(mailbox, collection, live, state)

    def page(self, mailbox: Mailbox, skip_token: str, collection: str = CALENDAR_VIEW) -> tuple[Round, int]:
        found = self.pages.get(skip_token)
        if (
            found is None
            or (found[0].state_after.tenant_id, found[0].state_after.user_id)
            != (mailbox.tenant_id, mailbox.user_id)
            or collection_of(found[0].state_after) != collection
        ):
            raise sync_state_not_found()
        return found

    def page_token(self, round_: Round, offset: int) -> str:
        if offset not in round_.page_tokens:
            token = secrets.token_urlsafe(48)
            round_.page_tokens[offset] = token
            self.pages[token] = (round_, offset)
        return round_.page_tokens[offset]

    def delta_token(self, round_: Round) -> str:
        if not round_.delta_token:
            round_.delta_token = secrets.token_urlsafe(48)
            self.states[round_.delta_token] = round_.state_after
        return round_.delta_token

    def invalidate(self, tenant_id: str | None = None) -> None:
        self.states = {
            k: s for k, s in self.states.items() if tenant_id is not None and s.tenant_id != tenant_id
        }
        self.pages = {
            k: p
            for k, p in self.pages.items()
            if tenant_id is not None and p[0].state_after.tenant_id != tenant_id
        }


def sync_state_not_found() -> GraphError:
    return GraphError(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found. Please re-initiate the sync (without a "
        "$deltatoken or $skiptoken).",
    )
