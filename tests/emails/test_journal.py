"""The email step's journal: each email the step weighed is named with the session (saved with its record,
related by which rule, failed with Salesforce's answer, left out and why), and nothing else is."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError
from django.urls import reverse

import emails.journal
from emails.fields import sync_key
from emails.models import EmailSettings
from emails.services import mailbox_auto_save_set
from syncengine.models import JournalEntry, SyncSession
from tests.support.emails import (
    crm_world,
    day,
    deliver,
    enable_emails,
    saved,
    set_internal_domain,
    subjects,
    sync,
)
from tests.support.pages import client_for, decoded_text_of
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db


def entries(session: SyncSession) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(session=session, stream="emails").order_by("pk"))


def refuse_emails(person: Person, sf_server: Any) -> None:
    """An admin made a field required that the engine does not fill: Salesforce refuses each email."""
    sf_server.app.add_field(person.sf_org_id, "EmailMessage", "Region__c", "string", length=20, required=True)


def test_it_journals_a_saved_email_with_its_record_and_the_rules_that_chose_its_links(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    sf = person.salesforce
    older = sf.Opportunity.create(
        {"Name": "Acme pilot", "StageName": "Prospecting", "CloseDate": day(30), "AccountId": world["acme"]}
    )["id"]
    sf.Opportunity.update(world["deal"], {"Description": "touched last"})
    twin = sf.Contact.create({"LastName": "Ann (no account)", "Email": "ann@acme.example"})["id"]
    email = deliver(graph, person, "Renewal terms", categories=["Salesforce"])

    session = sync(person)

    [record] = saved(sf_server, person)
    done, related = entries(session)
    assert (done.what, done.crm_object, done.crm_id) == ("email_saved", "EmailMessage", record["Id"])
    assert done.sync_key == sync_key(email["internetMessageId"]) and done.mail_id == email["id"]
    assert done.item_label == "Renewal terms" and "“Salesforce” category" in done.message
    assert done.details["internet_message_id"] == email["internetMessageId"]
    assert related.what == "related" and related.crm_id == record["Id"]
    assert related.fields == ["who_id", "what_id"]
    assert (
        f"Person {world['ann']}, chosen as the Contact with the address ann@acme.example (the sender), "
        f"the best of 2 with it (one with an Account first, then the user's, then the newest); "
        f"also found: {twin}." in related.message
    )
    assert (
        f"Business record {world['deal']}, chosen as the user's most recent Opportunity; also found: {older}."
        in related.message
    )
    assert related.details["who_passed_over"] == [twin] and related.details["passed_over"] == [older]


def test_it_explains_a_tagged_email_it_left_out_and_says_nothing_of_untouched_mail(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    set_internal_domain(person.organization, "corp.example")
    crm_world(person)
    internal = deliver(graph, person, "Team lunch", sender="boss@corp.example", categories=["Salesforce"])
    for n in range(5):
        deliver(graph, person, f"Newsletter {n}", sender="news@vendor.example")

    session = sync(person)

    assert subjects(sf_server, person) == []
    [left_out] = entries(session)
    assert (left_out.what, left_out.item_label, left_out.details["why"]) == (
        "left_out",
        "Team lunch",
        "internal_or_blocked",
    )
    assert left_out.sync_key == sync_key(internal["internetMessageId"])
    assert "Everyone in it is from the company itself, on a blocklist or on a free-email domain" in (
        left_out.message
    )


def test_it_says_why_auto_save_left_an_email_out(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="inbound")
    deliver(graph, person, "Cold pitch", sender="someone@unknown.example")

    session = sync(person)

    [left_out] = [e for e in entries(session) if e.item_label == "Cold pitch"]
    assert left_out.details["why"] == "not_linked"
    assert "only when one of its people is a Contact or Lead; none was found" in left_out.message


def test_it_journals_a_refused_email_with_salesforces_answer(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    refuse_emails(person, sf_server)
    email = deliver(graph, person, "Refused", categories=["Salesforce"])

    session = sync(person)

    [failed] = entries(session)
    assert failed.what == "email_gave_up" and failed.sync_key == sync_key(email["internetMessageId"])
    assert failed.message.startswith("Salesforce answered: REQUIRED_FIELD_MISSING")
    assert "Region__c" in failed.message and "It is no longer tried." in failed.message
    assert failed.crm_id == "" and failed.details["meant"] == "email_saved"


def test_it_saves_the_emails_even_when_the_journal_cannot_be_written(
    person: Person, sf_server: Any, graph: Any, monkeypatch: Any
):
    def refused(**_: Any) -> int:
        raise DatabaseError("disk full")

    monkeypatch.setattr(emails.journal, "journal_record", refused)
    enable_emails(person, sf_server)
    crm_world(person)
    deliver(graph, person, "Saved anyway", categories=["Salesforce"])

    session = sync(person)

    assert subjects(sf_server, person) == ["Saved anyway"]
    assert session.outcome == "succeeded" and entries(session) == []


def test_it_names_the_sessions_emails_on_the_reps_dashboard(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    set_internal_domain(person.organization, "corp.example")
    crm_world(person)
    deliver(graph, person, "Renewal terms", categories=["Salesforce"])
    deliver(graph, person, "Team lunch", sender="boss@corp.example", categories=["Salesforce"])
    sync(person)

    page = decoded_text_of(client_for(person.user).get(reverse("dashboard:home")))

    [record] = saved(sf_server, person)
    assert "Renewal terms" in page and "Saved to Salesforce" in page
    assert f"/lightning/r/EmailMessage/{record['Id']}/view" in page and "viewmodel=ReadMessageItem" in page
    assert "Team lunch" in page and "Everyone in it is from the company itself" in page
    assert page.index("Renewal terms") < page.index("Team lunch")  # what was saved first, then left out


def test_it_names_the_emails_a_session_stopped_before_saving(person: Person, sf_server: Any, graph: Any):
    EmailSettings.objects.create(organization=person.organization, enabled=True)  # no sync key field yet
    crm_world(person)
    deliver(graph, person, "Waiting for the set-up", categories=["Salesforce"])

    session = sync(person)

    [stopped] = entries(session)
    assert (stopped.what, stopped.item_label) == ("failed", "Waiting for the set-up")
    said = f"The session stopped before it was saved: Salesforce has no field {SYNC_KEY_FIELD}"
    assert stopped.message.startswith(said)
