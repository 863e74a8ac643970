"""Every query the engine asks Salesforce, by name: the SOQL text lives here and nowhere else.

Each builder takes plain values (ids, addresses, instants), writes every literal with the type of the
field it is compared to (``soql.literal``), and returns the queries to run: as many as Salesforce's URI
limit needs, none when there is nothing to ask. Conditions (``*_window``) are SOQL fragments a stream
adds to its reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from connectors.salesforce.soql import Terms, chunked, like_contains, literal, packed_in

PERSON_OBJECTS = ("Contact", "Lead", "User")  # who can attend a meeting or send an email
RECENT_FIRST = "ORDER BY LastModifiedDate DESC"


def _in(select: str, field: str, field_type: str, values: Iterable[str]) -> list[str]:
    """``select WHERE field IN (values)``, split only where the URI limit needs it."""
    literals = [literal(v, field_type) for v in sorted(set(values))]
    return packed_in(select, field, literals) if literals else []


# -- people and meeting relations (syncengine/services/relations.py) ------------------------------
def people_by_email(sobject: str, emails: Iterable[str]) -> list[str]:
    """Contacts, Leads or Users with these addresses: their ids and addresses."""
    return _in(f"SELECT Id, Email FROM {sobject}", "Email", "email", emails)  # noqa: S608 - an object name


def people_emails(sobject: str, ids: Iterable[str]) -> list[str]:
    """The addresses of these Contacts, Leads or Users."""
    return _in(f"SELECT Id, Email FROM {sobject}", "Id", "id", ids)  # noqa: S608 - an object name


def event_relations(event_ids: Iterable[str], *, with_ids: bool = False) -> list[str]:
    """The people related to these Events (``with_ids``: each relation's own id, to delete it)."""
    fields = "Id, EventId, RelationId" if with_ids else "EventId, RelationId"
    return _in(f"SELECT {fields} FROM EventRelation", "EventId", "reference", event_ids)  # noqa: S608


def event_owners(event_ids: Iterable[str]) -> list[str]:
    return _in("SELECT Id, OwnerId FROM Event", "Id", "id", event_ids)


def event_whos(event_ids: Iterable[str]) -> list[str]:
    """These Events' WhoId (the Contact or Lead they are about)."""
    return _in("SELECT Id, WhoId FROM Event", "Id", "id", event_ids)


# -- the session's initial search (syncengine/services/lookup.py) ---------------------------------
def _search(sobject: str, fields: Sequence[str], terms: Sequence[Terms], order: str = "") -> list[str]:
    """Every row matching any term, in as few queries as fit; none when no term has a value."""
    terms = [t for t in terms if t.values]
    if not terms:
        return []
    select = f"SELECT {', '.join(fields)} FROM {sobject}"  # noqa: S608 - API names and checked literals
    return chunked(select, terms, order)


def _ids(ids: Iterable[str]) -> Terms:
    return Terms("Id", [literal(i, "id") for i in sorted(ids)])


def _emails(addresses: Iterable[str]) -> list[str]:
    return [literal(a, "email") for a in addresses]


def contacts_search(addresses: Sequence[str], ids: Iterable[str], email_fields: Sequence[str]) -> list[str]:
    """Contacts with one of these addresses in any of ``email_fields``, or with these ids."""
    fields = list(dict.fromkeys(["Id", "AccountId", "OwnerId", "LastModifiedDate", *email_fields]))
    emails = _emails(addresses)
    return _search("Contact", fields, [*(Terms(f, emails) for f in email_fields), _ids(ids)])


def leads_search(addresses: Sequence[str], ids: Iterable[str]) -> list[str]:
    """Unconverted Leads with these addresses, or Leads with these ids."""
    email = Terms("Email", _emails(addresses), guard="IsConverted = false")
    return _search("Lead", ["Id", "Email", "OwnerId", "LastModifiedDate", "IsConverted"], [email, _ids(ids)])


def cases_search(case_numbers: Iterable[str], ids: Iterable[str]) -> list[str]:
    numbers = Terms("CaseNumber", [literal(n, "string") for n in sorted(case_numbers)])
    return _search("Case", ["Id", "CaseNumber", "IsClosed", "CreatedDate", "AccountId"], [numbers, _ids(ids)])


def accounts_search(domains: Sequence[str], ids: Iterable[str]) -> list[str]:
    """Accounts whose Website contains one of these domains, or with these ids."""
    websites = Terms("Website", [like_contains(d) for d in domains], like=True)
    return _search("Account", ["Id", "Name", "Website"], [websites, _ids(ids)])


def opportunities_search(
    *, owner_id: str, first: date, last: date, account_ids: Sequence[str], ids: Iterable[str]
) -> list[str]:
    """The owner's Opportunities on these Accounts closing between ``first`` and ``last``, or with these
    ids; the most recently changed first."""
    closing = f"CloseDate >= {literal(first, 'date')} AND CloseDate <= {literal(last, 'date')}"
    guard = f"OwnerId = {literal(owner_id, 'reference')} AND {closing}"
    on_accounts = Terms("AccountId", [literal(a, "reference") for a in account_ids], guard=guard)
    fields = ["Id", "AccountId", "OwnerId", "IsClosed", "CloseDate", "LastModifiedDate"]
    return _search("Opportunity", fields, [on_accounts, _ids(ids)], order=RECENT_FIRST)


# -- stream conditions (syncengine/services/streams.py, mapping/calendar_sources.py) ---------------
def event_window(start: datetime, end: datetime) -> str:
    """Events that overlap [start, end)."""
    return f"EndDateTime >= {literal(start, 'datetime')} AND StartDateTime < {literal(end, 'datetime')}"


def day_window(date_field: str, start: datetime, end: datetime) -> str:
    """Records whose ``date_field`` day is within [start's day, end's day)."""
    first, after = literal(start.date(), "date"), literal(end.date(), "date")
    return f"{date_field} >= {first} AND {date_field} < {after}"


def span_window(start_field: str, end_field: str, start: datetime, end: datetime) -> str:
    """Records whose span from ``start_field`` to ``end_field`` overlaps [start, end)."""
    return f"{end_field} >= {literal(start, 'datetime')} AND {start_field} < {literal(end, 'datetime')}"
