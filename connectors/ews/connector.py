"""Exchange Server (on-premises) over EWS: one mailbox as the engine sees it (``connectors.base.MailSide``).

Made of three parts: ``EwsClient`` (exchangelib's account, retried calls, batches), ``EwsItems``
(calendar, tasks and contacts by SyncFolderItems) and ``EwsMail`` (the email folders, threads,
attachments, categories).
"""

from __future__ import annotations

from connectors.base import MailboxAccess
from connectors.ews.client import EwsClient, EwsConfig
from connectors.ews.items import EwsItems
from connectors.ews.mail import EwsMail
from connectors.ews.streams import STREAMS
from connectors.mailbox import MailboxConnector


class EwsConnector(MailboxConnector[EwsConfig]):
    """One mailbox. ``account``: primary_smtp_address (+ optional service_endpoint, time_zone).
    ``credentials``: username and password (auth_type "basic" or "ntlm"), or an access_token."""

    SUPPORTED_STREAMS = frozenset(STREAMS)
    # Typed as Exchange's own parts: mail folder lookups (mail_folder_ids) are not the engine's.
    client: EwsClient
    mail: EwsMail

    def _parts(self, config: EwsConfig, access: MailboxAccess) -> tuple[EwsClient, EwsItems, EwsMail]:
        client = EwsClient(config, access)
        return client, EwsItems(client), EwsMail(client)

    def check_sign_in(self) -> None:
        """Raises ConnectorError when Exchange refuses this mailbox's sign-in (see EwsClient)."""
        self.client.check_sign_in()
