"""The connect page and the starts' guards: whose organizations, which errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from syncengine.models import Mailbox, Role
from tests.support.onboarding import Newcomer
from tests.support.pages import client_for, text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_lists_the_users_organizations_with_connect_links(bob: Newcomer, alice: Person):
    html = text_of(bob.client.get(reverse("onboarding:connect")))

    org = alice.organization.pk
    assert f'href="/connect/microsoft/?org={org}">Connect Microsoft 365</a>' in html
    assert f'href="/connect/salesforce/?org={org}">Connect Salesforce</a>' in html
    assert "Grant admin consent" not in html  # bob is no org admin


def test_it_shows_admin_consent_to_org_admins(make_newcomer: Any, alice: Person):
    admin = make_newcomer("olga", role=Role.ORG_ADMIN)

    html = text_of(admin.client.get(reverse("onboarding:connect")))

    assert "Not granted" in html
    assert f'href="/connect/microsoft/admin/{alice.organization.pk}/">Grant admin consent</a>' in html


def test_it_tells_a_user_without_organization_to_ask_their_admin(onboarding_settings: Any):
    loner = User.objects.create_user(username="loner", password="pw-for-tests-only")
    client = client_for(loner)

    response = client.get(reverse("onboarding:microsoft_start"), follow=True)

    assert "not in any organization yet" in text_of(response)
    assert not Mailbox.objects.filter(owner=loner).exists()


def test_it_answers_404_for_an_organization_the_user_is_not_in(bob: Newcomer, make_person: Any):
    other = make_person("carol")

    for name in ("onboarding:microsoft_start", "onboarding:salesforce_start", "onboarding:google_start"):
        assert bob.client.get(reverse(name), {"org": other.organization.pk}).status_code == 404


def test_it_reports_an_unreachable_sign_in_service(bob: Newcomer, onboarding_settings: Any):
    onboarding_settings.GRAPH_AUTHORITY_TENANT = "no-such-tenant.example"

    response = bob.client.get(reverse("onboarding:microsoft_start"), follow=True)

    assert "The Microsoft sign-in service cannot be reached" in text_of(response)


def test_it_requires_sign_in(client: Client, onboarding_settings: Any):
    response = client.get(reverse("onboarding:microsoft_start"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
