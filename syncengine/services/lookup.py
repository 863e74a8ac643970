"""One batched initial search per session: every address, domain, case number and linked id of the
session's items asked in one query per object (Contact, Lead, Case, Account, Opportunity), split only
where a query would pass the URI limit. An object with nothing to ask costs no call.

Order matters and costs nothing extra: Accounts are searched by domain only for addresses no Contact or
Lead answered, and Opportunities only on the Accounts of the Contacts found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.soql import Terms, chunked, like_contains, literal
from mapping.converters import parse_instant
from syncengine.core.linking import (
    AccountRow,
    Blocked,
    CaseRow,
    ContactRow,
    Found,
    ItemFacts,
    LeadRow,
    LinkFilters,
    LinkUser,
    LookupRequest,
    OpportunityRow,
    contact_accounts,
    lookup_request,
    unresolved_domains,
)


def search_session(
    crm: SalesforceConnector,
    items: Iterable[ItemFacts],
    *,
    user: LinkUser,
    is_blocked: Blocked,
    today: date,
    filters: LinkFilters | None = None,
    contact_email_fields: Sequence[str] = ("Email",),
) -> Found:
    """The initial search for all of a session's items; feed the result to ``link_item`` per item."""
    request = lookup_request(items, user=user, is_blocked=is_blocked)
    return lookup(
        crm, request, user=user, today=today, filters=filters, contact_email_fields=contact_email_fields
    )


def lookup(
    crm: SalesforceConnector,
    request: LookupRequest,
    *,
    user: LinkUser,
    today: date,
    filters: LinkFilters | None = None,
    contact_email_fields: Sequence[str] = ("Email",),
) -> Found:
    filters = filters or LinkFilters()
    addresses = sorted(request.addresses)
    emails = [literal(a, "email") for a in addresses]

    contact_fields = list(
        dict.fromkeys(["Id", "AccountId", "OwnerId", "LastModifiedDate", *contact_email_fields])
    )
    contact_terms = [Terms(f, emails) for f in contact_email_fields]
    contact_rows = _rows(crm, "Contact", contact_fields, [*contact_terms, _ids(request.ids("Contact"))])
    contacts = tuple(
        ContactRow(
            r["Id"],
            str(r[f]).lower(),
            r.get("AccountId") or "",
            r.get("OwnerId") or "",
            r.get("LastModifiedDate") or "",
        )
        for r in contact_rows
        for f in contact_email_fields
        if r.get(f)
    )
    lead_rows = _rows(
        crm,
        "Lead",
        ["Id", "Email", "OwnerId", "LastModifiedDate", "IsConverted"],
        [Terms("Email", emails, guard="IsConverted = false"), _ids(request.ids("Lead"))],
    )
    leads = tuple(
        LeadRow(
            r["Id"],
            str(r.get("Email") or "").lower(),
            r.get("OwnerId") or "",
            r.get("LastModifiedDate") or "",
            bool(r.get("IsConverted")),
        )
        for r in lead_rows
    )
    case_rows = _rows(
        crm,
        "Case",
        ["Id", "CaseNumber", "IsClosed", "CreatedDate", "AccountId"],
        [
            Terms("CaseNumber", [literal(n, "string") for n in sorted(request.case_numbers)]),
            _ids(request.ids("Case")),
        ],
    )
    cases = tuple(
        CaseRow(
            r["Id"],
            r.get("CaseNumber") or "",
            bool(r.get("IsClosed")),
            parse_instant(r.get("CreatedDate")),
            r.get("AccountId") or "",
        )
        for r in case_rows
    )

    people = Found(contacts=contacts, leads=leads)
    domains = sorted(unresolved_domains(addresses, people, filters))
    patterns = [like_contains(d) for d in domains]
    account_rows = _rows(
        crm,
        "Account",
        ["Id", "Name", "Website"],
        [Terms("Website", patterns, like=True), _ids(request.ids("Account"))],
    )
    accounts = tuple(AccountRow(r["Id"], r.get("Name") or "", r.get("Website") or "") for r in account_rows)

    first, last = filters.opportunity_window(today)
    on_accounts = sorted(contact_accounts(people)) if filters.link_opportunities else []
    window = f"CloseDate >= {literal(first, 'date')} AND CloseDate <= {literal(last, 'date')}"
    guard = f"OwnerId = {literal(user.id, 'reference')} AND {window}"
    opportunity_rows = _rows(
        crm,
        "Opportunity",
        ["Id", "AccountId", "OwnerId", "IsClosed", "CloseDate", "LastModifiedDate"],
        [
            Terms("AccountId", [literal(a, "reference") for a in on_accounts], guard=guard),
            _ids(request.ids("Opportunity")),
        ],
        order="ORDER BY LastModifiedDate DESC",
    )
    opportunities = tuple(
        OpportunityRow(
            r["Id"],
            r.get("AccountId") or "",
            r.get("OwnerId") or "",
            bool(r.get("IsClosed")),
            date.fromisoformat(r["CloseDate"]) if r.get("CloseDate") else None,
            r.get("LastModifiedDate") or "",
        )
        for r in opportunity_rows
    )
    return Found(contacts, leads, accounts, opportunities, cases)


def _ids(ids: Iterable[str]) -> Terms:
    return Terms("Id", [literal(i, "id") for i in sorted(ids)])


def _rows(
    crm: SalesforceConnector, sobject: str, fields: Sequence[str], terms: Sequence[Terms], order: str = ""
) -> list[Mapping[str, Any]]:
    """Every row matching any term; no call at all when there is nothing to ask."""
    terms = [t for t in terms if t.values]
    if not terms:
        return []
    select = f"SELECT {', '.join(fields)} FROM {sobject}"  # noqa: S608 - API names and checked literals
    rows: dict[str, Mapping[str, Any]] = {}
    for soql in chunked(select, terms, order):
        for row in crm.query(soql):
            rows.setdefault(row["Id"], row)
    return list(rows.values())
