"""The email pages: a user's auto-save per mailbox, the org admin's email settings; validated, CSRF-checked,
404 for anyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from emails.models import EmailSettings, MailboxEmailSettings
from syncengine.models import Mailbox, Membership, Organization, Role, SyncCursor
from syncengine.services.mailboxes import mailbox_create
from tests.support.emails import org_form

pytestmark = pytest.mark.django_db


def member(organization: Organization, name: str, role: str = Role.USER) -> User:
    user = User.objects.create_user(username=name, password="pw-for-tests-only")
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def mailbox_of(user: User, organization: Organization) -> Mailbox:
    return mailbox_create(
        organization=organization,
        owner=user,
        address=f"{user.username}@{organization.slug}.example",
        provider_account={},
        credentials={},
    )


@pytest.fixture
def world() -> dict[str, Any]:
    acme = Organization.objects.create(name="Acme", slug="acme")
    other = Organization.objects.create(name="Other", slug="other")
    rep, teammate = member(acme, "rep"), member(acme, "teammate")
    return {
        "acme": acme,
        "rep": rep,
        "teammate": teammate,
        "admin": member(acme, "admin", Role.ORG_ADMIN),
        "outsider_admin": member(other, "outsider", Role.ORG_ADMIN),
        "mailbox": mailbox_of(rep, acme),
        "teammate_mailbox": mailbox_of(teammate, acme),
    }


def client_for(user: User, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_it_shows_a_user_their_mailboxes_auto_save(world: dict[str, Any]):
    page = client_for(world["rep"]).get(reverse("emails:mine"))

    assert page.status_code == 200
    assert world["mailbox"].address in page.content.decode()
    assert world["teammate_mailbox"].address not in page.content.decode()


def test_it_switches_auto_save_on_and_starts_the_backfill(world: dict[str, Any]):
    mailbox = world["mailbox"]
    SyncCursor.objects.create(mailbox=mailbox, stream="email_inbox", side="mail", value="{}")
    SyncCursor.objects.create(mailbox=mailbox, stream="email_salesforce", side="mail", value="{}")
    url = reverse("emails:auto_save", args=[mailbox.pk])

    answer = client_for(world["rep"]).post(url, {f"m{mailbox.pk}-auto_save": "inbound"}, follow=True)

    assert answer.status_code == 200
    row = MailboxEmailSettings.objects.get(mailbox=mailbox)
    assert row.auto_save == "inbound" and row.activated_at is not None
    assert "last 6 days" in answer.content.decode()
    # Inbox is read again from the backfill window; the Salesforce folder keeps its place.
    assert list(SyncCursor.objects.filter(mailbox=mailbox).values_list("stream", flat=True)) == [
        "email_salesforce"
    ]


def test_it_refuses_an_unknown_auto_save_choice(world: dict[str, Any]):
    mailbox = world["mailbox"]
    url = reverse("emails:auto_save", args=[mailbox.pk])

    answer = client_for(world["rep"]).post(url, {f"m{mailbox.pk}-auto_save": "everything"}, follow=True)

    assert "Choose one of the auto-save options" in answer.content.decode()
    assert not MailboxEmailSettings.objects.exists()


def test_it_answers_404_to_a_teammate_changing_someone_elses_auto_save(world: dict[str, Any]):
    mailbox = world["mailbox"]
    url = reverse("emails:auto_save", args=[mailbox.pk])

    answer = client_for(world["teammate"]).post(url, {f"m{mailbox.pk}-auto_save": "both"})

    assert answer.status_code == 404
    assert not MailboxEmailSettings.objects.exists()


def test_it_refuses_a_post_without_its_csrf_token(world: dict[str, Any]):
    mailbox = world["mailbox"]
    url = reverse("emails:auto_save", args=[mailbox.pk])

    answer = client_for(world["rep"], csrf=True).post(url, {f"m{mailbox.pk}-auto_save": "both"})

    assert answer.status_code == 403
    assert not MailboxEmailSettings.objects.exists()


def test_it_saves_the_org_email_settings_for_an_org_admin(world: dict[str, Any]):
    url = reverse("emails:org_settings", args=[world["acme"].pk])
    client = client_for(world["admin"])
    assert client.get(url).status_code == 200

    answer = client.post(url, org_form(save_as="task", link_opportunities=None, backfill_days="3"))

    assert answer.status_code == 302
    settings = EmailSettings.objects.get(organization=world["acme"])
    assert settings.enabled and settings.save_as == "task" and settings.backfill_days == 3
    assert settings.max_attachment_bytes == 10 * 1024 * 1024
    assert settings.link_filters().link_opportunities is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_attachment_mb": "26"}, "less than or equal to 25"),
        ({"backfill_days": "31"}, "less than or equal to 30"),
        ({"backfill_days": "-1"}, "greater than or equal to 0"),
        ({"salesforce_folder": "  "}, "This field is required"),
        ({"salesforce_folder": "Sales/emails"}, "cannot hold"),
        ({"salesforce_folder": "Inbox"}, "one of Outlook"),
        ({"save_as": "fax"}, "Select a valid choice"),
    ],
)
def test_it_refuses_bad_org_settings_with_a_clear_message(world: dict[str, Any], changes: Any, message: str):
    url = reverse("emails:org_settings", args=[world["acme"].pk])

    answer = client_for(world["admin"]).post(url, org_form(**changes))

    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not EmailSettings.objects.exists()


@pytest.mark.parametrize("who", ["rep", "outsider_admin"])
def test_it_answers_404_to_anyone_but_the_orgs_admins(world: dict[str, Any], who: str):
    url = reverse("emails:org_settings", args=[world["acme"].pk])
    client = client_for(world[who])

    assert client.get(url).status_code == 404
    assert client.post(url, org_form()).status_code == 404
    assert not EmailSettings.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(world: dict[str, Any]):
    answer = Client().get(reverse("emails:mine"))

    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_it_lists_a_sessions_email_counts_on_the_dashboard(world: dict[str, Any]):
    from emails.context import EmailReport
    from syncengine.models import SyncSession

    report = EmailReport(read=4, saved=2, created=1, tagged=2)
    report.reasons["category"] = 2
    SyncSession.objects.create(
        mailbox=world["mailbox"], trigger="schedule", counts={"emails": report.as_dict()}
    )

    page = client_for(world["rep"]).get(reverse("dashboard:home"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "emails to Salesforce: 2 saved, 1 created" in text
    assert "2 you gave it the Salesforce category" in text  # the reason in words (core/code_words.py)
