"""Dismissing an issue: the owner can, nobody else can, and the mailbox is then no longer flagged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.models import MailboxStatus, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import client_for
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def truncated_issue(alice: Person) -> SyncIssue:
    alice.outlook.create_event(**event_body("T" * 300, in_days(1), in_days(1, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    return SyncIssue.objects.get(mailbox=alice.mailbox, code="FIELD_TRUNCATED")


def test_it_lets_the_owner_dismiss_an_issue_and_clears_the_warning(
    alice_client: Client, alice: Person, truncated_issue
):
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.status == MailboxStatus.WARNING

    response = alice_client.post(reverse("dashboard:dismiss_issue", args=[truncated_issue.pk]))

    assert response.status_code == 302
    truncated_issue.refresh_from_db()
    assert truncated_issue.resolved
    session_run(mailbox_id=alice.mailbox.pk)
    alice.mailbox.refresh_from_db()
    assert alice.mailbox.status == MailboxStatus.OK


def test_it_keeps_a_mailbox_flagged_while_an_issue_is_open(alice: Person, truncated_issue):
    session_run(mailbox_id=alice.mailbox.pk)  # a quiet session: nothing new, the issue still open

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.status == MailboxStatus.WARNING


@pytest.mark.parametrize("intruder", ["teammate", "outsider"])
def test_it_answers_404_to_someone_else_dismissing(request, alice: Person, truncated_issue, intruder: str):
    client = client_for(request.getfixturevalue(intruder).user)

    response = client.post(reverse("dashboard:dismiss_issue", args=[truncated_issue.pk]))

    assert response.status_code == 404
    truncated_issue.refresh_from_db()
    assert not truncated_issue.resolved
