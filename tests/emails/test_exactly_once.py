"""Exactly once: a Salesforce write whose answer never arrives, the same email in two mailboxes, and the
missing set-up said plainly (emails that cannot be saved: test_retries.py)."""

from __future__ import annotations

from typing import Any

import pytest

from emails.models import EmailSettings, SavedEmail, SavedEmailMailbox
from syncengine.models import Outcome, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.emails import (
    crm_world,
    deliver,
    email_counts,
    enable_emails,
    relations,
    saved,
    send,
    subjects,
    sync,
)
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db


def test_it_makes_no_second_email_message_when_salesforce_wrote_but_the_answer_was_lost(
    person: Person, sf_server: Any, graph: Any, settings: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    for i in range(3):
        deliver(graph, person, f"Quote {i}", categories=["Salesforce"])
    # Salesforce makes the records, then holds its answer past our timeout: we never hear back.
    sf_server.app.add_fault(
        path=rf"/composite/sobjects/EmailMessage/{SYNC_KEY_FIELD}$", method="PATCH", delay_after=4
    )
    settings.HTTP_TIMEOUT_SECONDS = 1
    settings.RETRY_MAX_ATTEMPTS = 1

    failed = session_run(mailbox_id=person.mailbox.pk)

    assert failed is not None and failed.outcome == Outcome.FAILED
    assert len(saved(sf_server, person)) == 3  # the write happened
    assert set(SavedEmail.objects.values_list("crm_id", flat=True)) == {""}  # only our intents
    assert not SavedEmailMailbox.objects.exists()

    settings.HTTP_TIMEOUT_SECONDS = 30
    sf_server.app.clear()
    session = sync(person)

    emails = saved(sf_server, person)
    assert [e["Subject"] for e in emails] == ["Quote 0", "Quote 1", "Quote 2"]
    assert len({e[SYNC_KEY_FIELD] for e in emails}) == 3
    assert email_counts(session)["saved"] == 3 and email_counts(session)["created"] == 0
    assert set(SavedEmail.objects.values_list("crm_id", flat=True)) == {e["Id"] for e in emails}
    for email in emails:  # relations added once, not once per attempt
        assert relations(person, email["Id"]) == {
            ("FromAddress", world["ann"]),
            ("ToAddress", person.sf_user_id),
        }
    assert email_counts(sync(person))["saved"] == 0
    assert len(saved(sf_server, person)) == 3


def test_it_saves_the_same_email_from_two_mailboxes_as_one_record_with_both_relations(
    person: Person, make_person: Any, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    bob = make_person("bob", organization=person.organization)
    sent = send(
        graph, person, "Joint proposal", ["ann@acme.example", bob.mailbox.address], categories=["Salesforce"]
    )
    [bobs_copy] = graph.mail.messages(bob.tenant_id, bob.graph_user_id, "inbox")
    graph.mail.set_categories(bob.tenant_id, bob.graph_user_id, bobs_copy["id"], ["Salesforce"])

    sync(person)
    second = sync(bob)

    [email] = saved(sf_server, person)
    assert email["MessageIdentifier"] == sent["internetMessageId"] == bobs_copy["internetMessageId"]
    assert email_counts(second)["saved"] == 1 and email_counts(second)["created"] == 0
    assert relations(person, email["Id"]) == {
        ("FromAddress", person.sf_user_id),
        ("ToAddress", world["ann"]),
        ("ToAddress", bob.sf_user_id),
    }
    ledger = SavedEmail.objects.get()
    assert ledger.crm_id == email["Id"]
    assert set(ledger.savers.values_list("mailbox", flat=True)) == {person.mailbox.pk, bob.mailbox.pk}


def test_it_says_which_field_salesforce_lacks_and_saves_the_emails_once_it_is_added(
    person: Person, sf_server: Any, graph: Any
):
    EmailSettings.objects.create(organization=person.organization, enabled=True)
    crm_world(person)
    deliver(graph, person, "Waiting for the set-up", categories=["Salesforce"])

    first = sync(person)

    assert first.outcome == Outcome.PARTIAL
    issue = SyncIssue.objects.get(mailbox=person.mailbox, stream="emails", resolved=False)
    assert f"Salesforce has no field {SYNC_KEY_FIELD}" in issue.message
    assert "External ID" in issue.message and "none is lost" in issue.message

    enable_emails(person, sf_server)
    sync(person)

    assert subjects(sf_server, person) == ["Waiting for the set-up"]
