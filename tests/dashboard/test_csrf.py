"""Every action needs the CSRF token: a forged cross-site POST changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from syncengine.models import SyncSession
from syncengine.services.mailboxes import mailbox_suspend
from tests.support.pages import url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client(alice: Person) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    return client


def _state(person: Person) -> tuple:
    person.mailbox.refresh_from_db()
    m = person.mailbox
    return (m.suspended, m.suspended_reason, m.status, m.next_due_at)


@pytest.mark.parametrize("action", ["force_sync", "suspend", "resume"])
def test_it_refuses_a_post_without_the_token(
    strict_client: Client, alice: Person, action: str, q_sync: None, django_capture_on_commit_callbacks
):
    if action == "resume":
        mailbox_suspend(mailbox=alice.mailbox, reason="On holiday")
    before = _state(alice)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = strict_client.post(url(action, alice.mailbox.pk), {"reason": "forged"})

    assert response.status_code == 403
    assert callbacks == []
    assert _state(alice) == before
    assert not SyncSession.objects.exists()


def test_it_accepts_the_post_with_the_token_from_the_page(strict_client: Client, alice: Person):
    html = strict_client.get(url("home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = strict_client.post(
        url("suspend", alice.mailbox.pk), {"reason": "Real", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.suspended_reason == "Suspended by user: Real"
