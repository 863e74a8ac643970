"""The plan's records written to Salesforce over the sandbox: Accounts first, then Leads and Contacts on
them, once each however often the write is repeated or lost on the way back; the facts the plan needs
(Accounts by website, whether they have Contacts) read in two queries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from autoresolve.plan import Facts, Participant, Rules, plan_people
from autoresolve.salesforce import create_planned, salesforce_facts
from connectors.base import ConnectorError
from syncengine.services.connectors import salesforce_for
from tests.support.autoresolve import add_people_keys
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db

NOBODY_BLOCKED = lambda address: False  # noqa: E731


@pytest.fixture
def keyed(person: Person, salesforce_server: Any) -> Person:
    add_people_keys(person, salesforce_server)
    return person


def _plan(person: Person, rules: Rules, facts: Facts, *addresses: str) -> Any:
    return plan_people(
        [Participant(a) for a in addresses],
        organization_id=person.organization.pk,
        rules=rules,
        facts=facts,
        blocked=NOBODY_BLOCKED,
    )


def test_it_reads_which_accounts_have_the_website_and_which_have_contacts(keyed: Person):
    sf = keyed.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "https://www.acme-corp.example/about"})["id"]
    sf.Contact.create({"LastName": "Ann", "AccountId": acme})
    quiet = sf.Account.create({"Name": "Quiet", "Website": "quiet.example"})["id"]
    crm = salesforce_for(keyed.connection)

    facts = salesforce_facts(crm, ["eu.acme-corp.example", "quiet.example", "none.example"])

    assert {d: (a.id, a.has_contacts) for d, a in facts.accounts_by_domain.items()} == {
        "acme-corp.example": (acme, True),
        "quiet.example": (quiet, False),
    }
    assert crm.calls == 2  # two queries, however many domains


def test_it_writes_a_new_account_then_its_contacts_once_however_often_it_runs(keyed: Person):
    crm = salesforce_for(keyed.connection)
    plan = _plan(keyed, Rules(mode="contacts"), Facts(), "omar@acme-corp.example", "li@acme-corp.example")

    first = create_planned(crm, plan)
    again = create_planned(crm, plan)

    accounts = keyed.salesforce.query("SELECT Id, Name, Website FROM Account")["records"]
    contacts = keyed.salesforce.query("SELECT Id, Email, AccountId FROM Contact")["records"]
    assert [(a["Name"], a["Website"]) for a in accounts] == [("Acme Corp", "acme-corp.example")]
    assert sorted(c["Email"] for c in contacts) == ["li@acme-corp.example", "omar@acme-corp.example"]
    assert {c["AccountId"] for c in contacts} == {accounts[0]["Id"]}
    assert [w.created for w in first] == [True, True] and [w.created for w in again] == [False, False]
    assert [w.id for w in first] == [w.id for w in again]
    assert first[0].account_created and not again[0].account_created


def test_it_makes_no_twin_when_salesforce_wrote_the_leads_but_the_answer_was_lost(
    keyed: Person, salesforce_server: Any, settings: Any
):
    plan = _plan(keyed, Rules(mode="leads"), Facts(), "omar@acme-corp.example")
    salesforce_server.app.add_fault(
        path=rf"/composite/sobjects/Lead/{SYNC_KEY_FIELD}$", method="PATCH", delay_after=4
    )
    settings.HTTP_TIMEOUT_SECONDS = 1
    settings.RETRY_MAX_ATTEMPTS = 1

    with pytest.raises(Exception):  # noqa: B017 - the connector's timeout, whatever its class
        create_planned(salesforce_for(keyed.connection), plan)
    settings.HTTP_TIMEOUT_SECONDS = 30
    salesforce_server.app.clear()
    (written,) = create_planned(salesforce_for(keyed.connection), plan)

    leads = keyed.salesforce.query("SELECT Id, Company, LastName FROM Lead")["records"]
    assert [(lead["Company"], lead["LastName"]) for lead in leads] == [("Acme Corp", "omar")]
    assert written.id == leads[0]["Id"] and not written.created


def test_it_names_the_missing_sync_key_field_when_the_org_is_not_set_up_for_leads(person: Person):
    plan = _plan(person, Rules(mode="leads"), Facts(), "omar@acme-corp.example")

    with pytest.raises(ConnectorError, match=f"{SYNC_KEY_FIELD}.*Lead"):
        create_planned(salesforce_for(person.connection), plan)

    assert person.salesforce.query("SELECT Id FROM Lead")["records"] == []


def test_it_says_salesforces_answer_for_a_record_it_refuses(keyed: Person):
    too_long = "x" * 300  # Lead.Company holds 255
    plan = _plan(keyed, Rules(mode="leads"), Facts(), "omar@acme-corp.example")
    person = plan.people[0]
    refused = replace(plan, people=(replace(person, fields={**person.fields, "Company": too_long}),))

    (written,) = create_planned(salesforce_for(keyed.connection), refused)

    assert not written.id and "STRING_TOO_LONG" in written.failure
