"""The plan's records written to Salesforce, and the facts the plan needs read from it.

Facts: the Accounts whose Website is one of the people's company domains, and which of them have
Contacts (two queries for a whole session). Writes: new Accounts first, then Leads and Contacts on
them, each as sObject Collections of 200 upserted on the org-wide sync key (connectors/salesforce/
once.py), so a replay or a second mailbox meeting the same person makes nothing twice: one extra write
call per 200 new people and per 200 new Accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autoresolve.domains import company_domain
from autoresolve.plan import Facts, KnownAccount, NewPerson, Plan
from connectors.base import WriteResult
from connectors.salesforce import queries
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.once import Written, create_once
from syncengine.core.linking import website_host


def salesforce_facts(crm: SalesforceConnector, domains: Iterable[str]) -> Facts:
    wanted = sorted({company_domain(d) for d in domains if d})
    accounts: dict[str, tuple[str, str]] = {}
    for soql in queries.accounts_search(wanted, ()):
        for row in crm.query(soql):
            host = website_host(row.get("Website") or "")
            domain = company_domain(host) if host else ""
            if domain in wanted and domain not in accounts:
                accounts[domain] = (row["Id"], row.get("Name") or "")
    with_contacts: set[str] = set()
    for soql in queries.accounts_with_contacts(account_id for account_id, _ in accounts.values()):
        with_contacts |= {row["AccountId"][:15] for row in crm.query(soql) if row.get("AccountId")}
    return Facts(
        {
            domain: KnownAccount(account_id, name, account_id[:15] in with_contacts)
            for domain, (account_id, name) in accounts.items()
        }
    )


@dataclass(frozen=True)
class PersonWritten:
    person: NewPerson
    id: str = ""
    created: bool = False  # False: it existed already (a replay, or another mailbox made it)
    account_id: str = ""
    account_created: bool = False
    person_contact_id: str = ""  # a Person Account's Contact: what activities link to
    failure: str = ""  # Salesforce's answer when it could not be written


def _answer(failure: WriteResult | None) -> str:
    if failure is None:
        return ""
    return f"{failure.code}: {failure.message}".strip(": ")


def create_planned(crm: SalesforceConnector, plan: Plan) -> list[PersonWritten]:
    """Every planned person's record, in the plan's order; a person whose Account could not be
    written is not written either (the next session tries both again)."""
    accounts = create_once(crm, "Account", {a.sync_key: a.fields for a in plan.accounts})
    results: dict[str, PersonWritten] = {}
    for kind in ("Lead", "Contact"):
        records = {}
        for person in (p for p in plan.people if p.kind == kind):
            account = accounts.get(person.new_account_key, Written()) if person.new_account_key else None
            if account is not None and not account.id:
                results[person.sync_key] = PersonWritten(person, failure=_answer(account.failure))
                continue
            fields = dict(person.fields)
            account_id = person.account_id or (account.id if account else "")
            if account_id:
                fields["AccountId"] = account_id
            records[person.sync_key] = fields
        written = create_once(crm, kind, records)
        for person in (p for p in plan.people if p.sync_key in written):
            outcome = written[person.sync_key]
            account = accounts.get(person.new_account_key) if person.new_account_key else None
            results[person.sync_key] = PersonWritten(
                person,
                id=outcome.id,
                created=outcome.created,
                account_id=person.account_id or (account.id if account else ""),
                account_created=bool(account and account.created),
                failure=_answer(outcome.failure),
            )
    results |= _person_accounts(crm, [p for p in plan.people if p.kind == "PersonAccount"])
    return [results[p.sync_key] for p in plan.people]


def _person_accounts(crm: SalesforceConnector, people: list[NewPerson]) -> dict[str, PersonWritten]:
    """Person Accounts: Accounts of the person record type, upserted on the person's key like Leads
    and Contacts; the Contact Salesforce keeps for each is what activities link to (WhoId). Three calls
    for up to 200 people: the record type, the upsert, their Contacts."""
    if not people:
        return {}
    types = [row["Id"] for row in crm.query(queries.PERSON_ACCOUNT_RECORD_TYPE)]
    if not types:
        missing = "Salesforce has no active Person Account record type (are Person Accounts enabled?)"
        return {p.sync_key: PersonWritten(p, failure=missing) for p in people}
    written = create_once(
        crm, "Account", {p.sync_key: {**p.fields, "RecordTypeId": types[0]} for p in people}
    )
    ids = [w.id for w in written.values() if w.id]
    contacts = {
        str(row["Id"])[:15]: str(row.get("PersonContactId") or "")
        for soql in queries.records_by_id("Account", ("Id", "PersonContactId"), ids)
        for row in crm.query(soql)
    }
    results = {}
    for person in people:
        outcome = written.get(person.sync_key, Written())
        results[person.sync_key] = PersonWritten(
            person,
            id=outcome.id,
            created=outcome.created,
            account_id=outcome.id,
            person_contact_id=contacts.get(outcome.id[:15], ""),
            failure=_answer(outcome.failure),
        )
    return results
