"""Google (Calendar, Tasks, People, Gmail): one account as the engine sees it (``connectors.base.MailSide``).

Made of three parts: ``GoogleClient`` (google-auth tokens, API services, batches), ``GoogleItems``
(calendar events, tasks and contacts) and ``GmailMail`` (Gmail's labels as folders, history, threads,
attachments, labels as categories).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from connectors.google.client import GoogleClient, GoogleConfig
from connectors.google.items import GoogleItems
from connectors.google.mail import GmailMail
from connectors.google.streams import STREAMS
from connectors.mailbox import MailboxConnector


class GoogleConnector(MailboxConnector):
    """One Google account. ``account``: {"email": ...}. ``credentials``: refresh_token (+ cached
    access_token and expires_at, epoch seconds); ``on_credentials`` gets them whenever they change."""

    SUPPORTED_STREAMS = tuple(STREAMS)
    # Typed as Google's own parts: push channels (connectors/google/watch.py) use the client directly.
    client: GoogleClient

    def __init__(
        self,
        config: GoogleConfig,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        client = GoogleClient(config, account, credentials, on_credentials, sleep)
        super().__init__(client, GoogleItems(client), GmailMail(client))
        self.config = config

    def refresh(self) -> None:
        """A new access token now (sign-in checks, and tests that count only API calls)."""
        self.client.refresh()
