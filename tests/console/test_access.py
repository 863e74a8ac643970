"""Who may open which organization in the console: its org admins and support, operators with the
permission; a rep of the organization, an admin of another one and staff without it get 404."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from syncengine.models import Organization, Role
from tests.support.pages import client_for
from tests.support.people import Person

PAGES = [
    "console:people",
    "console:sessions",
    "console:issues",
    "console:trace",
    "console:statistics",
    "console:notifications",
]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_it_opens_every_console_page_for_the_org_admin_support_and_operators(
    page: str, person: Person, org_admin: Client, support: Client, operator: Client
):
    for client in (org_admin, support, operator):
        assert client.get(reverse(page, args=[person.organization.pk])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_it_answers_404_to_a_rep_an_admin_of_another_organization_and_staff(
    page: str, person: Person, member_client: Callable[..., Client]
):
    other = Organization.objects.create(name="Other", slug="other")
    staff = User.objects.create_user(username="stella", is_staff=True)
    for client in (
        member_client("rita", person.organization, Role.USER),
        member_client("otto", other, Role.ORG_ADMIN),
        member_client("sven", other, Role.SUPPORT),
        client_for(staff),
    ):
        assert client.get(reverse(page, args=[person.organization.pk])).status_code == 404


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_sign_in(person: Person):
    response = Client().get(reverse("console:people", args=[person.organization.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_it_lists_only_the_organizations_a_person_supports(
    person: Person, member_client: Callable[..., Client]
):
    other = Organization.objects.create(name="Beta", slug="beta")
    Organization.objects.create(name="Gamma", slug="gamma")
    client = member_client("sam", person.organization, Role.SUPPORT)
    user = User.objects.get(username="sam")
    user.memberships.create(organization=other, role=Role.SUPPORT)

    page = client.get(reverse("console:index")).content.decode()

    assert person.organization.name in page and "Beta" in page and "Gamma" not in page


@pytest.mark.django_db
def test_it_takes_a_console_user_of_one_organization_straight_to_its_people(
    person: Person, org_admin: Client
):
    response = org_admin.get(reverse("console:index"))

    assert response.status_code == 302
    assert response["Location"] == reverse("console:people", args=[person.organization.pk])


@pytest.mark.django_db
def test_it_refuses_the_console_to_a_plain_rep(person: Person, member_client: Callable[..., Client]):
    assert member_client("rita", person.organization).get(reverse("console:index")).status_code == 404


@pytest.mark.django_db
def test_it_refuses_a_resync_of_another_organizations_mailbox(
    person: Person, make_person: Callable[..., Person], member_client: Callable[..., Client]
):
    stranger = make_person("zed")
    client = member_client("olga", person.organization, Role.ORG_ADMIN)

    response = client.post(
        reverse("console:resync", args=[person.organization.pk]),
        {"mailbox": stranger.mailbox.pk, "stream": "events", "mail_id": "x"},
    )

    assert response.status_code == 404


def _console_routes(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _console_routes(pattern.url_patterns, pattern.namespace or namespace)
        elif (
            isinstance(pattern, URLPattern)
            and "organization_id" in pattern.pattern.converters
            and (namespace in ("console", "api") or str(pattern.name).startswith("console_"))
        ):  # a feature app's console tab is named console_<page> (instant's Listeners)
            yield f"{namespace}:{pattern.name}", tuple(pattern.pattern.converters)


# Every console and API route of an organization, read from the resolver: a new one is held here.
CONSOLE_ROUTES = dict(_console_routes(get_resolver().url_patterns))
assert "instant_pages:console_listeners" in CONSOLE_ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CONSOLE_ROUTES))
def test_it_answers_404_on_every_console_route_to_people_outside_the_organization(
    name: str, person: Person, member_client: Callable[..., Client]
):
    other = Organization.objects.create(name="Other", slug="other")
    kwargs = {kwarg: 1 for kwarg in CONSOLE_ROUTES[name]} | {"organization_id": person.organization.pk}
    url = reverse(name, kwargs=kwargs)
    for client in (
        member_client("rita", person.organization, Role.USER),
        member_client("otto", other, Role.ORG_ADMIN),
        member_client("sven", other, Role.SUPPORT),
    ):
        answers = {client.get(url).status_code, client.post(url).status_code}
        assert answers <= {404, 405}, (name, answers)
        assert 404 in answers, name
