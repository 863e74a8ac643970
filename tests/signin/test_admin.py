"""Superusers see the sign-in records in the Django admin and can lift a lockout there."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.support.pages import client_for
from tests.support.signin import PASSWORD, sign_in, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db: None) -> Client:
    return client_for(User.objects.create_superuser("support", "support@example.com", PASSWORD))


@pytest.mark.parametrize("model", [AccessAttempt, AccessLog, AccessFailureLog], ids=lambda m: m.__name__)
def test_it_opens_the_sign_in_records_in_the_admin(support: Client, model):
    User.objects.create_user(username="alice", password=PASSWORD)
    sign_in("alice", "guess", "203.0.113.9")
    sign_in("alice", PASSWORD, "203.0.113.9")

    answer = support.get(reverse(f"admin:axes_{model._meta.model_name}_changelist"))

    assert answer.status_code == 200


def test_it_never_shows_the_guessed_password_in_the_admin(support: Client):
    sign_in("alice", "my-secret-guess", "203.0.113.9")
    attempt = AccessAttempt.objects.get()

    answer = support.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))

    assert answer.status_code == 200
    assert "my-secret-guess" not in answer.content.decode()


def test_it_lets_a_superuser_unlock_an_account_in_the_admin(support: Client):
    User.objects.create_user(username="alice", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", f"guess-{n}", "203.0.113.9")
    assert sign_in("alice", PASSWORD, "203.0.113.9")[1] == 429

    answer = support.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert answer.status_code == 302
    client, status = sign_in("alice", PASSWORD, "203.0.113.9")
    assert status == 302 and signed_in(client)
