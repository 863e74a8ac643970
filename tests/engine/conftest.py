"""Fixtures for the engine tests: reps whose mailbox is on Google or on Exchange Server."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Provider
from tests.support.people import Person
from tests.support.providers import GOOGLE_CLIENT

_numbers = itertools.count(1)


@pytest.fixture
def on_google(settings: Any, make_person: Callable[..., Person], google_server: SandboxServer) -> Person:
    """A rep whose mailbox is Gmail + Google Calendar (their Salesforce as for everyone)."""
    settings.GOOGLE_API_URL = google_server.url
    settings.GOOGLE_TOKEN_URL = f"{google_server.url}/token"
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = GOOGLE_CLIENT
    person = make_person(f"gina{next(_numbers)}")
    app = google_server.app
    app.register_client(*GOOGLE_CLIENT)
    user = app.create_user(person.mailbox.address, "Gina", "Europe/Berlin")
    person.mailbox.provider = Provider.GOOGLE
    person.mailbox.provider_account = {"email": person.mailbox.address}
    person.mailbox.credentials = {"refresh_token": app.issue_refresh_token(user["id"], GOOGLE_CLIENT[0])}
    person.mailbox.save()
    return person


@pytest.fixture
def on_exchange(
    settings: Any, make_person: Callable[..., Person], ews_server: SandboxServer, sandbox_ca: SandboxCA
) -> Person:
    """A rep whose mailbox is on Exchange Server, signing in with a password."""
    settings.EWS_SERVICE_ENDPOINT = f"{ews_server.url}/EWS/Exchange.asmx"
    person = make_person(f"ed{next(_numbers)}")
    ews_server.app.create_mailbox(person.mailbox.address, "Ed", password="Exch-Passw0rd!")
    person.mailbox.provider = Provider.EWS
    person.mailbox.provider_account = {"primary_smtp_address": person.mailbox.address}
    person.mailbox.credentials = {"username": person.mailbox.address, "password": "Exch-Passw0rd!"}
    person.mailbox.save()
    return person
