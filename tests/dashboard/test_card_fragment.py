"""One mailbox's card alone, for the live refresh: its owner gets it, nobody else learns it exists."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.services.sessions import session_run
from tests.support.pages import client_for, decoded_text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_gives_the_owner_the_card_with_its_parts(alice_client: Client, alice: Person):
    session = session_run(mailbox_id=alice.mailbox.pk)
    assert session is not None

    response = alice_client.get(reverse("dashboard:card", args=[alice.mailbox.pk]))

    html = decoded_text_of(response)
    assert response.status_code == 200
    assert "<html" not in html  # the card alone, not a page
    for part in ("state", "actions", "chart", "sessions", "held", "issues", "settings"):
        assert f'data-part="{part}"' in html
    assert f'data-version="{session.pk}-succeeded-' in html
    assert 'name="csrfmiddlewaretoken"' in html  # its forms still post


@pytest.mark.parametrize("intruder", ["teammate", "outsider", "boss"])
def test_it_answers_404_to_anyone_else(request: pytest.FixtureRequest, alice: Person, intruder: str):
    client = client_for(request.getfixturevalue(intruder).user)

    assert client.get(reverse("dashboard:card", args=[alice.mailbox.pk])).status_code == 404


def test_it_sends_the_anonymous_to_sign_in(alice: Person):
    response = Client().get(reverse("dashboard:card", args=[alice.mailbox.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
