"""Instant sync against the real sandboxes, with a live server of ours as the webhook receiver."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_q.brokers import get_broker

from sandbox.base import SandboxServer
from syncengine.models import Mailbox
from tests.support.people import Person
from tests.support.providers import move_to_google

GOOGLE_CLIENT = ("1234567890-instant.apps.googleusercontent.com", "google-instant-secret")
_numbers = itertools.count(1)


@pytest.fixture
def instant(
    settings: Any, live_server: Any, graph_server: SandboxServer, google_server: SandboxServer
) -> Any:
    settings.INSTANT_SYNC_ENABLED = True
    settings.WEBHOOK_BASE_URL = live_server.url
    yield str(live_server.url)
    # The sandboxes live for the whole run: leave them no receivers that are about to vanish.
    graph_server.app.subscriptions.forget_all()
    google_server.app.watch.forget_all()


@pytest.fixture
def synced(person: Person) -> Person:
    """A Graph mailbox that has had its first session (what maintenance looks for)."""
    Mailbox.objects.filter(pk=person.mailbox.pk).update(last_synced_at=timezone.now())
    return person


@pytest.fixture
def on_google(settings: Any, make_person: Callable[..., Person], google_server: SandboxServer) -> Person:
    person = move_to_google(settings, make_person(f"gina{next(_numbers)}"), google_server, GOOGLE_CLIENT)
    person.mailbox.last_synced_at = timezone.now()
    person.mailbox.save()
    return person


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    """Each test starts with an empty queue (Redis keeps what earlier tests and runs left there)."""
    get_broker().purge_queue()
