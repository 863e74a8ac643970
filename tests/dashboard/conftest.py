"""Personas for the dashboard: alice, a teammate in her organization, an outsider in another one,
the org admin of alice's organization (boss) and everyone who is not (not_admin_here)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from syncengine.models import Role
from tests.support.pages import client_for
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
def boss(make_person: Callable[..., Person], alice: Person) -> Person:
    """The org admin of alice's organization."""
    return make_person("boss", organization=alice.organization, role=Role.ORG_ADMIN)


@pytest.fixture(params=["alice", "teammate", "support", "admin_elsewhere"])
def not_admin_here(
    request: pytest.FixtureRequest, make_person: Callable[..., Person], alice: Person
) -> Person:
    """A user and a teammate of alice's organization, its support member, and another org's admin."""
    if request.param == "support":
        return make_person("helpdesk", organization=alice.organization, role=Role.SUPPORT)
    if request.param == "admin_elsewhere":
        return make_person("otherboss", role=Role.ORG_ADMIN)
    return request.getfixturevalue(request.param)


@pytest.fixture
def alice_client(alice: Person) -> Client:
    return client_for(alice.user)


@pytest.fixture
def boss_client(boss: Person) -> Client:
    return client_for(boss.user)
