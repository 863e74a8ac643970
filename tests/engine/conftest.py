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
from tests.support.providers import move_to_google

_numbers = itertools.count(1)


@pytest.fixture
def on_google(settings: Any, make_person: Callable[..., Person], google_server: SandboxServer) -> Person:
    """A rep whose mailbox is Gmail + Google Calendar (their Salesforce as for everyone)."""
    return move_to_google(settings, make_person(f"gina{next(_numbers)}"), google_server)


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
