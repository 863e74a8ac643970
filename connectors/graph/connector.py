"""Microsoft 365 over Graph: one mailbox as the engine sees it (``connectors.base.MailSide``).

Made of three parts: ``GraphClient`` (msal tokens, requests, ``$batch``), ``GraphItems`` (calendar,
To Do and contacts by delta) and ``GraphMail`` (the email folders, threads, attachments, categories).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from connectors.graph.client import GraphClient, GraphConfig
from connectors.graph.items import GraphItems
from connectors.graph.mail import GraphMail
from connectors.graph.streams import STREAMS
from connectors.mailbox import MailboxConnector


class GraphConnector(MailboxConnector):
    """One mailbox. ``account``: tenant_id, user_id, and mode "app" for app-only access.

    ``credentials``: delegated: refresh_token (+ cached access_token); app-only: nothing needed.
    """

    SUPPORTED_STREAMS = frozenset(STREAMS)
    # Typed as Graph's own parts: subscriptions (connectors/graph/subscriptions.py) use them directly,
    # and mail folder lookups (mail_folder_ids) are Graph's own, not the engine's.
    client: GraphClient
    streams: GraphItems
    mail: GraphMail

    def __init__(
        self,
        config: GraphConfig,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        client = GraphClient(config, account, credentials, on_credentials, sleep)
        super().__init__(client, GraphItems(client), GraphMail(client))
        self.config = config

    def refresh(self) -> None:
        """A new access token now (sign-in checks, and tests that count only API calls)."""
        self.client.refresh()
