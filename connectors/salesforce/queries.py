"""Every query the engine asks Salesforce, by name: the SOQL text lives here and nowhere else.

Each builder takes plain values (ids, addresses, instants), writes every literal with the type of the
field it is compared to (``soql.literal``), and returns the queries to run: as many as Salesforce's URI
limit needs, none when there is nothing to ask. Conditions (``*_window``) are SOQL fragments a stream
adds to its reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from connectors.base import ConnectorError
from connectors.salesforce.soql import Terms, chunked, like_contains, literal, packed, packed_in

PERSON_OBJECTS = ("Contact", "Lead", "User")  # who can attend a meeting or send an email
RECENT_FIRST = "ORDER BY LastModifiedDate DESC"
# Re-read a little before the cursor: a record committed late can carry an older SystemModstamp.
# Re-read rows cost nothing: equal content is no change.
CURSOR_OVERLAP = timedelta(seconds=60)


def _in(select: str, field: str, field_type: str, values: Iterable[str]) -> list[str]:
    """``select WHERE field IN (values)``, split only where the URI limit needs it."""
    literals = [literal(v, field_type) for v in sorted(set(values))]
    return packed_in(select, field, literals) if literals else []


def checked_id(value: str) -> str:
    """A Salesforce id the connector was given, refused unless alphanumeric (it goes into SOQL)."""
    if not value.isalnum():
        raise ConnectorError(f"not a Salesforce id: {value!r}", permanent=True, code="MALFORMED_ID")
    return value


# -- the connector's own reads (connectors/salesforce/connector.py) --------------------------------
def record_fields(key_field: str, fields: Sequence[str], label_field: str = "") -> list[str]:
    """What a stream read selects: id, version, deletion and sync key first, then the mapped fields."""
    extra = [label_field] if label_field else []
    return list(dict.fromkeys(["Id", "SystemModstamp", "IsDeleted", key_field, *fields, *extra]))


def changes_since(
    crm_object: str,
    select: Sequence[str],
    *,
    owner_id: str,
    since: datetime | None,
    first_read_where: str = "",
    always_where: str = "",
    widen_where: str = "",
) -> str:
    """The owner's records changed since ``since`` (deleted ones too, for queryAll), oldest change
    first; with no ``since``, the first read: live records matching ``first_read_where``.
    ``always_where`` narrows every read; ``widen_where`` adds to a read of changes the rows it
    matches, whatever their age (a calendar window that moved on)."""
    where = [f"OwnerId = {literal(checked_id(owner_id), 'reference')}"]
    if always_where:
        where.append(f"({always_where})")
    if since is not None:
        changed = f"SystemModstamp >= {literal(since - CURSOR_OVERLAP, 'datetime')}"
        where.append(f"({changed} OR ({widen_where}))" if widen_where else changed)
    elif first_read_where:
        where.append(f"({first_read_where})")
        where.append("IsDeleted = false")
    # Every interpolated value is an API name from the mapping, a checked id or a formatted instant.
    head = f"SELECT {', '.join(select)} FROM {crm_object}"  # noqa: S608
    return f"{head} WHERE {' AND '.join(where)} ORDER BY SystemModstamp ASC"


# The record type a Person Account is made with: the oldest active person type (an org may have
# several; the first is the one Salesforce made when Person Accounts were turned on).
PERSON_ACCOUNT_RECORD_TYPE = (
    "SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND IsPersonType = true AND IsActive = true "
    "ORDER BY CreatedDate LIMIT 1"
)


def records_by_id(crm_object: str, select: Sequence[str], ids: Sequence[str]) -> list[str]:
    """These records (alive or deleted, for queryAll), in as few queries as the URI limit allows."""
    literals = [f"'{checked_id(i)}'" for i in ids]
    return packed_in(f"SELECT {', '.join(select)} FROM {crm_object}", "Id", literals) if literals else []  # noqa: S608


def by_sync_key(crm_object: str, key_field: str, keys: Sequence[str]) -> list[str]:
    """Records carrying these sync keys (a Text External ID)."""
    literals = [literal(k, "string") for k in keys]
    return packed_in(f"SELECT Id, {key_field} FROM {crm_object}", key_field, literals) if literals else []  # noqa: S608


def natural_matches(
    crm_object: str, select: Sequence[str], match_fields: Sequence[str], candidates: Sequence[Sequence[str]]
) -> list[str]:
    """Records whose ``match_fields`` equal one candidate's literals, the oldest first. One field:
    ``IN``; several: an ``OR`` of ``AND``s."""
    head = f"SELECT {', '.join(select)} FROM {crm_object}"  # noqa: S608
    order = "ORDER BY CreatedDate ASC"
    if len(match_fields) == 1:
        literals = [c[0] for c in candidates]
        return packed_in(head, match_fields[0], literals, order) if literals else []
    conditions = [
        "(" + " AND ".join(f"{f} = {v}" for f, v in zip(match_fields, c, strict=True)) + ")"
        for c in candidates
    ]
    return packed(head, conditions, order) if conditions else []


# -- saved emails (connectors/salesforce/emails.py) -------------------------------------------------
def _by_references(select: str, field: str, ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(ids))
    return chunked(select, [Terms(field, [literal(i, "reference") for i in ids])]) if ids else []


def email_relations(email_message_ids: Sequence[str]) -> list[str]:
    """The senders and recipients already related to these EmailMessages."""
    select = "SELECT EmailMessageId, RelationId, RelationAddress, RelationType FROM EmailMessageRelation"
    return _by_references(select, "EmailMessageId", email_message_ids)


def linked_file_titles(record_ids: Sequence[str]) -> list[str]:
    """The titles of the files already linked to these records."""
    select = "SELECT LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink"
    return _by_references(select, "LinkedEntityId", record_ids)


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


def accounts_with_contacts(account_ids: Iterable[str]) -> list[str]:
    """Which of these Accounts have Contacts: the AccountId of their Contacts."""
    return _in("SELECT AccountId FROM Contact", "AccountId", "reference", account_ids)


def records_linked_to(sobject: str, field: str, record_id: str) -> list[str]:
    """The records of ``sobject`` whose reference ``field`` (WhoId, WhatId, RelatedToId) is this one."""
    return _in(f"SELECT Id FROM {sobject}", field, "reference", [checked_id(record_id)])  # noqa: S608


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
