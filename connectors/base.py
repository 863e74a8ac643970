"""The interfaces the engine holds each side by, their one error type, and retry in one place.

A mailbox (Graph, EWS, Google) is a ``MailSide``: its calendar, task and contact streams
(``ItemStreams``) and its email reading (``EmailReader``). Salesforce is a ``CrmSide``. Both report the
HTTP requests they made in ``calls`` (API) and ``token_calls`` (login traffic), which the session
records per side. Each provider's client builds on ``ProviderClient``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from connectors.neutral.times import Window
from syncengine.core.email_records import EmailAttachment, EmailChangeSet, EmailRecord, FolderRole
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


@dataclass(frozen=True)
class BatchAnswer:
    """One request's answer within a batch call. ``retry_in``: seconds to wait before sending it
    again (a 429, a 5xx); None when the answer is final."""

    index: int  # the request's place in the caller's list
    status: int
    body: Any
    retry_in: float | None = None


def batch_with_retry(
    count: int,
    send: Callable[[Sequence[int]], Iterable[BatchAnswer]],
    *,
    limit: int,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    what: str,
) -> list[tuple[int, Any]]:
    """Send ``count`` requests in batch calls of ``limit`` (``send`` makes one call for the indexes it
    is given); answers come back in input order as (status, body).

    Requests answered "retry" are sent again, after the longest wait asked for, up to the policy's
    attempts; the rest of the batch is not repeated."""
    answers: list[tuple[int, Any] | None] = [None] * count
    pending = list(range(count))
    for attempt in range(1, policy.max_attempts + 1):
        wait = 0.0
        again: list[int] = []
        for start in range(0, len(pending), limit):
            for answer in send(pending[start : start + limit]):
                if answer.retry_in is not None and attempt < policy.max_attempts:
                    wait = max(wait, answer.retry_in)
                    again.append(answer.index)
                else:
                    answers[answer.index] = (answer.status, answer.body)
        if not again:
            break
        pending = sorted(again)
        sleep(min(wait, policy.max_wait))
    missing = [i for i, a in enumerate(answers) if a is None]
    if missing:
        raise ConnectorError(f"{what} left {len(missing)} requests unanswered", permanent=False, code="BATCH")
    return [a for a in answers if a is not None]


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

    @classmethod
    def refused(cls, error: ConnectorError, item_id: str = "") -> WriteResult:
        """A write the provider refused: its code and message, and whether trying again can help."""
        return cls(ok=False, id=item_id, code=error.code, message=error.message, permanent=error.permanent)

    @classmethod
    def answered(
        cls,
        status: int,
        body: Any,
        fallback_id: str,
        *,
        version: str,
        refusal: Callable[[int, Any], ConnectorError],
    ) -> WriteResult:
        """One JSON batch answer to a write: done, with the id it names (else ``fallback_id``) and its
        ``version`` property; or refused, as ``refusal`` reads the status and body."""
        if 200 <= status < 300:
            body = body or {}
            return cls(ok=True, id=str(body.get("id") or fallback_id), version=str(body.get(version) or ""))
        return cls.refused(refusal(status, body), fallback_id)


@dataclass(frozen=True)
class MailboxAccess:
    """How a connector reaches one mailbox: the provider's account (ids, addresses), its credentials,
    who stores them when they change (encrypted, on the mailbox row), and the sleep back-offs use
    (tests pass one that does not sleep)."""

    account: Mapping[str, str]
    credentials: Mapping[str, Any]
    on_credentials: Callable[[dict[str, Any]], None]
    sleep: Callable[[float], None]


class ProviderClient:
    """What every provider's client keeps: the credentials (handed to ``on_credentials`` whenever they
    change), its retry policy and the sleep its back-offs use, and its request counts."""

    def __init__(self, access: MailboxAccess, retry: RetryPolicy) -> None:
        self.credentials = dict(access.credentials)
        self.on_credentials = access.on_credentials
        self.sleep = access.sleep
        self.retry = retry
        self.calls = 0  # API requests
        self.token_calls = 0  # sign-in traffic

    def retried(self, call: Callable[[], T], what: str, refresh_auth: Callable[[], None] | None = None) -> T:
        """``call()`` retried by this client's policy (``call_with_retry``), backing off with its sleep."""
        return call_with_retry(
            call, policy=self.retry, refresh_auth=refresh_auth, what=what, sleep=self.sleep
        )

    def batched(
        self, count: int, send: Callable[[Sequence[int]], Iterable[BatchAnswer]], *, limit: int, what: str
    ) -> list[tuple[int, Any]]:
        """``count`` requests in batch calls of ``limit``, retried by this client's policy
        (``batch_with_retry``), backing off with its sleep."""
        return batch_with_retry(count, send, limit=limit, policy=self.retry, sleep=self.sleep, what=what)


