"""An org admin invites people by email (a single-use link) and removes them; support cannot."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from console.membership import invitation_digest
from console.models import Invitation
from syncengine import selectors
from syncengine.models import Membership, Role
from tests.support.pages import decoded_text_of
from tests.support.people import Person


def invite(client: Client, person: Person, email: str, role: str = Role.USER) -> str:
    response = client.post(
        reverse("console:invite", args=[person.organization.pk]), {"email": email, "role": role}
    )
    assert response.status_code == 302
    return re.search(r"https?://\S+/console/join/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.mark.django_db
def test_it_makes_an_invited_newcomer_a_member_with_the_role_once(person: Person, org_admin: Client):
    link = invite(org_admin, person, "Nina@Acme.example", Role.SUPPORT)
    newcomer = Client()

    joined = newcomer.post(
        path_of(link), {"username": "nina", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"}
    )
    again = Client().get(path_of(link))

    nina = User.objects.get(username="nina")
    assert joined.status_code == 302 and nina.email == "nina@acme.example"
    assert Membership.objects.get(user=nina, organization=person.organization).role == Role.SUPPORT
    assert again.status_code == 404 and "cannot be used" in decoded_text_of(again)
    assert mail.outbox[0].to == ["nina@acme.example"]
    assert set(AuditEntry.objects.filter(source="console").values_list("object_type", flat=True)) == {
        "console.invitation",
        "syncengine.membership",
    }
    token = path_of(link).split("/")[-2]
    assert Invitation.objects.get().digest == invitation_digest(token) != token  # only its hash is kept


@pytest.mark.django_db
def test_it_lets_a_signed_in_person_join_with_one_click(
    person: Person, org_admin: Client, member_client: Callable[..., Client]
):
    link = invite(org_admin, person, "walt@else.example")
    walt = member_client("walt", None)

    walt.post(path_of(link))

    assert Membership.objects.filter(
        user__username="walt", organization=person.organization, role=Role.USER
    ).exists()


@pytest.mark.django_db
def test_it_refuses_an_expired_or_withdrawn_invitation(person: Person, org_admin: Client):
    expired, withdrawn = invite(org_admin, person, "a@x.example"), invite(org_admin, person, "b@x.example")
    Invitation.objects.filter(email="a@x.example").update(expires_at="2020-01-01T00:00:00Z")
    pending = Invitation.objects.get(email="b@x.example")
    org_admin.post(reverse("console:withdraw_invitation", args=[person.organization.pk, pending.pk]))

    for link in (expired, withdrawn):
        assert Client().get(path_of(link)).status_code == 404


@pytest.mark.django_db
def test_it_lets_only_the_org_admin_invite_or_remove(person: Person, support: Client):
    invited = support.post(
        reverse("console:invite", args=[person.organization.pk]), {"email": "x@y.example", "role": "user"}
    )
    removed = support.post(reverse("console:remove_member", args=[person.organization.pk, person.user.pk]))

    assert (invited.status_code, removed.status_code) == (403, 403)
    assert not Invitation.objects.exists() and Membership.objects.filter(user=person.user).exists()


@pytest.mark.django_db
def test_it_removes_a_member_whose_mailboxes_stop_syncing_and_keep_their_state(
    person: Person, org_admin: Client
):
    org_admin.post(reverse("console:remove_member", args=[person.organization.pk, person.user.pk]))

    assert not Membership.objects.filter(user=person.user, organization=person.organization).exists()
    assert not selectors.member_mailboxes().filter(pk=person.mailbox.pk).exists()  # nothing synced or queued
    assert person.mailbox.__class__.objects.filter(pk=person.mailbox.pk).exists()  # kept
    assert (
        AuditEntry.objects.get(source="console", action="delete").changes["member"][0] == person.user.username
    )


@pytest.mark.django_db
def test_it_keeps_the_organizations_last_org_admin(person: Person, org_admin: Client):
    olga = User.objects.get(username="olga")

    page = decoded_text_of(
        org_admin.post(reverse("console:remove_member", args=[person.organization.pk, olga.pk]), follow=True)
    )

    assert "last org admin cannot be removed" in page
    assert Membership.objects.filter(user=olga, role=Role.ORG_ADMIN).exists()


@pytest.mark.django_db
def test_it_shows_the_invitation_form_once_and_only_to_the_org_admin(
    person: Person, org_admin: Client, support: Client
):
    url = reverse("console:people", args=[person.organization.pk])

    admins, supports = decoded_text_of(org_admin.get(url)), decoded_text_of(support.get(url))

    assert admins.count("Invite someone") == 1 and "<title>People · " in admins
    assert "Invite someone" not in admins.split("</title>")[0]
    assert "Invite someone" not in supports
