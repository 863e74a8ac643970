"""People are told by email when their mailbox is suspended or keeps failing, once each time, and
org admins who asked get a daily digest; a mail server that is down loses nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from console.models import ResyncRequest
from notify.models import Kind, Notification, NotificationSettings
from notify.services import notifications_hourly, notify_session_ended
from syncengine.extensions import SessionEnded
from syncengine.models import Mailbox, Membership, Outcome, Role, SyncSession
from syncengine.services.retention import retention_cleanup
from syncengine.services.sessions import session_run
from tests.support.people import Person


@pytest.fixture
def admin_email(person: Person) -> str:
    User.objects.filter(pk=person.user.pk).update(email="alice@org.example")
    admin = User.objects.create_user(username="olga", email="olga@org.example")
    Membership.objects.create(user=admin, organization=person.organization, role=Role.ORG_ADMIN)
    return admin.email


@pytest.mark.django_db
def test_it_tells_the_owner_and_the_org_admins_once_when_a_mailbox_is_suspended(
    person: Person, admin_email: str, sandboxes
):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)

    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None
    notify_session_ended(SessionEnded(Mailbox.objects.get(pk=person.mailbox.pk), session))  # a repeat

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sorted(sent.to) == ["alice@org.example", admin_email]
    assert sent.subject == f"Sync suspended for {person.mailbox.address}"
    assert "Reconnect it: its sync state is kept" in sent.body  # what to do
    assert Notification.objects.get().sent_at is not None


@pytest.mark.django_db
def test_it_tells_them_after_the_tenth_failure_in_a_row_and_not_after_the_eleventh(
    person: Person, admin_email: str, settings
):
    settings.NOTIFY_AFTER_FAILURES = 10
    settings.RETRY_MAX_ATTEMPTS = 1  # each session fails at once: no waiting inside a call
    settings.GRAPH_API_URL = "https://127.0.0.1:9/v1.0"  # Microsoft 365 unreachable
    Mailbox.objects.filter(pk=person.mailbox.pk).update(consecutive_failures=8)

    for _ in range(3):  # the 9th, 10th and 11th failures
        session = session_run(mailbox_id=person.mailbox.pk)
        assert session is not None and session.outcome == Outcome.FAILED

    assert Mailbox.objects.get(pk=person.mailbox.pk).consecutive_failures == 11
    assert [m.subject for m in mail.outbox] == [
        f"Sync of {person.mailbox.address} has failed 10 times in a row"
    ]


@pytest.mark.django_db
def test_it_keeps_a_notification_the_mail_server_refused_and_sends_it_within_the_hour(
    person: Person, admin_email: str, sandboxes, monkeypatch: pytest.MonkeyPatch
):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)

    def refuse(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as down:
        down.setattr("notify.services.send_mail", refuse)
        session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED  # the session's record is whole
    kept = Notification.objects.get()
    assert kept.sent_at is None and "tried again within the hour" in kept.error
    assert notifications_hourly() == 1
    assert len(mail.outbox) == 1 and Notification.objects.get().sent_at is not None


@pytest.mark.django_db
def test_it_sends_a_daily_digest_naming_the_mailboxes_that_need_attention(
    person: Person, make_person: Callable[..., Person], admin_email: str
):
    colleague = make_person("bert", organization=person.organization)
    NotificationSettings.objects.create(organization=person.organization, daily_digest=True)
    session_run(mailbox_id=person.mailbox.pk)
    Mailbox.objects.filter(pk=colleague.mailbox.pk).update(
        suspended=True, cause_code="MAIL_AUTH_REVOKED", suspended_reason="Consent was revoked"
    )

    notifications_hourly()
    notifications_hourly(now=timezone.now() + timedelta(minutes=5))  # the same day: not again

    digests = [m for m in mail.outbox if "digest" in m.subject]
    assert len(digests) == 1 and digests[0].to == [admin_email]
    assert f"{colleague.mailbox.address}: Reconnect needed" in digests[0].body
    assert person.mailbox.address not in digests[0].body  # synced: not named
    assert Notification.objects.filter(kind=Kind.DIGEST).count() == 1


@pytest.mark.django_db
def test_it_keeps_the_session_whole_when_telling_people_fails(
    person: Person, sandboxes, monkeypatch: pytest.MonkeyPatch
):
    _, graph_server = sandboxes
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the notifications")

    monkeypatch.setattr("notify.services.notification_settings", broken)
    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and SyncSession.objects.get(pk=session.pk).outcome == Outcome.FAILED
    assert Mailbox.objects.get(pk=person.mailbox.pk).suspended  # the suspension is stored all the same


@pytest.mark.django_db
def test_it_lets_the_daily_clean_up_remove_old_notifications_and_console_requests(person: Person):
    old = timezone.now() - timedelta(days=400)
    Notification.objects.create(
        organization=person.organization,
        kind=Kind.DIGEST,
        episode="old",
        subject="s",
        body="b",
        created_at=old,
    )
    Notification.objects.create(
        organization=person.organization, kind=Kind.DIGEST, episode="new", subject="s", body="b"
    )
    ResyncRequest.objects.create(
        mailbox=person.mailbox, stream="events", asked_by_name="sam", state="queued", at=old
    )

    removed = retention_cleanup()

    assert (removed["notifications"], removed["console_requests"]) == (1, 1)
    assert list(Notification.objects.values_list("episode", flat=True)) == ["new"]
