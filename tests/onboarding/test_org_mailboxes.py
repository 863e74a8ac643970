"""An org admin adds org-wide Microsoft 365 mailboxes after admin consent; sessions sync them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from onboarding.models import MicrosoftAdminConsent
from onboarding.selectors import mailbox_needs_reconnect
from syncengine.models import Mailbox, Outcome, Role
from syncengine.services.sessions import session_run
from tests.support.onboarding import Consent, Newcomer, back, started
from tests.support.pages import text_of
from tests.support.people import GRAPH_CLIENT_ID, SYNC_KEY_FIELD, Person, event_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(sandboxes: Any) -> Any:
    return sandboxes[1].app


@pytest.fixture
def admin(make_newcomer: Any, alice: Person, graph: Any) -> Newcomer:
    """An org admin of alice's organization, a global administrator of its tenant (which, as Entra ID
    does, gives app-only tokens only after admin consent)."""
    admin = make_newcomer("olga", role=Role.ORG_ADMIN)
    graph.authority.make_admin(alice.tenant_id, admin.graph_user_id)
    graph.authority.require_admin_consent(alice.tenant_id)
    return admin


@pytest.fixture
def sales(alice: Person, graph: Any) -> dict[str, Any]:
    """A shared mailbox of the tenant: nobody signs in to it."""
    return graph.create_user(alice.tenant_id, f"sales@{alice.organization.slug}.example", "Sales Team")


def page_url(alice: Person) -> str:
    return reverse("onboarding:org_mailboxes", args=[alice.organization.pk])


def grant_consent(admin: Newcomer, alice: Person, consent: Consent) -> None:
    """The admin clicks "Grant admin consent" and accepts on Microsoft's page."""
    start = admin.client.get(reverse("onboarding:microsoft_admin_start", args=[alice.organization.pk]))
    back(admin.client, consent.microsoft(started(start), admin.address))
    assert MicrosoftAdminConsent.objects.filter(organization=alice.organization).exists()


def add(client: Client, alice: Person, addresses: str, owner: Any) -> Any:
    return client.post(page_url(alice), {"addresses": addresses, "owner": owner.pk}, follow=True)


