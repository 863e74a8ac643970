"""New Events and Tasks linked to their business record with the same rules as saved emails."""

from __future__ import annotations

from typing import Any

import pytest

from blocklists.services import free_domain_remove, free_domains_add
from syncengine.extensions import link_filters_for
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.emails import crm_world
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def run(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == "succeeded", session and session.error
    return session


def what_of(person: Person, sobject: str, subject: str) -> str | None:
    rows = person.salesforce.query_all(f"SELECT WhatId FROM {sobject} WHERE Subject = '{subject}'")["records"]
    assert len(rows) == 1
    return rows[0]["WhatId"]


def test_it_links_a_new_meeting_to_the_open_opportunity_of_its_contacts_account(person: Person):
    world = crm_world(person)
    person.outlook.create_event(
        **event_body(
            "Acme renewal call",
            in_days(2, 14),
            in_days(2, 15),
            attendees=[{"emailAddress": {"address": "ann@acme.example"}, "type": "required"}],
        )
    )

    run(person)

    assert what_of(person, "Event", "Acme renewal call") == world["deal"]


def test_it_links_a_new_task_to_the_case_its_subject_names(person: Person):
    sf = person.salesforce
    case = sf.Case.create({"Subject": "Printer on fire"})["id"]
    number = sf.Case.get(case)["CaseNumber"]
    run(person)  # makes the "Salesforce Tasks" list
    lists = person.outlook.call("GET", "/me/todo/lists")["value"]
    tasks_list = next(item["id"] for item in lists if item["displayName"] == "Salesforce Tasks")
    person.outlook.call(
        "POST", f"/me/todo/lists/{tasks_list}/tasks", {"title": f"Call back about Case {number}"}
    )

    run(person)

    assert what_of(person, "Task", f"Call back about Case {number}") == case


def test_it_links_nothing_and_asks_nothing_when_no_record_fits(person: Person, sandboxes: Any):
    person.outlook.create_event(
        **event_body("Dentist", in_days(1, 8), in_days(1, 9), categories=["Salesforce"])
    )
    sf_app = sandboxes[0].app
    sf_app.clear()

    run(person)

    assert what_of(person, "Event", "Dentist") is None
    queries = [
        r for r in sf_app.requests(tenant=person.sf_org_id) if r["method"] == "GET" and "query" in r["path"]
    ]
    assert len(queries) == 4, "the three streams' reads and one natural-key look-up: the linker asked nothing"


def test_it_links_with_the_orgs_own_free_email_list(person: Person):
    free_domain_remove(organization=person.organization, domain="gmx.de", changed_by=None)
    free_domains_add(organization=person.organization, texts=["mail.corp-free.example"], changed_by=None)

    free = link_filters_for(person.mailbox).free_email_domains

    assert "gmx.de" not in free and "mail.corp-free.example" in free and "gmail.com" in free
