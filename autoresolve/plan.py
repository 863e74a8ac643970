"""Who gets a new Salesforce record, of which kind, on which Account (pure: the org's rules, the
unresolved people of the items being saved and what Salesforce already holds in, a plan out).

Existing Leads and Contacts always win: only people the linker found nothing for reach this plan. The
plan is final before anything is written, and every record carries an org-wide sync key, so two
mailboxes meeting the same new person in one session, or a crash between the write and our commit,
make one record, never two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from autoresolve.domains import company_domain, company_name_from_domain, domain_of
from autoresolve.signatures import Signature
from syncengine.core.records import make_sync_key

Mode = Literal["off", "leads", "contacts", "person_accounts"]
NewKind = Literal["Lead", "Contact", "PersonAccount"]

# Senders no person reads or answers: never made a Lead or Contact.
_SERVICE_SENDER = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|notifications?|"
    r"alerts?|newsletters?|news|marketing|mailer|auto-?confirm|automated|system|info-noreply)"
    r"(?:[+._-].*)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rules:
    """The organization's autoresolving settings (the reference's names in autoresolve/models.py)."""

    mode: Mode = "off"
    auto_create_accounts: bool = True  # SalesforceContactAutoCreateAccount
    auto_lookup_accounts: bool = True  # SalesforceContactAutoLookupAccount
    fixed_account_id: str = ""  # link every new Contact to this Account instead
    smart_create: bool = False  # SalesforceSmartCreateUnresolvedObjects
    person_accounts_available: bool = False
    lead_source: str = ""  # marks the Leads the engine made


@dataclass(frozen=True)
class Participant:
    """Someone on an item being saved whom Salesforce knows nothing of."""

    address: str
    display_name: str = ""
    signature: Signature | None = None  # read from an email they sent, when the engine has one
    resource: bool = False  # a room or equipment on a meeting
    mailing_list: bool = False  # the mail came through a list (List-Id)
    source: str = ""  # which email or meeting met them, for the admin's list


@dataclass(frozen=True)
class KnownAccount:
    id: str
    name: str
    has_contacts: bool


@dataclass(frozen=True)
class Facts:
    """What Salesforce holds that the plan depends on, looked up once for all of a session's people."""

    accounts_by_domain: Mapping[str, KnownAccount] = field(default_factory=dict)


@dataclass(frozen=True)
class NewAccount:
    sync_key: str
    domain: str
    fields: Mapping[str, str]
    reason: str


@dataclass(frozen=True)
class NewPerson:
    sync_key: str
    address: str
    kind: NewKind
    fields: Mapping[str, str]
    account_id: str = ""  # an Account that exists
    new_account_key: str = ""  # or one this plan makes
    reason: str = ""
    source: str = ""
    signature_fields: tuple[str, ...] = ()  # which fields the signature gave


@dataclass(frozen=True)
class LeftOut:
    address: str
    reason: str  # a code for the pages: blocked, free_email, resource, service_sender, mailing_list, off


@dataclass(frozen=True)
class Plan:
    people: tuple[NewPerson, ...] = ()
    accounts: tuple[NewAccount, ...] = ()
    left_out: tuple[LeftOut, ...] = ()


# The modes that write records.
WRITTEN_MODES = ("leads", "contacts", "person_accounts")


def person_key(organization_id: int, address: str) -> str:
    return make_sync_key("shared", f"org:{organization_id}:person:{address.strip().lower()}")


def account_key(organization_id: int, domain: str) -> str:
    return make_sync_key("shared", f"org:{organization_id}:account:{domain}")


def _left_out_why(
    person: Participant, *, blocked: Callable[[str], bool], free_email_domains: frozenset[str]
) -> str:
    if person.resource:
        return "resource"
    if person.mailing_list:
        return "mailing_list"
    if blocked(person.address):
        return "blocked"
    if domain_of(person.address) in free_email_domains:
        return "free_email"
    if _SERVICE_SENDER.match(person.address.partition("@")[0]):
        return "service_sender"
    return ""


