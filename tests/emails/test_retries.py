"""Emails that cannot be saved: retried a few sessions (never forever, never after a permanent error),
never dropped silently, and the session's conversation reads capped with the rest carried over."""

from __future__ import annotations

from typing import Any

import pytest

import connectors.salesforce.connector as salesforce_connector
import emails.context
from connectors.salesforce.errors import TRANSIENT_ITEM_CODES
from emails.models import SavedThread
from emails.retrying import MAX_SAVE_ATTEMPTS
from syncengine.models import Outcome, SyncIssue
from syncengine.services.retries import RetryItem, retries_due, retry_record
from tests.support.emails import ago, crm_world, deliver, email_counts, enable_emails, saved, subjects, sync
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _email_writes(sf_server: Any) -> int:
    return sum(
        1
        for r in sf_server.app.requests()
        if r["method"] == "PATCH"
        and r["path"].startswith("/services/data/")
        and "/EmailMessage/" in r["path"]
    )


def _waiting(person: Person) -> list[RetryItem]:
    return retries_due(mailbox=person.mailbox, stream="emails", side="mail")


def _refuse_emails(person: Person, sf_server: Any) -> None:
    """An admin made a field required that the engine does not fill: Salesforce refuses each email."""
    sf_server.app.add_field(person.sf_org_id, "EmailMessage", "Region__c", "string", length=20, required=True)


def test_it_gives_up_at_once_on_a_permanent_error_and_saves_the_email_once_it_is_filed_after_the_fix(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    _refuse_emails(person, sf_server)
    email = deliver(graph, person, "Refused", categories=["Salesforce"])

    first = sync(person)

    assert saved(sf_server, person) == []
    assert first.outcome == Outcome.PARTIAL
    assert email_counts(first)["failed"] == 1 and email_counts(first)["given_up"] == 1
    assert not _waiting(person)  # not retried: the same refusal would come back
    issue = SyncIssue.objects.get(mailbox=person.mailbox, stream="emails", resolved=False)
    assert issue.mail_id == email["internetMessageId"]  # the email is not lost: the issue names it
    assert "“Refused” could not be saved to Salesforce" in issue.message and "Region__c" in issue.message
    assert "no longer retried" in issue.message and "“Salesforce emails” folder" in issue.message

    sf_server.app.clear()
    second = sync(person)

    assert _email_writes(sf_server) == 0 and email_counts(second)["threads_read"] == 0
    issue.refresh_from_db()
    assert not issue.resolved and issue.occurrences == 1

    # The admin relaxes the field, the user files the email as the issue says: it is saved.
    sf_server.app.add_field(person.sf_org_id, "EmailMessage", "Region__c", "string", length=20)
    graph.mail.move(person.tenant_id, person.graph_user_id, email["id"], "Salesforce emails")
    third = sync(person)

    assert subjects(sf_server, person) == ["Refused"]
    assert email_counts(third)["reasons"] == {"folder": 1}
    issue.refresh_from_db()
    assert issue.resolved


def test_it_retries_a_failing_email_at_most_max_save_attempts_sessions(
    person: Person, sf_server: Any, graph: Any, monkeypatch: Any
):
    # Salesforce's refusal counted as transient (as UNABLE_TO_LOCK_ROW is): worth retrying, a few times.
    transient = {*TRANSIENT_ITEM_CODES, "REQUIRED_FIELD_MISSING"}
    monkeypatch.setattr(salesforce_connector, "TRANSIENT_ITEM_CODES", transient)
    enable_emails(person, sf_server)
    crm_world(person)
    _refuse_emails(person, sf_server)
    deliver(graph, person, "Locked out", categories=["Salesforce"])

    for attempt in range(1, MAX_SAVE_ATTEMPTS):
        session = sync(person)
        assert email_counts(session)["failed"] == 1 and email_counts(session)["given_up"] == 0
        assert [w.attempts for w in _waiting(person)] == [attempt]
        issue = SyncIssue.objects.get(mailbox=person.mailbox, stream="emails", resolved=False)
        assert "The next session tries again" in issue.message and issue.occurrences == attempt

    last = sync(person)

    assert email_counts(last)["given_up"] == 1
    assert not _waiting(person)
    issue = SyncIssue.objects.get(mailbox=person.mailbox, stream="emails", resolved=False)
    assert f"failed {MAX_SAVE_ATTEMPTS} times" in issue.message and "no longer retried" in issue.message
    assert issue.occurrences == MAX_SAVE_ATTEMPTS  # the same issue, now one that is not retried
    sf_server.app.clear()
    after = sync(person)
    assert _email_writes(sf_server) == 0 and email_counts(after)["threads_read"] == 0
    assert saved(sf_server, person) == []


def test_it_keeps_a_pending_email_without_a_conversation_id_and_its_issue_open(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    # Left by a session whose provider gave no conversation id: there is no thread to read it through.
    message_id = "<no-thread@acme.example>"
    issue = retry_record(
        mailbox=person.mailbox,
        session=None,
        stream="emails",
        item=RetryItem(side="mail", id=message_id, reason="category", problem="UNABLE_TO_LOCK_ROW"),
        code="UNABLE_TO_LOCK_ROW",
        message="could not be saved; the next session tries again",
        mail_id=message_id,
        details={"reason": "category"},
    )

    sync(person)

    issue.refresh_from_db()
    assert not issue.resolved  # it was not saved: its issue stays open
    assert [w.attempts for w in _waiting(person)] == [2]

    for _ in range(MAX_SAVE_ATTEMPTS - 2):
        sync(person)

    assert not _waiting(person)
    open_issue = SyncIssue.objects.get(mailbox=person.mailbox, stream="emails", resolved=False)
    assert open_issue.mail_id == message_id
    assert "could not be read again" in open_issue.message and "no longer retried" in open_issue.message


def test_it_reads_at_most_max_thread_reads_threads_a_session_and_the_rest_next_session(
    person: Person, sf_server: Any, graph: Any, monkeypatch: Any
):
    monkeypatch.setattr(emails.context, "MAX_THREAD_READS", 1)
    enable_emails(person, sf_server)
    crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    firsts = [deliver(graph, person, name, received=ago(1)) for name in ("Alpha", "Beta")]
    for first in firsts:
        graph.mail.reply(tenant, user, first["id"], {"body": "Noted."})
    sync(person)  # nothing tagged yet
    for first in firsts:
        graph.mail.set_categories(tenant, user, first["id"], ["Salesforce"])

    capped = sync(person)

    assert email_counts(capped)["threads_read"] == 1 and email_counts(capped)["threads_later"] == 1
    assert email_counts(capped)["reasons"] == {"category": 2, "thread": 1}
    assert SavedThread.objects.filter(mailbox=person.mailbox, complete=False).count() == 1

    carried = sync(person)

    assert email_counts(carried)["threads_read"] == 1 and email_counts(carried)["threads_later"] == 0
    assert email_counts(carried)["reasons"] == {"thread": 1}
    assert subjects(sf_server, person) == ["Alpha", "Beta", "RE: Alpha", "RE: Beta"]
    assert not SavedThread.objects.filter(mailbox=person.mailbox, complete=False).exists()
    assert email_counts(sync(person))["threads_read"] == 0
