"""A mailbox connector made of its parts: the provider's client (sign-in, calls, retries, batches), the
calendar, task and contact streams read and written through it, and the email reader beside them.

Graph, EWS and Google each build one from their own three parts; the engine holds it as a
``connectors.base.MailSide`` and never needs to know which provider it talks to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from connectors.base import EmailReader, ItemStreams, MailboxAccess, MailSide, ProviderClient, WriteResult
from connectors.neutral.mail import (
    DEFAULT_ATTACHMENT_LIMIT,
    DEFAULT_BACKFILL_DAYS,
    SALESFORCE_CATEGORY_COLOR,
    SALESFORCE_FOLDER,
)
from connectors.neutral.times import Window
from syncengine.core.email_records import EmailAttachment, EmailChangeSet, EmailRecord, FolderRole
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange
from syncengine.core.scope import SALESFORCE_CATEGORY

ConfigT = TypeVar("ConfigT")


class MailboxConnector(MailSide, Generic[ConfigT]):
    """One mailbox: every call goes to ``streams`` or ``mail``; counts and credentials are ``client``'s.
    A provider names its parts in ``_parts``; ``account`` and ``credentials`` are its own (see its
    class)."""

    SUPPORTED_STREAMS: ClassVar[Collection[str]] = ()
    client: ProviderClient
    streams: ItemStreams
    mail: EmailReader

    def __init__(
        self,
        config: ConfigT,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        access = MailboxAccess(account, credentials, on_credentials, sleep)
        self.client, self.streams, self.mail = self._parts(config, access)

    def _parts(
        self, config: ConfigT, access: MailboxAccess
    ) -> tuple[ProviderClient, ItemStreams, EmailReader]:
        """The provider's client, and its streams and email reader, which call through it."""
        raise NotImplementedError

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def token_calls(self) -> int:
        return self.client.token_calls

    @property
    def credentials(self) -> dict[str, Any]:
        return self.client.credentials

    # -- calendar, task and contact streams -------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        return self.streams.read_changes(stream=stream, cursor=cursor, window=window)

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        return self.streams.exists(stream=stream, ids=ids)

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        return self.streams.read_items(stream=stream, ids=ids)

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        return self.streams.find_created(stream=stream, intents=intents, paired=paired)

    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        return self.streams.create(stream=stream, items=items, sync_keys=sync_keys)

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        return self.streams.update(stream=stream, items=items)

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        return self.streams.delete(stream=stream, ids=ids)

    # -- emails -----------------------------------------------------------------------------------
    def read_email_changes(
        self,
        *,
        folder: FolderRole,
        cursor: str,
        backfill_days: int = DEFAULT_BACKFILL_DAYS,
        salesforce_folder: str = SALESFORCE_FOLDER,
        now: datetime | None = None,
    ) -> EmailChangeSet:
        return self.mail.read_email_changes(
            folder=folder,
            cursor=cursor,
            backfill_days=backfill_days,
            salesforce_folder=salesforce_folder,
            now=now,
        )

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]:
        return self.mail.read_conversation(conversation_id)

    def read_attachments(
        self,
        message_ids: Sequence[str],
        *,
        max_bytes: int = DEFAULT_ATTACHMENT_LIMIT,
        include_inline: bool = False,
    ) -> dict[str, list[EmailAttachment]]:
        return self.mail.read_attachments(message_ids, max_bytes=max_bytes, include_inline=include_inline)

    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]:
        return self.mail.set_email_categories(changes)

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]:
        return self.mail.move_emails(moves)

    def ensure_mail_category(
        self, name: str = SALESFORCE_CATEGORY, color: str = SALESFORCE_CATEGORY_COLOR
    ) -> None:
        self.mail.ensure_mail_category(name, color)
