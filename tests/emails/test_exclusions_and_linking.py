"""What is never saved (blocklists, free-email domains, internal-only) and how saved emails are linked."""

from __future__ import annotations

from typing import Any

import pytest

from blocklists.services import blocklist_settings_save, org_entries_add, user_entries_add
from emails.services import mailbox_auto_save_set
from tests.support.emails import (
    crm_world,
    day,
    deliver,
    email_counts,
    enable_emails,
    relations,
    saved,
    send,
    set_internal_domain,
    subjects,
    sync,
)
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_never_saves_an_email_whose_only_outside_participant_is_blocklisted(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    person.salesforce.Contact.create({"LastName": "Spam", "Email": "promo@spam.example"})
    org_entries_add(organization=person.organization, texts=["spam.example"], added_by=None)
    user_entries_add(user=person.user, organization=person.organization, texts=["ann@acme.example"])
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="inbound")
    deliver(graph, person, "Org-blocked, tagged", sender="promo@spam.example", categories=["Salesforce"])
    deliver(graph, person, "User-blocked, auto", sender="ann@acme.example")
    # A blocked person among others: the email is saved, the blocked person gets no relation.
    bob = person.salesforce.Contact.create(
        {"LastName": "Bob", "Email": "bob@acme.example", "AccountId": world["acme"]}
    )["id"]
    deliver(graph, person, "Bob with spam in Cc", sender="bob@acme.example", cc=["promo@spam.example"])

    session = sync(person)

    [email] = saved(sf_server, person)
    assert email["Subject"] == "Bob with spam in Cc"
    assert relations(person, email["Id"]) == {("FromAddress", bob), ("ToAddress", person.sf_user_id)}
    assert email_counts(session)["skipped"]["internal_or_blocked"] == 2


def test_it_never_saves_an_email_from_a_free_email_domain_while_the_list_is_on(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    person.salesforce.Contact.create({"LastName": "Gus", "Email": "gus@gmail.com"})
    deliver(graph, person, "From Gmail", sender="gus@gmail.com", categories=["Salesforce"])
    sync(person)
    assert saved(sf_server, person) == []

    blocklist_settings_save(
        organization=person.organization, free_domains_enabled=False, users_may_remove_org_entries=True
    )
    deliver(graph, person, "From Gmail again", sender="gus@gmail.com", categories=["Salesforce"])
    sync(person)

    assert subjects(sf_server, person) == ["From Gmail again"]


def test_it_never_saves_internal_only_emails_even_when_tagged(
    person: Person, make_person: Any, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    set_internal_domain(person.organization, "corp.example")
    crm_world(person)
    colleague = make_person("bob", organization=person.organization)
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="both")
    deliver(graph, person, "From a colleague", sender=colleague.mailbox.address, categories=["Salesforce"])
    deliver(graph, person, "From the company domain", sender="boss@corp.example", categories=["Salesforce"])
    send(graph, person, "To a colleague", [colleague.mailbox.address], categories=["Salesforce"])
    deliver(graph, person, "Colleague with a customer", sender="boss@corp.example", cc=["ann@acme.example"])

    session = sync(person)

    assert subjects(sf_server, person) == ["Colleague with a customer"]
    assert email_counts(session)["skipped"]["internal_or_blocked"] == 3


def test_it_relates_the_contact_with_an_account_when_several_contacts_share_an_address(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    sf = person.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "acme.example"})["id"]
    sf.Contact.create({"LastName": "Loose", "Email": "pat@acme.example"})
    placed = sf.Contact.create({"LastName": "Placed", "Email": "pat@acme.example", "AccountId": acme})["id"]
    sf.Contact.create({"LastName": "Loose too", "Email": "pat@acme.example"})
    deliver(graph, person, "Who is Pat", sender="pat@acme.example", categories=["Salesforce"])

    sync(person)

    [email] = saved(sf_server, person)
    assert ("FromAddress", placed) in relations(person, email["Id"])
    assert email["RelatedToId"] == acme


def test_it_links_the_users_open_opportunity_and_not_one_closed_long_ago(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    sf = person.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "acme.example"})["id"]
    sf.Contact.create({"LastName": "Ann", "Email": "ann@acme.example", "AccountId": acme})
    old = sf.Opportunity.create(
        {"Name": "Old deal", "StageName": "Closed Won", "CloseDate": day(-500), "AccountId": acme}
    )["id"]
    deliver(graph, person, "Before the new deal", categories=["Salesforce"])
    sync(person)
    [first] = saved(sf_server, person)
    assert first["RelatedToId"] == acme  # the old Opportunity is filtered out: its Account instead

    fresh = sf.Opportunity.create(
        {"Name": "New deal", "StageName": "Prospecting", "CloseDate": day(30), "AccountId": acme}
    )["id"]
    deliver(graph, person, "With the new deal", categories=["Salesforce"])
    sync(person)

    second = next(r for r in saved(sf_server, person) if r["Subject"] == "With the new deal")
    assert second["RelatedToId"] == fresh != old


def test_it_saves_as_completed_tasks_when_the_org_has_no_enhanced_email(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server, save_as="task")
    world = crm_world(person)
    deliver(graph, person, "As a task", categories=["Salesforce"])

    sync(person)

    [task] = [t for t in sf_server.app.records(person.sf_org_id, "Task") if t.get("TaskSubtype") == "Email"]
    assert task["Subject"] == "Email: As a task"
    assert task["Status"] == "Completed"
    assert task["WhoId"] == world["ann"] and task["WhatId"] == world["deal"]
    assert "From: ann@acme.example" in task["Description"]
    assert saved(sf_server, person) == []
