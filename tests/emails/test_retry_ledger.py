"""The retry ledger (syncengine/services/retries.py) the email stream keeps its waiting emails in: one
entry per item, a person's choice to hide or stop its issue kept, and the emails an earlier version kept
as ``PendingEmail`` rows carried over by the migration."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from syncengine.models import Mailbox, Organization, RetryState, SyncIssue
from syncengine.services.issues import issue_dismiss, issue_stop_retrying
from syncengine.services.retries import (
    RetryItem,
    retries_due,
    retries_settle,
    retry_attempt_count,
    retry_give_up,
    retry_record,
)

BEFORE = [("emails", "0003_savedthread_complete"), ("syncengine", "0020_pair_mail_intent")]
AFTER = [("emails", "0004_retries_in_the_engine_ledger")]


def _mailbox() -> Mailbox:
    organization = Organization.objects.create(name="Acme", slug="acme")
    owner = User.objects.create(username="ann")
    return Mailbox.objects.create(
        organization=organization, owner=owner, provider="graph", address="a@x.example"
    )


def _record(mailbox: Mailbox, item: RetryItem, code: str = "UNABLE_TO_LOCK_ROW") -> SyncIssue:
    return retry_record(
        mailbox=mailbox,
        session=None,
        stream="emails",
        item=item,
        code=code,
        message="could not be saved",
        mail_id=item.id,
    )


@pytest.mark.django_db
def test_it_lists_an_item_once_with_its_most_attempts_and_ends_its_retries_once_settled():
    mailbox = _mailbox()
    _record(mailbox, RetryItem("mail", "<a@x>", attempts=3, reason="category", thread="t1"))
    _record(mailbox, RetryItem("mail", "<a@x>", attempts=1), code="EMAIL_NOT_SAVED")
    _record(mailbox, RetryItem("mail", "<b@x>"))

    due = retries_due(mailbox=mailbox, stream="emails", side="mail")

    assert [(i.id, i.attempts) for i in due] == [("<a@x>", 3), ("<b@x>", 1)]
    assert retries_due(mailbox=mailbox, stream="emails", side="crm") == []
    retries_settle(mailbox=mailbox, stream="emails", mail_ids={"<a@x>"}, crm_ids=set())
    assert [i.id for i in retries_due(mailbox=mailbox, stream="emails", side="mail")] == ["<b@x>"]


@pytest.mark.django_db
def test_a_hidden_issue_is_still_retried_and_a_stopped_one_is_not():
    mailbox = _mailbox()
    hidden = _record(mailbox, RetryItem("mail", "<hidden@x>"))
    stopped = _record(mailbox, RetryItem("mail", "<stopped@x>"))

    issue_dismiss(issue=hidden)
    issue_stop_retrying(issue=stopped)

    assert [i.id for i in retries_due(mailbox=mailbox, stream="emails", side="mail")] == ["<hidden@x>"]


@pytest.mark.django_db
def test_it_counts_an_attempt_that_could_not_be_tried_and_gives_up_with_an_issue_that_stays_open():
    mailbox = _mailbox()
    item = RetryItem("mail", "<a@x>", reason="folder")
    _record(mailbox, item)

    retry_attempt_count(mailbox=mailbox, stream="emails", item=item, attempts=4)
    assert [i.attempts for i in retries_due(mailbox=mailbox, stream="emails", side="mail")] == [4]
    given_up = retry_give_up(
        mailbox=mailbox,
        session=None,
        stream="emails",
        code="UNABLE_TO_LOCK_ROW",
        message="no more",
        mail_id="<a@x>",
    )

    assert retries_due(mailbox=mailbox, stream="emails", side="mail") == []
    given_up.refresh_from_db()
    assert not given_up.resolved and given_up.retry == RetryState.NONE and not given_up.retries


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_pending_email_rows_over_to_the_ledger():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organization = old.get_model("syncengine", "Organization").objects.create(name="Acme", slug="acme")
    owner = old.get_model("auth", "User").objects.create(username="ann")
    mailbox = old.get_model("syncengine", "Mailbox").objects.create(
        organization=organization, owner=owner, provider="graph", address="a@x.example"
    )
    pending = old.get_model("emails", "PendingEmail").objects
    pending.create(mailbox=mailbox, internet_message_id="<with-issue@x>", reason="category", attempts=3)
    pending.create(mailbox=mailbox, internet_message_id="<alone@x>", conversation_id="t2", reason="folder")
    old.get_model("syncengine", "SyncIssue").objects.create(
        mailbox=mailbox,
        stream="emails",
        code="UNABLE_TO_LOCK_ROW",
        message="could not be saved",
        mail_id="<with-issue@x>",
        details={"pending": True, "reason": "category"},
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    # Every app back to its latest state: the tests after this one expect the whole schema.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    due = retries_due(mailbox=Mailbox.objects.get(pk=mailbox.pk), stream="emails", side="mail")
    assert sorted((i.id, i.attempts, i.reason, i.thread) for i in due) == [
        ("<alone@x>", 1, "folder", "t2"),
        ("<with-issue@x>", 3, "category", ""),
    ]
    assert SyncIssue.objects.filter(stream="emails", resolved=False).count() == 2
