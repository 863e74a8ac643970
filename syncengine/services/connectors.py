"""Build connectors for a mailbox and its owner's Salesforce, from settings and stored secrets."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from connectors.base import ConnectorError, RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from connectors.google.client import GoogleConfig
from connectors.google.connector import GoogleConnector
from connectors.graph.client import APP_MODE, GraphConfig
from connectors.graph.connector import GraphConnector
from connectors.salesforce.connector import SalesforceConfig, SalesforceConnector
from connectors.salesforce.hosts import SALESFORCE_DOMAINS
from syncengine.crypto import is_unreadable
from syncengine.models import Mailbox, Provider, SalesforceConnection
from syncengine.services.failures import CRM_CREDENTIALS_UNREADABLE, MAIL_CREDENTIALS_UNREADABLE

# What a Salesforce connection keeps of its connector's credentials (the rest is on the row).
SALESFORCE_KEPT = ("access_token", "refresh_token", "signed_in_at", "renewed_at")


def retry_policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.RETRY_MAX_ATTEMPTS, max_wait=settings.RETRY_MAX_WAIT_SECONDS)


def salesforce_instance_domains() -> tuple[str, ...]:
    """Salesforce's domains and the operator's additions: the hosts an access token may go to."""
    return (*SALESFORCE_DOMAINS, *settings.SALESFORCE_INSTANCE_DOMAINS)


def salesforce_for(connection: SalesforceConnection) -> SalesforceConnector:
    if is_unreadable(connection.credentials):
        raise ConnectorError(
            "The stored Salesforce sign-in cannot be read with this server's encryption keys: "
            "reconnect Salesforce.",
            permanent=True,
            code=CRM_CREDENTIALS_UNREADABLE,
        )
    config = SalesforceConfig(
        login_url=settings.SALESFORCE_LOGIN_URL,
        client_id=settings.SALESFORCE_CLIENT_ID,
        client_secret=settings.SALESFORCE_CLIENT_SECRET,
        api_version=settings.SALESFORCE_API_VERSION,
        sync_key_field=settings.SALESFORCE_SYNC_KEY_FIELD,
        instance_domains=salesforce_instance_domains(),
        ca_bundle=settings.OUTBOUND_CA_BUNDLE,
        timeout=settings.HTTP_TIMEOUT_SECONDS,
        retry=retry_policy(),
    )
    credentials = {
        **connection.credentials,
        "instance_url": connection.instance_url,
        "user_id": connection.salesforce_user_id,
    }

    def store(creds: dict[str, Any]) -> None:
        # Refreshed tokens are saved at once: a crash later in the session must not lose them.
        kept = {k: v for k, v in creds.items() if k in SALESFORCE_KEPT}
        connection.credentials = {**kept, "renewed_at": time.time()}
        connection.instance_url = creds.get("instance_url") or connection.instance_url
        connection.save(update_fields=["credentials", "instance_url"])

    return SalesforceConnector(config, credentials, on_credentials=store)


MailConnector = GraphConnector | GoogleConnector | EwsConnector


def mail_connector_for(mailbox: Mailbox) -> MailConnector:
    """The mailbox's provider connector; each keeps refreshed credentials on the mailbox at once."""
    app_only = mailbox.provider_account.get("mode") == APP_MODE  # app tokens: nothing stored to read
    if is_unreadable(mailbox.credentials) and not app_only:
        raise ConnectorError(
            "The stored sign-in to this mailbox cannot be read with this server's encryption keys: "
            "reconnect the mailbox.",
            permanent=True,
            code=MAIL_CREDENTIALS_UNREADABLE,
        )

    def store(creds: dict[str, Any]) -> None:
        # The connectors hand credentials over when the provider renewed them: a refresh token
        # that ends when unused (Microsoft's 90 days) starts again now (notify/expiry.py).
        mailbox.credentials = {**creds, "renewed_at": time.time()}
        mailbox.save(update_fields=["credentials"])

    common = {
        "ca_bundle": settings.OUTBOUND_CA_BUNDLE,
        "timeout": settings.HTTP_TIMEOUT_SECONDS,
        "retry": retry_policy(),
    }
    if mailbox.provider == Provider.GOOGLE:
        google = GoogleConfig(
            api_url=settings.GOOGLE_API_URL,
            token_uri=settings.GOOGLE_TOKEN_URL,
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=settings.GOOGLE_CLIENT_SECRET,
            **common,
        )
        return GoogleConnector(google, mailbox.provider_account, mailbox.credentials, on_credentials=store)
    if mailbox.provider == Provider.EWS:
        ews = EwsConfig(
            service_endpoint=settings.EWS_SERVICE_ENDPOINT,
            allowed_hosts=frozenset(h.lower() for h in settings.EWS_ALLOWED_HOSTS),
            **common,
        )
        return EwsConnector(ews, mailbox.provider_account, mailbox.credentials, on_credentials=store)
    config = GraphConfig(
        authority_host=settings.GRAPH_AUTHORITY_HOST,
        api_url=settings.GRAPH_API_URL,
        client_id=settings.GRAPH_CLIENT_ID,
        client_secret=settings.GRAPH_CLIENT_SECRET,
        scopes=tuple(settings.GRAPH_SCOPES),
        **common,
    )
    return GraphConnector(config, mailbox.provider_account, mailbox.credentials, on_credentials=store)


def supported_streams(mailbox: Mailbox) -> frozenset[str]:
    """The streams the mailbox's provider can sync (the dashboard says which it cannot)."""
    kinds: dict[str, type[MailConnector]] = {
        Provider.GOOGLE: GoogleConnector,
        Provider.EWS: EwsConnector,
        Provider.GRAPH: GraphConnector,
    }
    return frozenset(kinds.get(mailbox.provider, GraphConnector).SUPPORTED_STREAMS)