class CrmSettings(Protocol):
    @property
    def sync_key_field(self) -> str: ...


class CrmSide(Protocol):
    """What the engine calls on Salesforce (``connectors.salesforce.connector.SalesforceConnector``)."""

    calls: int
    token_calls: int
    api_usage: str  # Salesforce's "used/allowed" API calls, from its last answer
    config: CrmSettings

    @property
    def user_id(self) -> str: ...

    def read_changes(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        cursor: str,
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
        label_field: str = "",
        extra_where: str = "",
        always_where: str = "",
        widen_where: str = "",
    ) -> ChangeSet:
        """This user's records changed since ``cursor`` (a SystemModstamp), deletions included."""
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

    def find_matches(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        match_fields: Mapping[str, str],
        candidates: Sequence[tuple[Any, ...]],
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
    ) -> dict[tuple[Any, ...], tuple[str, dict[str, Any], str]]:
        """Existing records equal to a candidate on ``match_fields``: candidate -> (id, values, sync key)."""
        ...

    def ids_by_sync_key(self, *, crm_object: str, keys: Sequence[str]) -> dict[str, str]: ...

    def describe(self, crm_object: str) -> dict[str, Any]: ...

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a query built by ``connectors.salesforce.queries``."""
        ...

    def upsert(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Create-or-update by the sync-key External ID (repeatable); one result per record."""
        ...

    def create(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]: ...

    def update(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]: ...

    def delete(self, *, ids: Sequence[str]) -> list[WriteResult]: ...


class ItemStreams(Protocol):
    """A mailbox's calendar, task and contact streams. Graph, EWS and Google all keep this contract
    (tests/connectors/contract): neutral values in and out, one call for a read with no changes,
    writes in batches, and an explicit ``UNSUPPORTED_STREAM`` error for a stream the provider cannot
    sync."""

    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changes since ``cursor``; ``window`` bounds calendar streams."""
        ...

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        """Which of these items still exist (to tell a deletion from leaving the read's scope)."""
        ...

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them, batched; one gone reads as deleted."""
        ...

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items made by ``create`` for these intents, found by their stamped sync keys in a few
        batched calls: sync key -> the item as a read reports it. ``paired``: item ids already synced
        (never an answer). Not found: the create never happened."""
        ...

    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        """Make these items; ``sync_keys`` (one per item) are stamped on them where the provider keeps
        data of the engine's own (an extended property, a private property, client data)."""
        ...

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]: ...

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]: ...


class EmailReader(Protocol):
    """A mailbox's emails: three folders read by cursor, threads, attachments, categories and moves
    (tests/connectors/contract/test_mail_contract.py)."""

    def read_email_changes(
        self,
        *,
        folder: FolderRole,
        cursor: str,
        backfill_days: int = ...,
        salesforce_folder: str = ...,
        now: datetime | None = None,
    ) -> EmailChangeSet:
        """Emails of one folder changed since ``cursor``; an empty or refused cursor reads in full."""
        ...

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]:
        """Every email of a thread in this mailbox, oldest first."""
        ...

    def read_attachments(
        self, message_ids: Sequence[str], *, max_bytes: int = ..., include_inline: bool = False
    ) -> dict[str, list[EmailAttachment]]: ...

    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]: ...

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]: ...

    def ensure_mail_category(self, name: str = ..., color: str = ...) -> None: ...


class MailSide(ItemStreams, EmailReader, Protocol):
    """What the engine calls on a mailbox, whatever its provider."""

    @property
    def SUPPORTED_STREAMS(self) -> Collection[str]: ...  # noqa: N802 - the connectors' class constant

    @property
    def calls(self) -> int: ...

    @property
    def token_calls(self) -> int: ...
