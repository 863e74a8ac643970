"""The org admin's list of people and mailboxes, with who is broken and why, and a person's page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import Mailbox, Role
from syncengine.services.sessions import session_run
from tests.support.pages import decoded_text_of
from tests.support.people import Person


def people(client: Client, person: Person, **query: str) -> str:
    response = client.get(reverse("console:people", args=[person.organization.pk]), query)
    assert response.status_code == 200
    return decoded_text_of(response)


@pytest.mark.django_db
def test_it_shows_each_mailboxs_health_and_the_cause(
    person: Person, make_person: Callable[..., Person], org_admin: Client
):
    broken = make_person("bert", organization=person.organization)
    session_run(mailbox_id=person.mailbox.pk)
    Mailbox.objects.filter(pk=broken.mailbox.pk).update(
        suspended=True, cause_code="MAIL_AUTH_REVOKED", suspended_reason="Consent was revoked"
    )

    page = people(org_admin, person)

    assert 'data-health="synced"' in page and 'data-health="reconnect"' in page
    assert "Reconnect the mailbox: Consent was revoked" in page


@pytest.mark.django_db
def test_it_filters_people_by_health_and_finds_them_by_address(
    person: Person, make_person: Callable[..., Person], org_admin: Client
):
    other = make_person("bert", organization=person.organization)
    session_run(mailbox_id=person.mailbox.pk)

    never = people(org_admin, person, health="never")
    found = people(org_admin, person, q=other.mailbox.address)

    assert other.mailbox.address in never and person.mailbox.address not in never
    assert other.mailbox.address in found and person.mailbox.address not in found


@pytest.mark.django_db
def test_it_shows_a_persons_mailboxes_sessions_and_issues(person: Person, support: Client, sandboxes):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)
    session_run(mailbox_id=person.mailbox.pk)

    response = support.get(reverse("console:person", args=[person.organization.pk, person.user.pk]))

    page = decoded_text_of(response)
    assert person.mailbox.address in page and "Failed" in page
    assert "Reconnect it: its sync state is kept" in page  # what fixes it


@pytest.mark.django_db
def test_it_answers_404_for_a_person_of_another_organization(
    person: Person, make_person: Callable[..., Person], member_client: Callable[..., Client]
):
    stranger = make_person("zed")
    client = member_client("olga", person.organization, Role.ORG_ADMIN)

    response = client.get(reverse("console:person", args=[person.organization.pk, stranger.user.pk]))

    assert response.status_code == 404
