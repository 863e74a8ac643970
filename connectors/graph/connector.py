"""Microsoft 365 over Graph: one mailbox as the engine sees it (``connectors.base.MailSide``).

Made of three parts: ``GraphClient`` (msal tokens, requests, ``$batch``), ``GraphItems`` (calendar,
To Do and contacts by delta) and ``GraphMail`` (the email folders, threads, attachments, categories).
"""

from __future__ import annotations

from connectors.base import MailboxAccess
from connectors.graph.client import GraphClient, GraphConfig
from connectors.graph.items import GraphItems
from connectors.graph.mail import GraphMail
from connectors.graph.streams import STREAMS
from connectors.mailbox import MailboxConnector


class GraphConnector(MailboxConnector[GraphConfig]):
    """One mailbox. ``account``: tenant_id, user_id, and mode "app" for app-only access.

    ``credentials``: delegated: refresh_token (+ cached access_token); app-only: nothing needed.
    """

    SUPPORTED_STREAMS = frozenset(STREAMS)
    # Typed as Graph's own parts: subscriptions (connectors/graph/subscriptions.py) use them directly,
    # and mail folder lookups (mail_folder_ids) are Graph's own, not the engine's.
    client: GraphClient
    streams: GraphItems
    mail: GraphMail

    def _parts(self, config: GraphConfig, access: MailboxAccess) -> tuple[GraphClient, GraphItems, GraphMail]:
        client = GraphClient(config, access)
        return client, GraphItems(client), GraphMail(client)

    def refresh(self) -> None:
        """A new access token now (sign-in checks, and tests that count only API calls)."""
        self.client.refresh()
