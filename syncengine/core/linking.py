"""Initial search and auto-linking (pure): which Salesforce records an email, event or task belongs to.

The reference's rules, as this module applies them:

- People (WhoId) by e-mail address: Contacts before Leads; a converted Lead is never linked. When
  several Contacts share an address, the one with an Account wins (activities not on a Lead belong to
  an Account), then one the user owns, then the most recently modified. Participants are taken in
  order: the sender, then To, Cc and Bcc; the user's own addresses are the owner, not a link.
- A blocked address (blocklists, internal domains: the caller's ``is_blocked``) is never searched,
  never linked and gets no relation.
- Business record (WhatId), first that applies: a Case whose number is in the subject (``Case
  00001234``); a Salesforce record link in the body (Opportunity, Case, Account); an Opportunity the
  user owns on a linked Contact's Account that is open or recently closed (close date within the
  applied filters' window), the most recently modified; the primary Contact's Account; and only
  when no Contact or Lead was found at all, an Account whose Website is the address's domain (never a
  free e-mail domain). A Lead takes no business record: "if a Lead is linked, no other records".
- Applied filters (the reference's defaults): Opportunities closed within the last 365 days or
  expected to close within 180 days; Cases open and created within the last 90 days.

Session batching: ``lookup_request`` gathers what a whole session needs to ask Salesforce, so the
lookup runs one query per object for all items; ``link_item`` then decides per item from ``Found``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

# Key prefixes of the records a body link may name.
PREFIXES = {"001": "Account", "003": "Contact", "00Q": "Lead", "006": "Opportunity", "500": "Case"}
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_URL = re.compile(r"https?://[^\s\"'<>()\[\]]+", re.IGNORECASE)
_SF_HOSTS = ("salesforce.com", "force.com", "salesforce-setup.com")
_CASE = re.compile(r"\bcase\s*(?:#|no\.?|nr\.?|number)?\s*[:#]?\s*(\d{4,10})\b", re.IGNORECASE)

Blocked = Callable[[str], bool]
Because = tuple[str, tuple[str, ...]]  # a rule's words, and the other candidates it passed over


@dataclass(frozen=True)
class LinkFilters:
    """The org's applied record filters; defaults are the reference's."""

    link_opportunities: bool = True
    opportunity_closed_within_days: int = 365  # closed (or due) no longer ago than this
    opportunity_close_within_days: int = 180  # expected to close no later than this
    case_open_only: bool = True
    case_created_within_days: int = 90
    account_by_domain: bool = True
    # The org's free-email list (blocklists: the defaults with the org's own changes), given by the
    # caller: one list, the one the org admin edits, for linking as for saving.
    free_email_domains: frozenset[str] = frozenset()

    def opportunity_window(self, today: date) -> tuple[date, date]:
        return (
            today - timedelta(days=self.opportunity_closed_within_days),
            today + timedelta(days=self.opportunity_close_within_days),
        )


@dataclass(frozen=True)
class LinkUser:
    """The mailbox owner in Salesforce: their records win ties, their addresses are not links."""

    id: str
    addresses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ItemFacts:
    """What the linker reads from an email, event or task."""

    sender: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""

    def participants(self) -> list[tuple[str, str]]:
        """(lower-case address, relation type), sender first, each address once."""
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        groups = (((self.sender,), "FromAddress"), (self.to, "ToAddress"), (self.cc, "CcAddress"))
        for addresses, role in (*groups, (self.bcc, "BccAddress")):
            for raw in addresses:
                address = normal_address(raw)
                if address and address not in seen:
                    seen.add(address)
                    out.append((address, role))
        return out


# -- what Salesforce answered --------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactRow:
    id: str
    email: str
    account_id: str = ""
    owner_id: str = ""
    last_modified: str = ""  # ISO-8601 as Salesforce gives it; sorts chronologically within one org


@dataclass(frozen=True)
class LeadRow:
    id: str
    email: str
    owner_id: str = ""
    last_modified: str = ""
    is_converted: bool = False


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str = ""
    website: str = ""


@dataclass(frozen=True)
class OpportunityRow:
    id: str
    account_id: str = ""
    owner_id: str = ""
    is_closed: bool = False
    close_date: date | None = None
    last_modified: str = ""


@dataclass(frozen=True)
class CaseRow:
    id: str
    case_number: str = ""
    is_closed: bool = False
    created: datetime | None = None
    account_id: str = ""


@dataclass(frozen=True)
class Found:
    """A session's lookup results (rows matched by address, domain, number or id)."""

    contacts: tuple[ContactRow, ...] = ()
    leads: tuple[LeadRow, ...] = ()
    accounts: tuple[AccountRow, ...] = ()
    opportunities: tuple[OpportunityRow, ...] = ()
    cases: tuple[CaseRow, ...] = ()


