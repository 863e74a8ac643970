"""The engine's Salesforce queries by name: exact SOQL, literals typed by their field, no query when
there is nothing to ask, and splits only where the URI limit needs them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.base import ConnectorError
from connectors.salesforce import queries
from connectors.salesforce.soql import URI_BUDGET

CONTACT = "003000000000001AAA"
EVENT = "00U000000000001AAA"
EVENT_2 = "00U000000000002AAA"
USER = "005000000000001AAA"
ACCOUNT = "001000000000001AAA"
START = datetime(2030, 1, 14, tzinfo=UTC)
END = datetime(2030, 3, 1, tzinfo=UTC)


def test_it_finds_people_by_address_once_per_address_in_order():
    assert queries.people_by_email("Lead", ["b@x.example", "a@x.example", "b@x.example"]) == [
        "SELECT Id, Email FROM Lead WHERE Email IN ('a@x.example', 'b@x.example')"
    ]


def test_it_reads_people_addresses_and_event_relations_by_id():
    assert queries.people_emails("Contact", [CONTACT]) == [
        f"SELECT Id, Email FROM Contact WHERE Id IN ('{CONTACT}')"
    ]
    assert queries.event_relations([EVENT_2, EVENT]) == [
        f"SELECT EventId, RelationId FROM EventRelation WHERE EventId IN ('{EVENT}', '{EVENT_2}')"
    ]
    assert queries.event_relations([EVENT], with_ids=True) == [
        f"SELECT Id, EventId, RelationId FROM EventRelation WHERE EventId IN ('{EVENT}')"
    ]
    assert queries.event_owners([EVENT]) == [f"SELECT Id, OwnerId FROM Event WHERE Id IN ('{EVENT}')"]
    assert queries.event_whos([EVENT]) == [f"SELECT Id, WhoId FROM Event WHERE Id IN ('{EVENT}')"]


def test_it_asks_nothing_when_there_is_nothing_to_ask():
    assert queries.people_by_email("Contact", []) == []
    assert queries.event_relations([]) == []
    assert queries.contacts_search([], [], ["Email"]) == []
    assert queries.leads_search([], []) == []
    assert queries.cases_search([], []) == []
    assert queries.accounts_search([], []) == []
    assert (
        queries.opportunities_search(
            owner_id=USER, first=date(2030, 1, 1), last=date(2030, 2, 1), account_ids=[], ids=[]
        )
        == []
    )


def test_it_refuses_an_id_that_is_not_a_salesforce_id():
    with pytest.raises(ValueError, match="not a Salesforce id"):
        queries.event_whos(["1' OR Name != '"])


def test_it_searches_contacts_on_every_address_field_and_by_id():
    assert queries.contacts_search(["a@x.example"], [CONTACT], ["Email", "Email2__c"]) == [
        "SELECT Id, AccountId, OwnerId, LastModifiedDate, Email, Email2__c FROM Contact WHERE "
        f"(Email IN ('a@x.example')) OR (Email2__c IN ('a@x.example')) OR (Id IN ('{CONTACT}'))"
    ]


def test_it_searches_only_unconverted_leads_by_address():
    assert queries.leads_search(["a@x.example"], []) == [
        "SELECT Id, Email, OwnerId, LastModifiedDate, IsConverted FROM Lead WHERE "
        "(IsConverted = false AND (Email IN ('a@x.example')))"
    ]


def test_it_searches_cases_by_number_as_text_and_accounts_by_website_pattern():
    assert queries.cases_search(["00001026"], []) == [
        "SELECT Id, CaseNumber, IsClosed, CreatedDate, AccountId FROM Case WHERE (CaseNumber IN ('00001026'))"
    ]
    assert queries.accounts_search(["north_wind.example"], [ACCOUNT]) == [
        "SELECT Id, Name, Website FROM Account WHERE (Website LIKE '%north\\_wind.example%') "
        f"OR (Id IN ('{ACCOUNT}'))"
    ]


def test_it_searches_the_owners_opportunities_closing_in_the_window_recent_first():
    assert queries.opportunities_search(
        owner_id=USER, first=date(2030, 1, 1), last=date(2030, 6, 30), account_ids=[ACCOUNT], ids=[]
    ) == [
        "SELECT Id, AccountId, OwnerId, IsClosed, CloseDate, LastModifiedDate FROM Opportunity WHERE "
        f"(OwnerId = '{USER}' AND CloseDate >= 2030-01-01 AND CloseDate <= 2030-06-30 "
        f"AND (AccountId IN ('{ACCOUNT}'))) ORDER BY LastModifiedDate DESC"
    ]


def test_it_splits_a_long_search_within_the_uri_budget():
    addresses = [f"person.{n:05d}@a-rather-long-domain-name.example" for n in range(1000)]
    found = queries.leads_search(addresses, [])
    assert len(found) > 1
    assert all(len(q) < URI_BUDGET for q in found)
    assert sum(q.count("@") for q in found) == len(addresses)


def test_it_writes_stream_windows_with_typed_literals():
    assert queries.event_window(START, END) == (
        "EndDateTime >= 2030-01-14T00:00:00Z AND StartDateTime < 2030-03-01T00:00:00Z"
    )
    assert queries.day_window("Due__c", START, END) == "Due__c >= 2030-01-14 AND Due__c < 2030-03-01"
    assert queries.span_window("Starts__c", "Ends__c", START, END) == (
        "Ends__c >= 2030-01-14T00:00:00Z AND Starts__c < 2030-03-01T00:00:00Z"
    )


def test_it_reads_a_streams_first_read_live_and_in_scope_then_changes_with_an_overlap():
    select = queries.record_fields("MailSync_Key__c", ["Subject", "Id"], label_field="Subject")
    assert select == ["Id", "SystemModstamp", "IsDeleted", "MailSync_Key__c", "Subject"]
    first = queries.changes_since(
        "Event", select, owner_id=USER, since=None, first_read_where="IsChild = false", always_where="A = 1"
    )
    assert first == (
        "SELECT Id, SystemModstamp, IsDeleted, MailSync_Key__c, Subject FROM Event WHERE "
        f"OwnerId = '{USER}' AND (A = 1) AND (IsChild = false) AND IsDeleted = false "
        "ORDER BY SystemModstamp ASC"
    )
    later = queries.changes_since("Event", ["Id"], owner_id=USER, since=START, widen_where="B = 2")
    assert later == (
        f"SELECT Id FROM Event WHERE OwnerId = '{USER}' AND "
        "(SystemModstamp >= 2030-01-13T23:59:00Z OR (B = 2)) ORDER BY SystemModstamp ASC"
    )


def test_it_refuses_an_owner_or_record_id_that_could_change_the_query():
    with pytest.raises(ConnectorError) as refused:
        queries.changes_since("Event", ["Id"], owner_id="005' OR Id != '", since=None)
    assert refused.value.code == "MALFORMED_ID"
    with pytest.raises(ConnectorError):
        queries.records_by_id("Event", ["Id"], ["00U x"])


def test_it_reads_records_by_id_by_sync_key_and_by_natural_key():
    assert queries.records_by_id("Task", ["Id", "Subject"], [CONTACT]) == [
        f"SELECT Id, Subject FROM Task WHERE Id IN ('{CONTACT}')"
    ]
    assert queries.records_by_id("Task", ["Id"], []) == []
    assert queries.by_sync_key("Contact", "MailSync_Key__c", ["k'1"]) == [
        "SELECT Id, MailSync_Key__c FROM Contact WHERE MailSync_Key__c IN ('k\\'1')"
    ]
    assert queries.natural_matches("Contact", ["Id", "Email"], ["Email"], [["'a@x.example'"]]) == [
        "SELECT Id, Email FROM Contact WHERE Email IN ('a@x.example') ORDER BY CreatedDate ASC"
    ]
    assert queries.natural_matches(
        "Event", ["Id"], ["Subject", "StartDateTime"], [["'Demo'", "2030-01-14T00:00:00Z"]]
    ) == [
        "SELECT Id FROM Event WHERE (Subject = 'Demo' AND StartDateTime = 2030-01-14T00:00:00Z) "
        "ORDER BY CreatedDate ASC"
    ]


def test_it_reads_what_saved_emails_already_have():
    assert queries.email_relations([EVENT, EVENT]) == [
        "SELECT EmailMessageId, RelationId, RelationAddress, RelationType FROM EmailMessageRelation "
        f"WHERE (EmailMessageId IN ('{EVENT}'))"
    ]
    assert queries.linked_file_titles([]) == []
    assert queries.linked_file_titles([EVENT]) == [
        "SELECT LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink "
        f"WHERE (LinkedEntityId IN ('{EVENT}'))"
    ]
