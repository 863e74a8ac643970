"""Google (Calendar, Tasks, People, Gmail): one account as the engine sees it (``connectors.base.MailSide``).

Made of three parts: ``GoogleClient`` (google-auth tokens, API services, batches), ``GoogleItems``
(calendar events, tasks and contacts) and ``GmailMail`` (Gmail's labels as folders, history, threads,
attachments, labels as categories).
"""

from __future__ import annotations

from connectors.base import MailboxAccess
from connectors.google.client import GoogleClient, GoogleConfig
from connectors.google.items import GoogleItems
from connectors.google.mail import GmailMail
from connectors.google.streams import STREAMS
from connectors.mailbox import MailboxConnector


class GoogleConnector(MailboxConnector[GoogleConfig]):
    """One Google account. ``account``: {"email": ...}. ``credentials``: refresh_token (+ cached
    access_token and expires_at, epoch seconds); ``on_credentials`` gets them whenever they change."""

    SUPPORTED_STREAMS = tuple(STREAMS)
    # Typed as Google's own parts: push channels (connectors/google/watch.py) use the client directly.
    client: GoogleClient

    def _parts(
        self, config: GoogleConfig, access: MailboxAccess
    ) -> tuple[GoogleClient, GoogleItems, GmailMail]:
        client = GoogleClient(config, access)
        return client, GoogleItems(client), GmailMail(client)

    def refresh(self) -> None:
        """A new access token now (sign-in checks, and tests that count only API calls)."""
        self.client.refresh()
