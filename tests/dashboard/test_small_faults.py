"""The small faults found on the way, each held: a reason said once, "due now" rather than "0 minutes
from now", the badge and the reconnect advice agreeing, and the mapping editor inside its card."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from syncengine.models import ConnectionStatus, MailboxStatus, SalesforceConnection
from syncengine.services.issues import issue_record
from syncengine.services.mailboxes import mailbox_resume, mailbox_suspend
from syncengine.services.sessions import session_run
from tests.support.pages import decoded_text_of, url
from tests.support.people import Person

pytestmark = pytest.mark.django_db

REVOKED = "Microsoft 365 no longer accepts the refresh token (AADSTS70008: the grant expired)"


def _suspend_as_the_engine_does(person: Person) -> None:
    """A failed session stores its message as the status message, then suspends with the same."""
    person.mailbox.status = MailboxStatus.ERROR
    person.mailbox.status_message = REVOKED
    person.mailbox.save()
    mailbox_suspend(mailbox=person.mailbox, reason=REVOKED, automatic=True, code="MAIL_AUTH_REVOKED")


def test_it_says_a_suspension_reason_once(alice_client: Client, alice: Person):
    _suspend_as_the_engine_does(alice)

    html = decoded_text_of(alice_client.get(url("home")))

    assert html.count(REVOKED) == 1
    assert "no longer accepts this app's sign-in" in html or "sign-in is no longer accepted" in html


def test_it_says_a_persons_own_suspension_reason_once(alice_client: Client, alice: Person):
    mailbox_suspend(mailbox=alice.mailbox, reason="Parental leave")

    html = decoded_text_of(alice_client.get(url("home")))

    assert html.count("Parental leave") == 1
    assert "You suspended this mailbox" in html


@pytest.mark.parametrize("late", [timedelta(0), timedelta(minutes=7)])
def test_it_says_due_now_for_a_session_due_or_overdue(alice_client: Client, alice: Person, late: timedelta):
    alice.mailbox.next_due_at = timezone.now() - late
    alice.mailbox.save()

    html = decoded_text_of(alice_client.get(url("home")))

    assert "<td data-next-session>due now: starting shortly</td>" in html
    assert "0 minutes" not in html


def test_it_says_when_a_later_session_runs(alice_client: Client, alice: Person):
    alice.mailbox.next_due_at = timezone.now() + timedelta(minutes=25, seconds=30)
    alice.mailbox.save()

    html = decoded_text_of(alice_client.get(url("home")))

    assert "<td data-next-session>in 25 minutes</td>" in html


def test_it_clears_the_failure_message_when_the_mailbox_resumes(alice: Person):
    _suspend_as_the_engine_does(alice)

    mailbox_resume(mailbox=alice.mailbox)

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.status_message == ""


def test_it_shows_no_stale_reconnect_line_beside_a_synced_badge(alice_client: Client, alice: Person):
    session_run(mailbox_id=alice.mailbox.pk)
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.status == MailboxStatus.OK
    # Left by an earlier failure (an older release did not clear it on resume):
    alice.mailbox.status_message = "Reconnect the mailbox: " + REVOKED
    alice.mailbox.save()
    SalesforceConnection.objects.filter(user=alice.user).update(
        status=ConnectionStatus.CONNECTED, status_message="Salesforce no longer accepts your sign-in"
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert '<span class="badge ok">Synced</span>' in html
    assert REVOKED not in html
    assert "Salesforce no longer accepts your sign-in" not in html
    assert "What to do" not in html


def test_it_keeps_the_mapping_editor_scrolling_inside_its_card(boss_client: Client, boss: Person):
    page = boss_client.get(f"/org/{boss.organization.pk}/mappings/events/").content.decode()
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()

    assert page.count('<div class="table-scroll">') == 2  # the current table and the editor
    assert ".table-scroll { overflow-x: auto;" in css


def test_it_says_just_now_for_an_issue_seen_a_moment_ago(alice_client: Client, alice: Person):
    issue_record(
        mailbox=alice.mailbox, session=None, stream="events", code="NETWORK", message="Graph unreachable"
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert "· last just now" in html and "0 minutes ago" not in html
