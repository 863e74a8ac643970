"""Anonymous visitors see nothing and change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import SyncSession
from tests.support.pages import url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_redirects_an_anonymous_visitor_of_the_dashboard_to_the_login_page(client: Client):
    response = client.get(url("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url('home')}"


def test_it_answers_the_status_api_with_403_to_an_anonymous_visitor(client: Client, alice: Person):
    response = client.get(url("api_status", alice.mailbox.pk))

    assert response.status_code in (401, 403)
    assert alice.mailbox.address not in response.content.decode()


@pytest.mark.parametrize("action", ["force_sync", "suspend", "resume"])
def test_it_sends_an_anonymous_action_to_the_login_page_and_changes_nothing(
    client: Client, alice: Person, action: str, django_capture_on_commit_callbacks
):
    before = alice.mailbox.next_due_at
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url(action, alice.mailbox.pk), {"reason": "hacked"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert callbacks == []
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended is False
    assert alice.mailbox.next_due_at == before
    assert not SyncSession.objects.exists()


def test_it_shows_the_login_page(client: Client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