def merged(*found: Found) -> Found:
    """Several lookups' rows as one (a row found twice is kept once)."""

    def union(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(row for group in rows for row in group))

    return Found(
        contacts=union([f.contacts for f in found]),
        leads=union([f.leads for f in found]),
        accounts=union([f.accounts for f in found]),
        opportunities=union([f.opportunities for f in found]),
        cases=union([f.cases for f in found]),
    )


@dataclass(frozen=True)
class LookupRequest:
    """Everything a session's items ask of Salesforce, merged: one query per object answers it."""

    addresses: frozenset[str] = frozenset()
    case_numbers: frozenset[str] = frozenset()
    record_ids: Mapping[str, frozenset[str]] = field(default_factory=dict)  # sObject -> ids

    def ids(self, sobject: str) -> frozenset[str]:
        return self.record_ids.get(sobject, frozenset())


# -- the answer -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonLink:
    """One participant as an EmailMessageRelation would hold it (record id empty if unresolved)."""

    address: str
    relation_type: str  # FromAddress / ToAddress / CcAddress / BccAddress
    record_id: str = ""
    sobject: str = ""  # Contact, Lead, User or ""


@dataclass(frozen=True)
class Links:
    who_id: str = ""  # the primary Contact or Lead (Task/Event WhoId)
    who_ids: tuple[str, ...] = ()  # every linked Contact (or the one Lead), primary first
    what_id: str = ""  # Task/Event WhatId, EmailMessage RelatedToId
    account_id: str = ""  # the Account the business record belongs to
    people: tuple[PersonLink, ...] = ()  # unblocked participants, for EmailMessageRelation
    reason: str = ""  # how the business record was chosen, for logs and issues
    passed_over: tuple[str, ...] = ()  # the other candidates the same rule found, best first
    who_reason: str = ""  # how the primary Contact or Lead (WhoId) was chosen, for the journal
    who_passed_over: tuple[str, ...] = ()  # other Contacts (or Leads) with the same address, best first

    @property
    def resolved(self) -> bool:
        """A participant resolved to a Contact or Lead (what auto-save waits for)."""
        return bool(self.who_id)


# -- parsing ---------------------------------------------------------------------------------------------
def normal_address(address: str) -> str:
    return address.strip().strip("<>").lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() if "@" in address else ""


def website_host(website: str) -> str:
    """``https://www.Acme.com/about`` -> ``acme.com``."""
    text = website.strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def case_numbers(subject: str) -> list[str]:
    """Case numbers named in a subject, as CaseNumber holds them (zero-padded to 8 digits)."""
    return list(dict.fromkeys(m.group(1).zfill(8) for m in _CASE.finditer(subject)))


def record_links(body: str) -> list[tuple[str, str]]:
    """(sObject, id) of Salesforce record links in a body, classic or Lightning, in order."""
    out: list[tuple[str, str]] = []
    for match in _URL.finditer(body):
        parts = urlsplit(match.group(0))
        host = (parts.hostname or "").lower()
        if not any(host == h or host.endswith("." + h) for h in _SF_HOSTS):
            continue
        for segment in parts.path.split("/"):
            sobject = PREFIXES.get(segment[:3])
            if sobject and _ID.match(segment) and (sobject, segment) not in out:
                out.append((sobject, segment))
    return out


