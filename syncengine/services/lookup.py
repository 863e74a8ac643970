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

from connectors.base import CrmSide
from connectors.salesforce import queries
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
    crm: CrmSide,
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
    crm: CrmSide,
    request: LookupRequest,
    *,
    user: LinkUser,
    today: date,
    filters: LinkFilters | None = None,
    contact_email_fields: Sequence[str] = ("Email",),
) -> Found:
    filters = filters or LinkFilters()
    addresses = sorted(request.addresses)

    contact_rows = _rows(
        crm, queries.contacts_search(addresses, request.ids("Contact"), contact_email_fields)
    )
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
    lead_rows = _rows(crm, queries.leads_search(addresses, request.ids("Lead")))
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
    case_rows = _rows(crm, queries.cases_search(request.case_numbers, request.ids("Case")))
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
    account_rows = _rows(crm, queries.accounts_search(domains, request.ids("Account")))
    accounts = tuple(AccountRow(r["Id"], r.get("Name") or "", r.get("Website") or "") for r in account_rows)

    first, last = filters.opportunity_window(today)
    on_accounts = sorted(contact_accounts(people)) if filters.link_opportunities else []
    opportunity_rows = _rows(
        crm,
        queries.opportunities_search(
            owner_id=user.id,
            first=first,
            last=last,
            account_ids=on_accounts,
            ids=request.ids("Opportunity"),
        ),
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


def _rows(crm: CrmSide, soqls: Sequence[str]) -> list[Mapping[str, Any]]:
    """Every row of these queries, once each (a record may match two terms); no queries, no call."""
    rows: dict[str, Mapping[str, Any]] = {}
    for soql in soqls:
        for row in crm.query(soql):
            rows.setdefault(row["Id"], row)
    return list(rows.values())