def _person_fields(
    person: Participant, kind: NewKind, company: str, lead_source: str = ""
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The record's fields from the signature's sure ones; the address's name part when it says nothing."""
    sure = person.signature.confident() if person.signature else {}
    phones = person.signature.confident_phones() if person.signature else []
    local = person.address.partition("@")[0]
    fields = {"Email": person.address, "LastName": sure.get("last_name") or local}
    if sure.get("first_name"):
        fields["FirstName"] = sure["first_name"]
    if sure.get("title"):
        fields["Title"] = sure["title"]
    by_kind = {phone.kind: phone.number for phone in reversed(phones)}  # the first of each kind wins
    for kind_of_phone, name in (("work", "Phone"), ("mobile", "MobilePhone"), ("fax", "Fax")):
        if kind_of_phone in by_kind:
            fields[name] = by_kind[kind_of_phone]
    prefix = {"Lead": "", "Contact": "Mailing", "PersonAccount": "PersonMailing"}[kind]
    for part, name in (
        ("street", "Street"),
        ("city", "City"),
        ("postal_code", "PostalCode"),
        ("country", "Country"),
    ):
        if sure.get(part):
            fields[f"{prefix}{name}"] = sure[part]
    if kind == "Lead":
        fields["Company"] = company
        if lead_source:
            fields["LeadSource"] = lead_source
    if kind == "PersonAccount":  # a Person Account names its person fields so
        fields["PersonEmail"] = fields.pop("Email")
        for contact_name, person_name in (("MobilePhone", "PersonMobilePhone"), ("Title", "PersonTitle")):
            if contact_name in fields:
                fields[person_name] = fields.pop(contact_name)
    given = tuple(sorted(k for k in sure if sure[k])) + (("phones",) if phones else ())
    return fields, given


def makeable(
    addresses: Iterable[str],
    *,
    mode: str,
    blocked: Callable[[str], bool],
    free_email_domains: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """Of these addresses (people no Salesforce record has), those a plan in this mode would make a
    record for: what decides whether a meeting with nobody to link to is saved."""
    if mode not in WRITTEN_MODES:
        return frozenset()
    found = set()
    for address in addresses:
        person = Participant(address.strip().lower(), "", None)
        if person.address and not _left_out_why(
            person, blocked=blocked, free_email_domains=free_email_domains
        ):
            found.add(person.address)
    return frozenset(found)


def plan_people(
    people: Iterable[Participant],
    *,
    organization_id: int,
    rules: Rules,
    facts: Facts,
    blocked: Callable[[str], bool],
    free_email_domains: frozenset[str] = frozenset(),
) -> Plan:
    """One new record per address; of several participants with one address, the one whose signature
    the engine read speaks for it."""
    by_address: dict[str, Participant] = {}
    for person in people:
        address = person.address.strip().lower()
        if not address:
            continue
        if address not in by_address or (person.signature and not by_address[address].signature):
            by_address[address] = replace(person, address=address)
    if rules.mode == "off":
        return Plan(left_out=tuple(LeftOut(address, "off") for address in by_address))
    planned: list[NewPerson] = []
    accounts: dict[str, NewAccount] = {}
    left_out: list[LeftOut] = []
    for address, person in by_address.items():
        why = _left_out_why(person, blocked=blocked, free_email_domains=free_email_domains)
        if why:
            left_out.append(LeftOut(address, why))
            continue
        planned.append(
            _one(person, organization_id=organization_id, rules=rules, facts=facts, accounts=accounts)
        )
    return Plan(tuple(planned), tuple(accounts.values()), tuple(left_out))


def _one(
    person: Participant,
    *,
    organization_id: int,
    rules: Rules,
    facts: Facts,
    accounts: dict[str, NewAccount],
) -> NewPerson:
    domain = company_domain(person.address)
    known = facts.accounts_by_domain.get(domain)
    sure = person.signature.confident() if person.signature else {}
    company = sure.get("company") or (known.name if known else "") or company_name_from_domain(domain)
    key = person_key(organization_id, person.address)
    kind: NewKind
    reason: str
    if rules.smart_create and known and known.has_contacts:
        kind, reason = "Contact", f"smart create: {known.name}'s website is {domain} and it has Contacts"
    elif rules.smart_create:
        kind = (
            "PersonAccount" if rules.person_accounts_available and rules.mode == "person_accounts" else "Lead"
        )
        reason = f"smart create: no Account with Contacts has the website {domain}"
    elif rules.mode == "person_accounts" and rules.person_accounts_available:
        kind, reason = "PersonAccount", "autoresolve makes Person Accounts"
    elif rules.mode in ("contacts", "person_accounts"):
        kind, reason = "Contact", "autoresolve makes Contacts"
    else:
        kind, reason = "Lead", "autoresolve makes Leads"
    fields, given = _person_fields(person, kind, company, rules.lead_source)
    account_id = new_account = ""
    if kind == "Contact":
        if rules.fixed_account_id and not (rules.smart_create and known):
            account_id = rules.fixed_account_id
        elif known and (rules.auto_lookup_accounts or rules.smart_create):
            account_id = known.id
        elif rules.auto_create_accounts:
            new_account = account_key(organization_id, domain)
            if new_account not in accounts:
                accounts[new_account] = NewAccount(
                    new_account,
                    domain,
                    {"Name": company, "Website": domain},
                    f"no Account has the website {domain}",
                )
    return NewPerson(key, person.address, kind, fields, account_id, new_account, reason, person.source, given)