def _same_id(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a[:15] == b[:15]


# -- the session's questions -----------------------------------------------------------------------------
def lookup_request(items: Iterable[ItemFacts], *, user: LinkUser, is_blocked: Blocked) -> LookupRequest:
    """What to ask Salesforce for all these items: unblocked addresses, case numbers, linked ids."""
    own = {normal_address(a) for a in user.addresses}
    addresses: set[str] = set()
    numbers: set[str] = set()
    ids: dict[str, set[str]] = {}
    for item in items:
        for address, _ in item.participants():
            if address not in own and "@" in address and not is_blocked(address):
                addresses.add(address)
        numbers.update(case_numbers(item.subject))
        for sobject, record_id in record_links(item.body):
            ids.setdefault(sobject, set()).add(record_id)
    return LookupRequest(frozenset(addresses), frozenset(numbers), {k: frozenset(v) for k, v in ids.items()})


def unresolved_domains(addresses: Iterable[str], found: Found, filters: LinkFilters) -> frozenset[str]:
    """Domains worth an Account-by-website search: of addresses with no Contact or open Lead."""
    if not filters.account_by_domain:
        return frozenset()
    known = {c.email.lower() for c in found.contacts}
    known |= {lead.email.lower() for lead in found.leads if not lead.is_converted}
    domains = {domain_of(a) for a in addresses if a not in known}
    return frozenset(d for d in domains if d and d not in filters.free_email_domains)


def account_domains(found: Found, filters: LinkFilters) -> frozenset[str]:
    """The company domains the Accounts found have as their website (free-email ones never count)."""
    hosts = {website_host(a.website) for a in found.accounts if a.website}
    return frozenset(hosts - filters.free_email_domains)


def contact_accounts(found: Found) -> frozenset[str]:
    """Accounts whose Opportunities may be linked: those of the Contacts found."""
    return frozenset(c.account_id for c in found.contacts if c.account_id)


# -- the rules --------------------------------------------------------------------------------------------
def ranked_contacts_of(rows: Iterable[ContactRow], user: LinkUser) -> list[ContactRow]:
    """Contacts sharing an address, best first: one with an Account, then the user's, then the newest."""
    ranked = sorted(rows, key=lambda c: c.id)
    ranked.sort(key=lambda c: (bool(c.account_id), c.owner_id == user.id, c.last_modified), reverse=True)
    return ranked


def ranked_leads_of(rows: Iterable[LeadRow], user: LinkUser) -> list[LeadRow]:
    """Leads sharing an address, best first (never a converted one): the user's, then the newest."""
    ranked = sorted((r for r in rows if not r.is_converted), key=lambda r: r.id)
    ranked.sort(key=lambda r: (r.owner_id == user.id, r.last_modified), reverse=True)
    return ranked


def best_contact(rows: Iterable[ContactRow], user: LinkUser) -> ContactRow | None:
    ranked = ranked_contacts_of(rows, user)
    return ranked[0] if ranked else None


def best_lead(rows: Iterable[LeadRow], user: LinkUser) -> LeadRow | None:
    ranked = ranked_leads_of(rows, user)
    return ranked[0] if ranked else None


def opportunity_allowed(row: OpportunityRow, filters: LinkFilters, today: date) -> bool:
    if row.close_date is None:
        return False
    first, last = filters.opportunity_window(today)
    return first <= row.close_date <= last


def case_allowed(row: CaseRow, filters: LinkFilters, today: date) -> bool:
    if filters.case_open_only and row.is_closed:
        return False
    if row.created is None:
        return False
    return row.created.date() >= today - timedelta(days=filters.case_created_within_days)


def link_item(
    item: ItemFacts,
    *,
    user: LinkUser,
    found: Found,
    is_blocked: Blocked,
    today: date,
    filters: LinkFilters | None = None,
) -> Links:
    filters = filters or LinkFilters()
    own = {normal_address(a) for a in user.addresses}
    contacts: dict[str, list[ContactRow]] = {}
    for c in found.contacts:
        contacts.setdefault(c.email.lower(), []).append(c)
    leads: dict[str, list[LeadRow]] = {}
    for row in found.leads:
        leads.setdefault(row.email.lower(), []).append(row)

    people: list[PersonLink] = []
    who_contacts: list[ContactRow] = []
    who_leads: list[LeadRow] = []
    for address, role in item.participants():
        if address in own:
            people.append(PersonLink(address, role, user.id, "User"))
            continue
        if is_blocked(address):
            continue
        contact = best_contact(contacts.get(address, ()), user)
        lead = None if contact else best_lead(leads.get(address, ()), user)
        if contact is not None:
            who_contacts.append(contact)
            people.append(PersonLink(address, role, contact.id, "Contact"))
        elif lead is not None:
            who_leads.append(lead)
            people.append(PersonLink(address, role, lead.id, "Lead"))
        else:
            people.append(PersonLink(address, role))

    links = record_links(item.body)
    for sobject, record_id in links:  # people named by a link count after the participants
        if sobject == "Contact":
            named = [c for c in found.contacts if _same_id(c.id, record_id)][:1]
            who_contacts += [c for c in named if not (c.email and is_blocked(c.email))]
        elif sobject == "Lead":
            named_leads = [r for r in found.leads if _same_id(r.id, record_id) and not r.is_converted][:1]
            who_leads += [r for r in named_leads if not (r.email and is_blocked(r.email))]

    if who_contacts:
        who_ids = tuple(dict.fromkeys(c.id for c in who_contacts))
    elif who_leads:
        lead_id = who_leads[0].id
        who_reason, others = _who_rule(
            lead_id, "Lead", people, lambda a: [r.id for r in ranked_leads_of(leads.get(a, ()), user)]
        )
        return Links(
            lead_id,
            (lead_id,),
            "",
            "",
            tuple(people),
            "a Lead is linked alone",
            who_reason=who_reason,
            who_passed_over=others,
        )
    else:
        who_ids = ()
    what_id, account_id, reason, passed_over = _business_record(
        item, links, who_contacts, people, user, found, filters, today
    )
    who: Because = ("", ())
    if who_ids:
        who = _who_rule(
            who_ids[0],
            "Contact",
            people,
            lambda a: [c.id for c in ranked_contacts_of(contacts.get(a, ()), user)],
        )
    return Links(
        who_ids[0] if who_ids else "",
        who_ids,
        what_id,
        account_id,
        tuple(people),
        reason,
        passed_over,
        who_reason=who[0],
        who_passed_over=who[1],
    )


def _who_rule(
    who_id: str, sobject: str, people: list[PersonLink], ranked: Callable[[str], list[str]]
) -> Because:
    """Why this Contact (or Lead) is the WhoId, and the others with its address it passed over
    (``ranked``: an address's Contacts or Leads, best first)."""
    person = next((p for p in people if p.record_id == who_id), None)
    if person is None:
        return f"the {sobject} linked in the body", ()
    role = " (the sender)" if person.relation_type == "FromAddress" else ""
    others = tuple(i for i in ranked(person.address) if i != who_id)
    order = "one with an Account first, then " if sobject == "Contact" else ""
    tie = f", the best of {len(others) + 1} with it ({order}the user's, then the newest)" if others else ""
    lead = ", as none of its people is a Contact" if sobject == "Lead" else ""
    return f"the {sobject} with the address {person.address}{role}{lead}{tie}", others


def _business_record(
    item: ItemFacts,
    links: list[tuple[str, str]],
    who_contacts: list[ContactRow],
    people: list[PersonLink],
    user: LinkUser,
    found: Found,
    filters: LinkFilters,
    today: date,
) -> tuple[str, str, str, tuple[str, ...]]:
    """(WhatId, its Account, why, the other candidates of the rule that chose it)."""
    for number in case_numbers(item.subject):
        for case in found.cases:
            if case.case_number == number and case_allowed(case, filters, today):
                return case.id, case.account_id, f"Case {number} named in the subject", ()
    for sobject, record_id in links:
        if sobject == "Opportunity":
            for opp in found.opportunities:
                if _same_id(opp.id, record_id):
                    return opp.id, opp.account_id, "Opportunity linked in the body", ()
        elif sobject == "Case":
            for case in found.cases:
                if _same_id(case.id, record_id):
                    return case.id, case.account_id, "Case linked in the body", ()
        elif sobject == "Account":
            for account in found.accounts:
                if _same_id(account.id, record_id):
                    return account.id, account.id, "Account linked in the body", ()
    accounts = [c.account_id for c in who_contacts if c.account_id]
    if filters.link_opportunities and accounts:
        candidates = [
            o
            for o in found.opportunities
            if o.owner_id == user.id and o.account_id in accounts and opportunity_allowed(o, filters, today)
        ]
        candidates.sort(key=lambda o: o.id)
        candidates.sort(key=lambda o: o.last_modified, reverse=True)
        if candidates:
            others = tuple(o.id for o in candidates[1:])
            return candidates[0].id, candidates[0].account_id, "the user's most recent Opportunity", others
    if accounts:
        others = tuple(dict.fromkeys(a for a in accounts[1:] if a != accounts[0]))
        return accounts[0], accounts[0], "the Contact's Account", others
    if who_contacts or not filters.account_by_domain:
        return "", "", "", ()
    for person in people:  # unblocked participants only
        domain = domain_of(person.address)
        if person.sobject == "User" or is_free(domain, filters):
            continue
        matches = sorted((a for a in found.accounts if website_host(a.website) == domain), key=lambda a: a.id)
        if matches:
            others = tuple(a.id for a in matches[1:])
            return matches[0].id, matches[0].id, f"Account with website {domain}", others
    return "", "", "", ()


def is_free(domain: str, filters: LinkFilters) -> bool:
    return not domain or domain in filters.free_email_domains
