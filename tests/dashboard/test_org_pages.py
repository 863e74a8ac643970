"""Every page about one organization answers 404 to anyone but an org admin of it, and every page with
the org tabs marks its own.

The pages are read from the URL resolver (every route with an ``organization_id``), so a new org
page is checked here without being listed: forgetting the guard fails this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from autoresolve.models import CreatedRecord
from blocklists.models import OrgBlocklistEntry
from dashboard.org_pages import ORG_TABS
from syncengine.models import CalendarSource, Membership, Organization, Role
from tests.support.pages import client_for

pytestmark = pytest.mark.django_db

# A member's own pages in an organization (their blocklist there): guarded by membership instead.
MEMBER_PAGES = {
    "blocklists:user_page",
    "blocklists:user_add",
    "blocklists:user_remove",
    "blocklists:user_lift",
}


def _organization_pages(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """(URL name, its parameters) of every URL pattern whose route takes an organization_id."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _organization_pages(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and "organization_id" in pattern.pattern.converters:
            yield f"{namespace}:{pattern.name}", tuple(pattern.pattern.converters)


ORGANIZATION_PAGES = dict(_organization_pages(get_resolver().url_patterns))
# The console and the API let support and operators in too: their guard is console/access.py, held
# by tests/console/test_access.py and tests/api/test_api.py the same way.
# A feature app's console tab is named console_<page> (instant's Listeners).
CONSOLE_PAGES = {
    name
    for name in ORGANIZATION_PAGES
    if name.split(":")[0] in ("console", "api") or name.split(":")[1].startswith("console_")
}
ORG_ADMIN_PAGES = sorted(set(ORGANIZATION_PAGES) - MEMBER_PAGES - CONSOLE_PAGES)


@dataclass
class World:
    organization: Organization
    admin: User
    entry: OrgBlocklistEntry
    source: CalendarSource
    created: CreatedRecord


def _user(name: str, organization: Organization | None = None, role: str = Role.USER, **flags: Any) -> User:
    user = User.objects.create_user(username=name, password="pw-for-tests-only", **flags)
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def world() -> World:
    acme = Organization.objects.create(name="Acme Guarded", slug="acme-guarded")
    return World(
        organization=acme,
        admin=_user("boss", acme, Role.ORG_ADMIN),
        entry=OrgBlocklistEntry.objects.create(organization=acme, value="newsletter.example"),
        source=CalendarSource.objects.create(
            organization=acme, crm_object="Invoice__c", category="Invoices", subject_field="Name"
        ),
        created=CreatedRecord.objects.create(
            organization=acme, address="new@person.example", sync_key="k1", sobject="Lead", record_id="00Q1"
        ),
    )


@pytest.fixture(params=["member", "support", "admin_elsewhere", "staff"])
def intruder(request: pytest.FixtureRequest, world: World) -> User:
    """A user and the support member of the organization, another org's admin, a superuser outside."""
    if request.param == "member":
        return _user("rep", world.organization)
    if request.param == "support":
        return _user("helpdesk", world.organization, Role.SUPPORT)
    if request.param == "admin_elsewhere":
        globex = Organization.objects.create(name="Globex", slug="globex")
        return _user("otherboss", globex, Role.ORG_ADMIN)
    return _user("staff", is_staff=True, is_superuser=True)


def _url(name: str, world: World) -> str:
    """The page's URL for the world's organization, with real objects of that organization."""
    values = {
        "organization_id": world.organization.pk,
        "stream": "events",
        "source_id": world.source.pk,
        "entry_id": world.entry.pk,
        "record_id": world.created.pk,
    }
    missing = [kwarg for kwarg in ORGANIZATION_PAGES[name] if kwarg not in values]
    assert not missing, f"{name}: give this test a value for {missing}"
    return reverse(name, kwargs={kwarg: values[kwarg] for kwarg in ORGANIZATION_PAGES[name]})


def _answers(user: User | None, url: str) -> dict[str, int]:
    client = Client()
    if user is not None:
        client.force_login(user)
    return {method: getattr(client, method.lower())(url).status_code for method in ("GET", "POST")}


def test_it_finds_the_org_pages_of_every_app():
    apps = {name.split(":")[0] for name in ORG_ADMIN_PAGES}

    assert apps == {"dashboard", "blocklists", "emails", "onboarding", "autoresolve", "instant_pages"}
    assert set(ORGANIZATION_PAGES) >= MEMBER_PAGES  # the exceptions still exist


@pytest.mark.parametrize("name", ORG_ADMIN_PAGES)
def test_it_answers_404_to_anyone_but_an_org_admin_of_the_organization(
    name: str, world: World, intruder: User
):
    url = _url(name, world)

    answered = _answers(intruder, url)
    admin_answered = _answers(world.admin, url)  # after: an admin's POST may remove the objects

    accepted = [method for method, status in admin_answered.items() if status != 405]
    assert accepted, f"{name} answers neither GET nor POST"
    assert all(admin_answered[method] != 404 for method in accepted), (name, admin_answered)
    assert {method: answered[method] for method in accepted} == dict.fromkeys(accepted, 404), name


@pytest.mark.parametrize("name", ORG_ADMIN_PAGES)
def test_it_answers_404_to_an_org_admin_for_an_organization_that_does_not_exist(name: str, world: World):
    url = _url(name, world).replace(f"/{world.organization.pk}/", "/987654/", 1)

    assert set(_answers(world.admin, url).values()) <= {404, 405}


@pytest.mark.parametrize("name", ORG_ADMIN_PAGES)
def test_it_sends_an_anonymous_visitor_to_the_login_page(name: str, world: World):
    assert set(_answers(None, _url(name, world)).values()) == {302}


@pytest.mark.parametrize("name", sorted(MEMBER_PAGES))
def test_it_answers_404_on_a_members_own_pages_to_someone_outside_the_organization(name: str, world: World):
    globex = Organization.objects.create(name="Globex", slug="globex")
    for outsider in (
        _user("otherboss", globex, Role.ORG_ADMIN),
        _user("staff", is_staff=True, is_superuser=True),
    ):
        assert set(_answers(outsider, _url(name, world)).values()) <= {404, 405}, name


@pytest.mark.parametrize("tab", ORG_TABS, ids=lambda tab: tab.key)
def test_it_shows_every_org_tab_on_each_tab_page_with_its_own_marked(tab: Any, world: World):
    client = client_for(world.admin)

    page = client.get(reverse(tab.url_name, args=[world.organization.pk, *tab.url_args]))

    assert page.status_code == 200
    html = page.content.decode()
    assert f"<strong>{escape(tab.label)}</strong>" in html
    for other in ORG_TABS:
        if other != tab:
            assert f'href="{reverse(other.url_name, args=[world.organization.pk, *other.url_args])}"' in html
