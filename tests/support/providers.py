"""Our app's registration with the Google sandbox for the engine tests."""

from __future__ import annotations

from typing import Any

from sandbox.base import SandboxServer
from syncengine.models import Provider
from tests.support.people import Person

GOOGLE_CLIENT = ("1234567890-engine.apps.googleusercontent.com", "google-engine-secret")


def move_to_google(
    settings: Any, person: Person, google_server: SandboxServer, client: tuple[str, str] = GOOGLE_CLIENT
) -> Person:
    """Make a synced person's mailbox Gmail + Google Calendar (their Salesforce as for everyone)."""
    settings.GOOGLE_API_URL = google_server.url
    settings.GOOGLE_TOKEN_URL = f"{google_server.url}/token"
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = client
    app = google_server.app
    app.register_client(*client)
    user = app.create_user(person.mailbox.address, "Gina", "Europe/Berlin")
    person.mailbox.provider = Provider.GOOGLE
    person.mailbox.provider_account = {"email": person.mailbox.address}
    person.mailbox.credentials = {"refresh_token": app.issue_refresh_token(user["id"], client[0])}
    person.mailbox.save()
    return person


EXCHANGE_PASSWORD = "Exch-Passw0rd!"


def move_to_ews(
    settings: Any, person: Person, ews_server: SandboxServer, password: str = EXCHANGE_PASSWORD
) -> Person:
    """Make a person's mailbox an Exchange Server one (in the EWS sandbox), signing in with a password."""
    settings.EWS_SERVICE_ENDPOINT = f"{ews_server.url}/EWS/Exchange.asmx"
    ews_server.app.create_mailbox(person.mailbox.address, "Ed", password=password)  # type: ignore[attr-defined]
    person.mailbox.provider = Provider.EWS
    person.mailbox.provider_account = {"primary_smtp_address": person.mailbox.address}
    person.mailbox.credentials = {"username": person.mailbox.address, "password": password}
    person.mailbox.save()
    return person
