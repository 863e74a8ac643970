"""Personas for the blocklist tests: alice and a teammate (users), boss (their org admin), helpdesk
(support member), and an outsider and her admin in another organization.

These pages touch no provider, so the personas are plain accounts: no sandboxes needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from syncengine.models import Membership, Organization, Role, SyncSettings
from tests.support.members import Member
from tests.support.pages import client_for

_counter = itertools.count(1)


@pytest.fixture
def make_org(db: None) -> Callable[..., Organization]:
    def make(name: str, internal_domains: str = "") -> Organization:
        n = next(_counter)
        organization = Organization.objects.create(name=f"{name} {n}", slug=f"{name.lower()}-{n}")
        if internal_domains:
            SyncSettings.objects.create(organization=organization, internal_domains=internal_domains)
        return organization

    return make


@pytest.fixture
def make_member(db: None) -> Callable[..., Member]:
    def make(name: str, organization: Organization, role: str = Role.USER) -> Member:
        user = User.objects.create_user(username=f"{name}-{next(_counter)}", password="pw-for-tests-only")
        Membership.objects.create(user=user, organization=organization, role=role)
        client = client_for(user)
        return Member(user, organization, client)

    return make


@pytest.fixture
def acme(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Acme", internal_domains="acme.example, acme-corp.example")


@pytest.fixture
def globex(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Globex")


@pytest.fixture
def alice(make_member: Callable[..., Member], acme: Organization) -> Member:
    return make_member("alice", acme)


@pytest.fixture
def teammate(make_member: Callable[..., Member], acme: Organization) -> Member:
    return make_member("teammate", acme)


@pytest.fixture
def boss(make_member: Callable[..., Member], acme: Organization) -> Member:
    return make_member("boss", acme, role=Role.ORG_ADMIN)


@pytest.fixture
def helpdesk(make_member: Callable[..., Member], acme: Organization) -> Member:
    return make_member("helpdesk", acme, role=Role.SUPPORT)


@pytest.fixture
def outsider(make_member: Callable[..., Member], globex: Organization) -> Member:
    return make_member("outsider", globex)


@pytest.fixture
def otherboss(make_member: Callable[..., Member], globex: Organization) -> Member:
    return make_member("otherboss", globex, role=Role.ORG_ADMIN)