def in_days(days: float, hour: int = 10) -> str:
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_it_adds_a_shared_mailbox_that_a_session_then_syncs_to_salesforce(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    grant_consent(admin, alice, consent)
    graph.clear()

    response = add(admin.client, alice, sales["mail"].upper(), alice.user)

    mailbox = Mailbox.objects.get(organization=alice.organization, address=sales["mail"])
    assert mailbox.owner == alice.user
    assert mailbox.provider_account == {"tenant_id": alice.tenant_id, "user_id": sales["id"], "mode": "app"}
    assert mailbox.credentials == {}
    assert [r["path"] for r in graph.requests(kind="api")] == [f"/v1.0/users/{quote(sales['mail'], safe='')}"]
    assert f"{sales['mail']} is added" in text_of(response) and sales["mail"] in text_of(response)

    graph.create_event(
        alice.tenant_id, sales["id"], event_body("Demo for Acme", in_days(1, 14), in_days(1, 15))
    )
    session = session_run(mailbox_id=mailbox.pk)

    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    assert session.counts["events"]["to_crm"]["created"] == 1
    saved = alice.salesforce.query_all(f"SELECT Subject FROM Event WHERE {SYNC_KEY_FIELD} != null")["records"]
    assert [e["Subject"] for e in saved] == ["Demo for Acme"]
    paths = [r["path"] for r in graph.requests(tenant=alice.tenant_id, kind="api")]
    assert paths and not [p for p in paths if p.startswith("/v1.0/me")]


def revoked_org_mailbox(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
) -> Mailbox:
    """The admin consents and adds the sales mailbox for alice, then the consent is revoked in Entra
    and the tokens issued under it expire."""
    grant_consent(admin, alice, consent)
    add(admin.client, alice, sales["mail"], alice.user)
    mailbox = Mailbox.objects.get(address=sales["mail"])
    graph.authority.revoke_admin_consent(alice.tenant_id, GRAPH_CLIENT_ID)
    graph.expire_tokens(alice.tenant_id)
    return mailbox


def test_it_suspends_the_mailbox_naming_the_admin_consent_once_it_is_revoked(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    mailbox = revoked_org_mailbox(admin, alice, consent, sales, graph)

    session_run(mailbox_id=mailbox.pk)

    mailbox.refresh_from_db()
    assert mailbox.suspended and "admin consent" in mailbox.suspended_reason
    assert not mailbox_needs_reconnect(mailbox)  # the owner cannot sign in for it: the admin consents


def test_it_resumes_suspended_org_wide_mailboxes_when_the_admin_consents_again(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    mailbox = revoked_org_mailbox(admin, alice, consent, sales, graph)
    session_run(mailbox_id=mailbox.pk)
    graph.create_event(
        alice.tenant_id, sales["id"], event_body("After the pause", in_days(2), in_days(2, 11))
    )

    grant_consent(admin, alice, consent)
    mailbox.refresh_from_db()
    session = session_run(mailbox_id=mailbox.pk)

    assert not mailbox.suspended
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    assert session.counts["events"]["to_crm"]["created"] == 1


def test_it_adds_every_rep_of_a_list_and_keeps_the_addresses_it_could_not_find(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    grant_consent(admin, alice, consent)
    rep = graph.create_user(alice.tenant_id, f"rep@{alice.organization.slug}.example", "Rep")
    missing = f"nobody@{alice.organization.slug}.example"

    response = add(admin.client, alice, f"{sales['mail']}, {rep['mail']}\n{missing}", admin.user)

    made = Mailbox.objects.filter(provider_account__mode="app").order_by("address")
    assert [(m.address, m.owner) for m in made] == [(rep["mail"], admin.user), (sales["mail"], admin.user)]
    assert f"{missing}: no such user or shared mailbox" in text_of(response)
    assert response.context["form"]["addresses"].value() == missing  # kept for another try


def test_it_refuses_an_address_that_is_already_synced(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any]
):
    grant_consent(admin, alice, consent)
    add(admin.client, alice, sales["mail"], alice.user)

    response = add(admin.client, alice, f"{sales['mail']}\n{alice.mailbox.address}", admin.user)

    assert Mailbox.objects.filter(address=sales["mail"]).count() == 1
    assert alice.mailbox.provider_account.get("mode") is None  # alice's own sign-in is left alone
    assert "is already synced" in text_of(response)
    assert Mailbox.objects.filter(organization=alice.organization).count() == 2


def test_it_rejects_bad_input_and_keeps_it(admin: Newcomer, alice: Person, consent: Consent, bob: Newcomer):
    grant_consent(admin, alice, consent)
    outsider = Newcomer.__new__(Newcomer)
    outsider.user = type(admin.user).objects.create_user(username="mallory", password="pw-for-tests-only")

    bad_address = admin.client.post(page_url(alice), {"addresses": "sales@, not-mail", "owner": bob.user.pk})
    bad_owner = admin.client.post(page_url(alice), {"addresses": "a@b.example", "owner": outsider.user.pk})
    empty = admin.client.post(page_url(alice), {"addresses": " ,\n", "owner": bob.user.pk})

    assert bad_address.status_code == 400 and "Not an email address: sales@, not-mail" in text_of(bad_address)
    assert bad_address.context["form"]["addresses"].value() == "sales@, not-mail"
    assert bad_owner.status_code == 400 and "Select a valid choice" in text_of(bad_owner)
    assert empty.status_code == 400
    assert not Mailbox.objects.filter(provider_account__mode="app").exists()


def test_it_asks_for_admin_consent_first(admin: Newcomer, alice: Person, sales: dict[str, Any], graph: Any):
    page = admin.client.get(page_url(alice))
    response = admin.client.post(page_url(alice), {"addresses": sales["mail"], "owner": admin.user.pk})

    assert "Grant admin consent first" in text_of(page)
    assert response.status_code == 409 and "Grant admin consent first" in text_of(response)
    assert not Mailbox.objects.filter(address=sales["mail"]).exists()
    assert graph.requests(kind="api") == []


def test_it_names_the_admin_consent_when_the_tenant_no_longer_accepts_the_app(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    grant_consent(admin, alice, consent)
    graph.authority.revoke_admin_consent(alice.tenant_id, GRAPH_CLIENT_ID)

    response = add(admin.client, alice, sales["mail"], admin.user)

    assert "the admin consent was revoked" in text_of(response)
    assert response.context["form"]["addresses"].value() == sales["mail"]
    assert not Mailbox.objects.filter(address=sales["mail"]).exists()


def test_it_answers_404_to_members_who_are_not_org_admins(
    bob: Newcomer, alice: Person, sales: dict[str, Any]
):
    assert bob.client.get(page_url(alice)).status_code == 404
    assert (
        bob.client.post(page_url(alice), {"addresses": sales["mail"], "owner": bob.user.pk}).status_code
        == 404
    )
    assert not Mailbox.objects.filter(address=sales["mail"]).exists()


def test_it_requires_the_csrf_token(admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any]):
    grant_consent(admin, alice, consent)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin.user)

    page = strict.get(page_url(alice))
    forged = strict.post(page_url(alice), {"addresses": sales["mail"], "owner": admin.user.pk})

    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert forged.status_code == 403
    assert not Mailbox.objects.filter(address=sales["mail"]).exists()


def test_it_links_the_page_from_the_connect_page_once_consent_is_granted(
    admin: Newcomer, alice: Person, consent: Consent
):
    before = admin.client.get(reverse("onboarding:connect")).content.decode()
    grant_consent(admin, alice, consent)
    after = admin.client.get(reverse("onboarding:connect")).content.decode()

    assert page_url(alice) not in before and page_url(alice) in after


def test_it_makes_an_org_wide_mailbox_delegated_when_its_user_signs_in_to_it(
    admin: Newcomer, alice: Person, alice_client: Client, consent: Consent, sales: dict[str, Any]
):
    grant_consent(admin, alice, consent)
    add(admin.client, alice, sales["mail"], alice.user)
    mailbox = Mailbox.objects.get(address=sales["mail"])

    start = alice_client.get(reverse("onboarding:microsoft_start"), {"mailbox": mailbox.pk})
    back(alice_client, consent.microsoft(started(start), sales["mail"]))

    mailbox.refresh_from_db()
    assert mailbox.provider_account == {"tenant_id": alice.tenant_id, "user_id": sales["id"]}
    assert mailbox.credentials["refresh_token"]


def test_it_records_who_added_an_org_wide_mailbox_and_shows_it_to_the_orgs_admins(
    admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any]
):
    grant_consent(admin, alice, consent)

    response = add(admin.client, alice, sales["mail"], alice.user)

    mailbox = Mailbox.objects.get(organization=alice.organization, address=sales["mail"])
    assert mailbox.added_by == admin.user
    assert f"added by {admin.user.get_username()}" in text_of(response)
    entry = AuditEntry.objects.get(organization=alice.organization, object_id=str(mailbox.pk))
    assert (entry.actor_name, entry.action, entry.source) == (admin.user.get_username(), "add", "org_admin")
    assert entry.changes["owner"] == [None, str(alice.user)]
    audit_page = text_of(admin.client.get(reverse("dashboard:org_audit", args=[alice.organization.pk])))
    assert sales["mail"] in audit_page


def test_it_adds_only_the_addresses_the_operator_allows(
    settings, admin: Newcomer, alice: Person, consent: Consent, sales: dict[str, Any], graph: Any
):
    settings.ORG_MAILBOX_ALLOWED_ADDRESSES = ["shared-*@*"]
    grant_consent(admin, alice, consent)
    allowed = graph.create_user(alice.tenant_id, f"shared-desk@{alice.organization.slug}.example", "Desk")

    response = add(admin.client, alice, f"{sales['mail']}\n{allowed['mail']}", alice.user)

    addresses = set(Mailbox.objects.filter(organization=alice.organization).values_list("address", flat=True))
    assert allowed["mail"] in addresses
    assert sales["mail"] not in addresses
    assert "ORG_MAILBOX_ALLOWED_ADDRESSES" in text_of(response)
