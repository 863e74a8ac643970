"""The session's batched initial search against the Salesforce sandbox: one query per object, counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.salesforce.soql import chunked
from syncengine.core.linking import ItemFacts, LinkUser, link_item
from syncengine.services.connectors import salesforce_for
from syncengine.services.lookup import search_session
from tests.support.people import Person

pytestmark = pytest.mark.django_db

TODAY = datetime.now(UTC).date()


def queries(server: Any, person: Person) -> list[dict[str, Any]]:
    calls = server.app.requests(tenant=person.sf_org_id, kind="api")
    return [c for c in calls if c["path"].rstrip("/").endswith("/query")]


def objects_queried(server: Any, person: Person) -> list[str]:
    return [c["query"]["q"].split(" FROM ")[1].split(" ")[0] for c in queries(server, person)]


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def me(person: Person) -> LinkUser:
    return LinkUser(person.sf_user_id, frozenset({person.mailbox.address}))


def never(_: str) -> bool:
    return False


def test_it_searches_a_whole_session_with_one_query_per_object(person: Person, sf_server: Any):
    sf = person.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "https://www.acme.example"})["id"]
    beta = sf.Account.create({"Name": "Beta", "Website": "beta.example"})["id"]
    sf.Account.create({"Name": "Not Acme", "Website": "https://notacme.example"})
    ann = sf.Contact.create({"LastName": "Ann", "Email": "ann@acme.example", "AccountId": acme})["id"]
    lead = sf.Lead.create({"LastName": "Lee", "Company": "Gamma", "Email": "lee@gamma.example"})["id"]
    converted = sf.Lead.create({"LastName": "Old", "Company": "Delta", "Email": "old@delta.example"})["id"]
    sf_server.app.convert_lead(person.sf_org_id, converted, ann, acme)
    chosen = sf.Opportunity.create(
        {"Name": "Renewal", "StageName": "Prospecting", "CloseDate": day(30), "AccountId": acme}
    )["id"]
    sf.Opportunity.create(  # closes too far ahead: filtered out by the query and the rule
        {"Name": "Someday", "StageName": "Prospecting", "CloseDate": day(400), "AccountId": acme}
    )
    case = sf.Case.create({"Subject": "Broken", "AccountId": acme})["id"]
    number = sf.Case.get(case)["CaseNumber"]
    sf_server.app.clear()

    items = [
        ItemFacts(sender="ann@acme.example", to=(person.mailbox.address,), subject="Renewal"),
        ItemFacts(sender=person.mailbox.address, to=("lee@gamma.example", "old@delta.example")),
        ItemFacts(
            sender="someone@beta.example", to=(person.mailbox.address,), subject=f"Case {number} again"
        ),
        ItemFacts(sender="x@elsewhere.example", body=f"https://org.my.salesforce.com/{beta}"),
    ]
    crm = salesforce_for(person.connection)
    found = search_session(crm, items, user=me(person), is_blocked=never, today=TODAY)

    assert sorted(objects_queried(sf_server, person)) == ["Account", "Case", "Contact", "Lead", "Opportunity"]
    assert crm.calls == 5
    assert [c.id for c in found.contacts] == [ann]
    assert [lead_row.id for lead_row in found.leads] == [lead]  # the converted Lead is not asked for
    assert [o.id for o in found.opportunities] == [chosen]
    assert {a.id for a in found.accounts} >= {beta}

    linked = [link_item(i, user=me(person), found=found, is_blocked=never, today=TODAY) for i in items]
    assert (linked[0].who_id, linked[0].what_id) == (ann, chosen)
    assert (linked[1].who_id, linked[1].what_id) == (lead, "")
    assert linked[2].what_id == case
    assert linked[3].what_id == beta


def test_it_asks_nothing_when_every_participant_is_blocked_or_internal(person: Person, sf_server: Any):
    crm = salesforce_for(person.connection)
    items = [ItemFacts(sender="boss@corp.example", to=(person.mailbox.address,), subject="lunch")]

    found = search_session(
        crm, items, user=me(person), is_blocked=lambda a: a.endswith("@corp.example"), today=TODAY
    )

    assert found.contacts == () and found.accounts == ()
    assert queries(sf_server, person) == []
    assert crm.calls == 0


def test_it_splits_a_long_address_list_only_at_the_uri_limit(person: Person, sf_server: Any):
    addresses = [f"participant.number{i}@customer-{i % 7}.example" for i in range(450)]
    records = [
        {"attributes": {"type": "Contact"}, "LastName": f"P{i}", "Email": a} for i, a in enumerate(addresses)
    ]
    for start in range(0, len(records), 200):
        person.salesforce.restful(
            "composite/sobjects",
            method="POST",
            json={"allOrNone": True, "records": records[start : start + 200]},
        )
    sf_server.app.clear()
    items = [ItemFacts(sender=a, to=(person.mailbox.address,)) for a in addresses]
    crm = salesforce_for(person.connection)

    found = search_session(crm, items, user=me(person), is_blocked=never, today=TODAY)

    assert len(found.contacts) == 450
    contact_calls = [q for q in objects_queried(sf_server, person) if q == "Contact"]
    assert 1 < len(contact_calls) <= 4
    assert all(c["status"] == 200 for c in queries(sf_server, person))
    # Every domain resolved: no Account search at all; Leads asked in as few queries as Contacts.
    assert "Account" not in objects_queried(sf_server, person)
    assert objects_queried(sf_server, person).count("Lead") == len(contact_calls)


def test_it_builds_queries_that_fit_the_budget():
    from connectors.salesforce.soql import Terms

    values = [f"'a{i}@b.example'" for i in range(1000)]
    split = chunked("SELECT Id FROM Contact", [Terms("Email", values)], budget=4000)
    assert len(split) > 1
    assert sum(q.count("@b.example") for q in split) == 1000
    assert chunked("SELECT Id FROM Contact", [Terms("Email", values[:3])]) == [
        "SELECT Id FROM Contact WHERE (Email IN ('a0@b.example', 'a1@b.example', 'a2@b.example'))"
    ]


def test_it_links_and_saves_a_session_of_emails_with_a_handful_of_calls(person: Person, sf_server: Any):
    from connectors.salesforce.emails import EmailToSave, relations_from, save_email_messages
    from tests.support.people import SYNC_KEY_FIELD

    sf_server.app.add_field(
        person.sf_org_id, "EmailMessage", SYNC_KEY_FIELD, "string", length=80, external_id=True, unique=True
    )
    sf = person.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "acme.example"})["id"]
    ann = sf.Contact.create({"LastName": "Ann", "Email": "ann@acme.example", "AccountId": acme})["id"]
    deal = sf.Opportunity.create(
        {"Name": "Deal", "StageName": "Qualification", "CloseDate": day(20), "AccountId": acme}
    )["id"]
    sf_server.app.clear()
    items = {
        f"key-{i}": ItemFacts(
            sender="ann@acme.example", to=(person.mailbox.address,), subject=f"Re: deal {i}"
        )
        for i in range(30)
    }
    crm = salesforce_for(person.connection)

    found = search_session(crm, items.values(), user=me(person), is_blocked=never, today=TODAY)
    emails = []
    for key, item in items.items():
        links = link_item(item, user=me(person), found=found, is_blocked=never, today=TODAY)
        fields = {
            "Subject": item.subject,
            "FromAddress": item.sender,
            "Status": "3",
            "RelatedToId": links.what_id,
        }
        emails.append(EmailToSave(key, fields, relations_from(links.people)))
    results = save_email_messages(crm, emails)

    assert all(r.ok for r in results)
    # 30 emails: Contact, Lead and Opportunity lookups, which keys exist, one upsert, one relations write.
    assert crm.calls == 6
    saved = sf.query(f"SELECT RelatedToId FROM EmailMessage WHERE {SYNC_KEY_FIELD} = 'key-0'")["records"][0]
    assert saved["RelatedToId"] == deal
    relations = sf.query(
        f"SELECT RelationId FROM EmailMessageRelation WHERE EmailMessageId = '{results[0].id}'"
    )
    assert {r["RelationId"] for r in relations["records"]} == {ann, person.sf_user_id}
