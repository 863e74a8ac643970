"""The REST API: token authentication for scripts (only hashes stored), the same scopes as the pages
for every persona, the safe actions, and an OpenAPI schema with a docs page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, new_token, token_digest
from console.models import ResyncRequest
from syncengine.models import ItemPair, Mailbox, Membership, Organization, Role
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import client_for
from tests.support.people import Person, event_body


def token_for(user: User) -> str:
    token = new_token()
    ApiToken.objects.create(user=user, name="script", digest=token_digest(token), hint=token[:10])
    return token


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


@pytest.fixture
def people_of(person: Person, make_person: Callable[..., Person]) -> dict[str, User | None]:
    """Every persona of the permission matrix, against ``person``'s organization."""
    elsewhere = Organization.objects.create(name="Elsewhere", slug="elsewhere")

    def member(name: str, organization: Organization, role: str) -> User:
        user = User.objects.create_user(username=name)
        Membership.objects.create(user=user, organization=organization, role=role)
        return user

    operator = User.objects.create_user(username="opal")
    operator.user_permissions.add(Permission.objects.get(codename="support_every_organization"))
    return {
        "user": person.user,
        "teammate": make_person("tess", organization=person.organization).user,
        "org admin": member("olga", person.organization, Role.ORG_ADMIN),
        "org admin elsewhere": member("otto", elsewhere, Role.ORG_ADMIN),
        "support": member("sam", person.organization, Role.SUPPORT),
        "support elsewhere": member("sven", elsewhere, Role.SUPPORT),
        "operator": operator,
        "anonymous": None,
    }


ORG_READERS = {"org admin", "support", "operator"}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["people", "sessions", "issues"])
def test_it_lets_exactly_the_organizations_admins_support_and_operators_read_it(
    endpoint: str, person: Person, people_of: dict[str, User | None]
):
    url = reverse(f"api:{endpoint}", args=[person.organization.pk])

    answers = {
        who: (api(token_for(user)) if user else Client()).get(url).status_code
        for who, user in people_of.items()
    }

    assert answers == {
        who: 200 if who in ORG_READERS else 401 if who == "anonymous" else 404 for who in people_of
    }


@pytest.mark.django_db
def test_it_lists_only_a_persons_own_mailboxes(person: Person, people_of: dict[str, User | None]):
    mine = api(token_for(person.user)).get(reverse("api:mailboxes")).json()
    admins = api(token_for(people_of["org admin"])).get(reverse("api:mailboxes")).json()  # type: ignore[arg-type]

    assert [m["address"] for m in mine] == [person.mailbox.address]
    assert admins == []  # an org admin's console is not a way into others' mailbox actions


@pytest.mark.django_db
def test_it_refuses_a_revoked_or_unknown_token(person: Person):
    token = token_for(person.user)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")

    assert api(token).get(reverse("api:mailboxes")).status_code == 401
    assert api("mst_made-up").get(reverse("api:mailboxes")).status_code == 401


@pytest.mark.django_db
def test_it_keeps_only_a_hash_of_each_token(person: Person):
    client = client_for(person.user)

    page = client.post(reverse("api:tokens"), {"name": "nightly export"}).content.decode()

    stored = ApiToken.objects.get()
    shown = page.split("<code data-new-token>")[1].split("</code>")[0]
    assert shown.startswith("mst_") and stored.digest == token_digest(shown)
    assert shown not in {stored.digest, stored.hint}
    assert api(shown).get(reverse("api:mailboxes")).status_code == 200


@pytest.mark.django_db
def test_it_suspends_and_resumes_a_persons_own_mailbox_and_nobody_elses(
    person: Person, people_of: dict[str, User | None]
):
    owner, teammate = api(token_for(person.user)), api(token_for(people_of["teammate"]))  # type: ignore[arg-type]
    suspend = reverse("api:suspend", args=[person.mailbox.pk])

    assert teammate.post(suspend, {"reason": "not mine"}).status_code == 404
    assert owner.post(suspend, {"reason": "on leave"}).json()["done"] is True
    assert Mailbox.objects.get(pk=person.mailbox.pk).suspended
    assert owner.post(reverse("api:resume", args=[person.mailbox.pk])).json()["done"] is True
    assert not Mailbox.objects.get(pk=person.mailbox.pk).suspended


@pytest.mark.django_db
def test_it_traces_an_item_and_resyncs_it_for_support(person: Person, people_of: dict[str, User | None]):
    person.outlook.create_event(**event_body("Board prep", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    pair = ItemPair.objects.get(mailbox=person.mailbox)
    support = api(token_for(people_of["support"]))  # type: ignore[arg-type]
    org = person.organization.pk

    traced = support.get(reverse("api:trace", args=[org]), {"q": "Board prep"}).json()
    asked = support.post(
        reverse("api:resync", args=[org]),
        {"mailbox": person.mailbox.pk, "stream": "events", "mail_id": pair.mail_id, "crm_id": pair.crm_id},
        content_type="application/json",
    )

    assert [t["crm_id"] for t in traced] == [pair.crm_id]
    assert traced[0]["entries"][0]["what"] == "created_in_crm"
    assert any("/lightning/r/Event/" in link["url"] for link in traced[0]["links"])
    assert asked.status_code == 202 and asked.json()["state"] == "queued"
    assert ResyncRequest.objects.get().asked_by_name == "sam"


@pytest.mark.django_db
def test_it_refuses_a_resync_in_another_organization(
    person: Person, make_person: Callable[..., Person], people_of: dict[str, User | None]
):
    stranger = make_person("zed")
    support = api(token_for(people_of["support"]))  # type: ignore[arg-type]

    mine = support.post(
        reverse("api:resync", args=[person.organization.pk]),
        {"mailbox": stranger.mailbox.pk, "stream": "events", "mail_id": "x"},
        content_type="application/json",
    )
    theirs = support.post(
        reverse("api:resync", args=[stranger.organization.pk]),
        {"mailbox": stranger.mailbox.pk, "stream": "events", "mail_id": "x"},
        content_type="application/json",
    )

    assert (mine.status_code, theirs.status_code) == (404, 404)
    assert not ResyncRequest.objects.exists()


@pytest.mark.django_db
def test_it_serves_an_openapi_schema_and_a_docs_page_without_a_cdn(person: Person):
    client = client_for(person.user)

    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    docs = client.get(reverse("api:docs")).content.decode()

    assert "/api/v1/organizations/{organization_id}/trace/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
