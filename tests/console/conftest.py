"""The people who run the sync, signed in: an org admin and a support member of the rep's
organization, an outsider who is org admin of another one, and a server operator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from syncengine.models import Membership, Organization, Role
from tests.support.pages import client_for
from tests.support.people import Person


@pytest.fixture
def member_client(db: None) -> Callable[..., Client]:
    def make(username: str, organization: Organization | None, role: str = Role.USER) -> Client:
        user = User.objects.create_user(username=username, first_name=username.title())
        if organization is not None:
            Membership.objects.create(user=user, organization=organization, role=role)
        return client_for(user)

    return make


@pytest.fixture
def org_admin(person: Person, member_client: Callable[..., Client]) -> Client:
    return member_client("olga", person.organization, Role.ORG_ADMIN)


@pytest.fixture
def support(person: Person, member_client: Callable[..., Client]) -> Client:
    return member_client("sam", person.organization, Role.SUPPORT)


@pytest.fixture
def operator(db: None) -> Client:
    user = User.objects.create_user(username="opal")
    user.user_permissions.add(Permission.objects.get(codename="support_every_organization"))
    return client_for(user)
