"""Personas for the dashboard: alice, a teammate in her organization, an outsider in another one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.support.people import Person


@pytest.fixture
def alice(make_person: Callable[..., Person]) -> Person:
    return make_person("alice")


@pytest.fixture
def teammate(make_person: Callable[..., Person], alice: Person) -> Person:
    return make_person("teammate", organization=alice.organization)


@pytest.fixture
def outsider(make_person: Callable[..., Person], alice: Person) -> Person:
    return make_person("outsider")


@pytest.fixture
def alice_client(alice: Person) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client
