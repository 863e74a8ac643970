"""People are told before a sign-in ends by itself: a Microsoft 365 sign-in unused for 90 days, a
Salesforce sign-in under its connected app's "expire after N days" policy. Once per sign-in and
end, to the person and their org admins, with the page to sign in again; not once it was renewed.
(Google's fixed lifetimes, which Google names at sign-in: tests/onboarding/test_google_sign_in_ending.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from notify.models import Kind, Notification
from notify.services import notifications_hourly
from syncengine.models import Mailbox, Membership, Outcome, Role, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.people import SF_CLIENT_ID, Person

CONNECT = "http://127.0.0.1:8000/connect/"


@pytest.fixture
def admin_email(person: Person, settings) -> str:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    User.objects.filter(pk=person.user.pk).update(email="alice@org.example")
    admin = User.objects.create_user(username="olga", email="olga@org.example")
    Membership.objects.create(user=admin, organization=person.organization, role=Role.ORG_ADMIN)
    return admin.email


def last_used_days_ago(person: Person, sandboxes, days: int) -> datetime:
    """alice's Microsoft 365 sign-in, as the engine and Microsoft both know it, was last renewed
    ``days`` ago (her mailbox has not synced since). Returns when it ends."""
    _, graph_server = sandboxes
    used = timezone.now() - timedelta(days=days)
    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    mailbox.credentials = {**mailbox.credentials, "renewed_at": used.timestamp()}
    mailbox.save(update_fields=["credentials"])
    graph_server.app.age_refresh_tokens(person.tenant_id, person.graph_user_id, days)
    return used + timedelta(days=90)


@pytest.mark.django_db
def test_it_tells_the_owner_and_the_org_admins_once_a_week_before_an_unused_microsoft_sign_in_ends(
    person: Person, admin_email: str, sandboxes
):
    ends = last_used_days_ago(person, sandboxes, 85)

    assert notifications_hourly() == 1
    assert notifications_hourly(now=timezone.now() + timedelta(hours=1)) == 0  # the same sign-in and end

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sorted(sent.to) == ["alice@org.example", admin_email]
    assert sent.subject == (
        f"The Microsoft 365 sign-in for {person.mailbox.address} ends on {ends:%d %B}: "
        "sign in again to keep syncing"
    )
    assert f"ends on {ends:%d %B %Y at %H:%M} (UTC)" in sent.body  # when
    assert "not been used for 90 days" in sent.body  # why
    assert f"Syncing of {person.mailbox.address} with Salesforce" in sent.body  # what stops
    assert "sign in again before then, on this page" in sent.body and CONNECT in sent.body  # the action
    row = Notification.objects.get()
    assert row.kind == Kind.EXPIRING and row.mailbox_id == person.mailbox.pk and row.sent_at


@pytest.mark.django_db
def test_it_does_not_tell_them_once_a_session_renewed_the_sign_in(
    person: Person, admin_email: str, sandboxes
):
    last_used_days_ago(person, sandboxes, 85)

    session = session_run(mailbox_id=person.mailbox.pk)  # Microsoft still takes it: a fresh one back
    notifications_hourly()

    assert session is not None and session.outcome != Outcome.FAILED
    renewed = Mailbox.objects.get(pk=person.mailbox.pk).credentials["renewed_at"]
    assert abs(renewed - timezone.now().timestamp()) < 60
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_it_says_nothing_of_a_sign_in_far_from_its_end_or_past_it(
    person: Person, admin_email: str, sandboxes
):
    last_used_days_ago(person, sandboxes, 60)
    notifications_hourly()
    last_used_days_ago(person, sandboxes, 100)  # it has stopped already: the suspension notice tells
    notifications_hourly()

    assert mail.outbox == []


@pytest.mark.django_db
def test_it_tells_them_before_the_connected_app_policy_ends_a_salesforce_sign_in(
    person: Person, admin_email: str, sandboxes, settings
):
    sf_server, _ = sandboxes
    settings.SALESFORCE_REFRESH_EXPIRE_AFTER_DAYS = 30  # as the connected app's policy says
    sf_server.app.set_refresh_token_policy(SF_CLIENT_ID, expire_after_days=30)
    signed_in = timezone.now() - timedelta(days=25)
    SalesforceConnection.objects.filter(pk=person.connection.pk).update(connected_at=signed_in)
    sf_server.app.age_refresh_tokens(person.sf_org_id, person.sf_user_id, 25)

    session = session_run(mailbox_id=person.mailbox.pk)  # a refresh does not move the policy's end
    notifications_hourly()

    assert session is not None and session.outcome != Outcome.FAILED
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    ends = signed_in + timedelta(days=30)
    assert sorted(sent.to) == ["alice@org.example", admin_email]
    assert sent.subject.startswith(f"The Salesforce sign-in for {person.connection.username} ends on")
    assert f"ends on {ends.astimezone(UTC):%d %B %Y at %H:%M}" in sent.body
    assert "end 30 days after they are made" in sent.body and CONNECT in sent.body

    # Six days on, the policy's 30 days are over: Salesforce refuses the next refresh.
    sf_server.app.age_refresh_tokens(person.sf_org_id, person.sf_user_id, 6)
    sf_server.app.expire_tokens(person.sf_org_id)
    stopped = session_run(mailbox_id=person.mailbox.pk)
    assert stopped is not None and stopped.outcome == Outcome.FAILED
    assert "expired access/refresh token" in stopped.error


@pytest.mark.django_db
def test_it_tells_of_a_mailbox_paused_for_another_cause_but_not_of_one_whose_sign_in_stopped(
    person: Person, make_person, admin_email: str, sandboxes
):
    last_used_days_ago(person, sandboxes, 85)
    Mailbox.objects.filter(pk=person.mailbox.pk).update(suspended=True, cause_code="CRM_AUTH_REVOKED")
    stopped = make_person("bert", organization=person.organization)
    last_used_days_ago(stopped, sandboxes, 85)
    Mailbox.objects.filter(pk=stopped.mailbox.pk).update(suspended=True, cause_code="MAIL_AUTH_REVOKED")

    notifications_hourly()

    assert [n.mailbox_id for n in Notification.objects.all()] == [person.mailbox.pk]
