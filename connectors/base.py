"""The one interface every connector implements, its one error type, and retry in one place.

Mail side (Graph now; EWS and Google later) implements ``MailConnector``; Salesforce implements
``CrmConnector``. Both report the HTTP requests they made in ``calls`` (API) and ``token_calls``
(login traffic), which the session records per side.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)
T = TypeVar("T")


class ConnectorError(Exception):
    """Anything that went wrong talking to a provider.

    ``permanent``: retrying the same call cannot help (bad request, revoked consent, missing
    permission). ``auth_expired``: the access token is no longer accepted; refresh once and retry.
    ``retry_after``: seconds the provider asked us to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        auth_expired: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.status = status
        self.retry_after = retry_after
        self.auth_expired = auth_expired


def within(url: str, base: str) -> bool:
    """Whether ``url`` is on ``base``'s scheme, host and port and under its path: the only links a
    connector follows with a credential (a stored cursor or a page's next link naming another host
    is never sent the token)."""
    got, home = urlsplit(url), urlsplit(base)
    if (got.scheme.lower(), got.hostname, got.port) != (home.scheme.lower(), home.hostname, home.port):
        return False
    if got.username is not None or got.password is not None:
        return False
    prefix = home.path.rstrip("/")
    return got.path == prefix or got.path.startswith(prefix + "/")


class CursorInvalidError(ConnectorError):
    """The stored cursor is no longer accepted (Graph 410, Google 410, Gmail 404): read in full."""

    def __init__(self, message: str) -> None:
        # Repeating the same read cannot help; the caller starts a full read instead.
        super().__init__(message, permanent=True, code="CURSOR_INVALID")


class ForeignLinkError(CursorInvalidError):
    """A link to follow (a stored cursor, a next page) names a host that is not the provider's: it is
    not followed, and a caller that reads in full on an invalid cursor does so."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} pointed outside the provider's API; it was not followed.")
        self.code = "FOREIGN_LINK"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 1.0
    max_wait: float = 60.0  # a longer Retry-After fails the call; the session is retried later


def call_with_retry(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    refresh_auth: Callable[[], None] | None = None,
    what: str = "call",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; back off on transient errors (429 Retry-After, 5xx, limits); refresh once."""
    refreshed = False
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except ConnectorError as error:
            if error.auth_expired and refresh_auth is not None and not refreshed:
                refreshed = True
                refresh_auth()
                attempt -= 1  # the refresh is not a failed attempt
                continue
            if error.permanent or error.auth_expired or attempt >= policy.max_attempts:
                raise
            wait = error.retry_after
            if wait is None:
                wait = min(policy.base_delay * 2 ** (attempt - 1), policy.max_wait) * random.uniform(0.5, 1.0)
            if wait > policy.max_wait:
                raise
            log.info(
                "%s: %s; retrying in %.1fs (attempt %d)", what, error.code or error.message, wait, attempt
            )
            sleep(wait)


@dataclass
class WriteResult:
    """The outcome of one item in a batch write."""

    ok: bool
    id: str = ""  # the record's id on the written side
    version: str = ""
    created: bool | None = None  # an upsert: True if it made the record, False if one existed
    code: str = ""
    message: str = ""
    permanent: bool = True


class CrmConnector(Protocol):
    calls: int
    token_calls: int

    def read_changes(self, *, crm_object: str, fields: Sequence[str], cursor: str) -> ChangeSet: ...

    def upsert(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Create-or-update by the sync-key External ID (repeatable); one result per record."""
        ...

    def read_items(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        ids: Sequence[str],
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
        label_field: str = "",
    ) -> dict[str, ItemChange]:
        """These records as they are now (deleted ones too), batched: id -> change."""
        ...

    def update(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]: ...

    def delete(self, *, ids: Sequence[str]) -> list[WriteResult]: ...


class MailConnector(Protocol):
    """Graph, EWS and Google all keep this contract (tests/connectors/contract): neutral values in
    and out, one call for a read with no changes, writes in batches, and an explicit
    ``UNSUPPORTED_STREAM`` error for a stream the provider cannot sync."""

    SUPPORTED_STREAMS: Collection[str]
    calls: int
    token_calls: int

    def read_changes(self, *, stream: str, cursor: str, window: Any = None) -> ChangeSet:
        """Changes since ``cursor``; ``window`` (start, end) bounds calendar streams."""
        ...

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        """Which of these items still exist (to tell a deletion from leaving the read's scope)."""
        ...

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them, batched; one gone reads as deleted."""
        ...

    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        """Make these items; ``sync_keys`` (one per item) are stamped on them where the provider keeps
        data of the engine's own (an extended property, a private property, client data)."""
        ...

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items made by ``create`` for these intents, found by their stamped sync keys in a few
        batched calls: sync key -> the item as a read reports it. ``paired``: item ids already synced
        (never an answer). Not found: the create never happened."""
        ...

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]: ...

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]: ...
