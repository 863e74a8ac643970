"""An org admin grants admin consent for the tenant (application permissions, org-wide mailboxes)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from onboarding.models import MicrosoftAdminConsent
from syncengine.models import Organization, Role
from tests.support.onboarding import GRAPH_PASSWORD, Consent, Newcomer, back, started
from tests.support.pages import text_of
from tests.support.people import GRAPH_CLIENT_ID, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_newcomer: Any, alice: Person, sandboxes: Any) -> Newcomer:
    admin = make_newcomer("olga", role=Role.ORG_ADMIN)
    sandboxes[1].app.authority.make_admin(alice.tenant_id, admin.graph_user_id)
    return admin


def _start(who: Newcomer, alice: Person) -> Any:
    return who.client.get(reverse("onboarding:microsoft_admin_start", args=[alice.organization.pk]))


def test_it_sends_the_admin_to_the_admin_consent_endpoint(admin: Newcomer, alice: Person):
    location = started(_start(admin, alice))

    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert parts.path == f"/{alice.tenant_id}/v2.0/adminconsent"
    assert query["client_id"] == [GRAPH_CLIENT_ID]
    assert query["scope"] == ["https://graph.microsoft.com/.default"]
    assert query["redirect_uri"] == ["http://testserver/connect/microsoft/admin/callback/"]
    assert query["state"][0]


def test_it_records_the_consent_for_the_organization(
    admin: Newcomer, alice: Person, consent: Consent, sandboxes: Any
):
    location = consent.microsoft(started(_start(admin, alice)), admin.address)

    response = back(admin.client, location)

    record = MicrosoftAdminConsent.objects.get(organization=alice.organization)
    assert record.tenant_id == alice.tenant_id
    assert record.granted_by == admin.user
    assert record.scopes == ["https://graph.microsoft.com/.default"]
    assert record.verified_at is not None
    assert sandboxes[1].app.authority.has_admin_consent(alice.tenant_id, GRAPH_CLIENT_ID)
    assert "Admin consent granted" in text_of(response)
    assert "Granted" in text_of(admin.client.get(reverse("onboarding:connect")))


def test_it_answers_404_to_members_who_are_not_org_admins(bob: Newcomer, alice: Person, admin: Newcomer):
    # The organization has an admin (olga): being a member of it is still not enough.
    assert _start(bob, alice).status_code == 404
    assert _start(admin, alice).status_code == 302


def test_it_records_nothing_when_a_non_admin_signs_in(
    admin: Newcomer, bob: Newcomer, alice: Person, consent: Consent
):
    url = started(_start(admin, alice))

    page = consent.submit(url, consent.page(url), login=bob.address, passwd=GRAPH_PASSWORD, action="accept")

    assert page.status_code == 403 and "Need admin approval" in page.text
    assert not MicrosoftAdminConsent.objects.exists()


def test_it_records_nothing_when_the_admin_declines(admin: Newcomer, alice: Person, consent: Consent):
    location = consent.microsoft(started(_start(admin, alice)), admin.address, action="cancel")

    response = back(admin.client, location)

    assert not MicrosoftAdminConsent.objects.exists()
    assert "Admin consent was not granted" in text_of(response)


def test_it_refuses_an_answer_whose_state_is_not_ours(admin: Newcomer, alice: Person, consent: Consent):
    location = consent.microsoft(started(_start(admin, alice)), admin.address)

    response = back(admin.client, location, state="forged")

    assert not MicrosoftAdminConsent.objects.exists()
    assert "does not match our request" in text_of(response)


def test_it_refuses_a_consent_answer_naming_a_tenant_its_organization_does_not_sign_in_to(
    admin: Newcomer, alice: Person, make_person: Any, sandboxes: Any
):
    victim = make_person("victim")  # another company's tenant, with the app consented there
    sandboxes[1].app.authority.grant_admin_consent(victim.tenant_id, GRAPH_CLIENT_ID)
    state = parse_qs(urlsplit(started(_start(admin, alice))).query)["state"][0]

    forged = {"state": state, "admin_consent": "True", "tenant": victim.tenant_id}
    response = admin.client.get(reverse("onboarding:microsoft_admin_callback"), forged, follow=True)

    assert "connect a Microsoft 365 mailbox of that tenant first" in text_of(response)
    assert not MicrosoftAdminConsent.objects.exists()


def test_it_refuses_a_tenant_another_organization_already_holds(
    admin: Newcomer, alice: Person, consent: Consent
):
    rival = Organization.objects.create(name="Rival", slug="rival")
    MicrosoftAdminConsent.objects.create(organization=rival, tenant_id=alice.tenant_id)
    location = consent.microsoft(started(_start(admin, alice)), admin.address)

    response = back(admin.client, location)

    assert "already connected to another organization" in text_of(response)
    assert not MicrosoftAdminConsent.objects.filter(organization=alice.organization).exists()
