"""SalesforceConnector against the Salesforce sandbox, through simple-salesforce and real HTTP."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import fastavro
import pytest

from connectors.base import ConnectorError
from connectors.salesforce.connector import SalesforceConnector
from syncengine.services.connectors import salesforce_for
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db

FIELDS = ["Subject", "StartDateTime", "EndDateTime"]


def neutral(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"subject": row.get("Subject"), "start": row.get("StartDateTime"), "end": row.get("EndDateTime")}


def event(subject: str, key: str = "", day: int = 1, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=day)).replace(hour=10, minute=0, second=0, microsecond=0)
    record = {
        "Subject": subject,
        "StartDateTime": start.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "EndDateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        **extra,
    }
    if key:
        record[SYNC_KEY_FIELD] = key
    return record


def api_calls(server: Any, person: Person, method: str | None = None) -> list[dict[str, Any]]:
    calls = server.app.requests(tenant=person.sf_org_id, kind="api")
    return [c for c in calls if method is None or c["method"] == method]


def token_calls(server: Any) -> list[dict[str, Any]]:
    return [c for c in server.app.requests(kind="token") if c["path"].endswith("/oauth2/token")]


def read(connector: SalesforceConnector, cursor: str = "") -> Any:
    return connector.read_changes(crm_object="Event", fields=FIELDS, cursor=cursor, neutral=neutral)


@pytest.fixture
def later(sf_server: Any) -> Iterator[Any]:
    """Move the sandbox clock forward (past the cursor overlap) on demand; put it back afterwards."""
    moved: list[float] = []

    def advance(seconds: float) -> None:
        sf_server.app.advance_clock(seconds)
        moved.append(seconds)

    yield advance
    if moved:
        sf_server.app.advance_clock(-sum(moved))


# -- writes ------------------------------------------------------------------------------------------
def test_it_upserts_on_the_sync_key_so_a_repeated_create_finds_the_first(person: Person):
    connector = salesforce_for(person.connection)

    [first] = connector.upsert(crm_object="Event", records=[event("Kickoff", key="mail-1")])
    [again] = connector.upsert(crm_object="Event", records=[event("Kickoff v2", key="mail-1")])

    assert first.ok and again.ok, (first, again)
    assert first.id and again.id == first.id
    rows = person.salesforce.query(f"SELECT Id, Subject FROM Event WHERE {SYNC_KEY_FIELD} = 'mail-1'")
    assert rows["totalSize"] == 1
    assert rows["records"][0]["Subject"] == "Kickoff v2"


def test_it_writes_450_records_in_exactly_three_collection_calls(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    records = [event(f"Meeting {i}", key=f"bulk-{i}") for i in range(450)]

    results = connector.upsert(crm_object="Event", records=records)

    assert len(results) == 450
    assert all(r.ok for r in results)
    assert len({r.id for r in results}) == 450
    writes = api_calls(sf_server, person, "PATCH")
    assert len(writes) == 3
    assert all(w["path"].endswith(f"/composite/sobjects/Event/{SYNC_KEY_FIELD}") for w in writes)
    assert connector.calls == 3
    count = person.salesforce.query(f"SELECT COUNT() FROM Event WHERE {SYNC_KEY_FIELD} LIKE 'bulk-%'")
    assert count["totalSize"] == 450


def test_it_reports_a_per_item_failure_without_failing_the_others(person: Person, sf_server: Any):
    sf_server.app.add_field(person.sf_org_id, "Event", "Region__c", "string", length=40, required=True)
    connector = salesforce_for(person.connection)
    records = [
        event("A", key="req-a", Region__c="EMEA"),
        event("B", key="req-b"),  # the org requires Region__c
        event("C", key="req-c", Region__c="APAC"),
    ]

    results = connector.upsert(crm_object="Event", records=records)

    assert [r.ok for r in results] == [True, False, True]
    failed = results[1]
    assert failed.code == "REQUIRED_FIELD_MISSING"
    assert failed.permanent is True
    assert "Region__c" in failed.message
    keys = {
        r[SYNC_KEY_FIELD] for r in person.salesforce.query(f"SELECT {SYNC_KEY_FIELD} FROM Event")["records"]
    }
    assert keys == {"req-a", "req-c"}


def test_it_updates_records_in_a_collection_with_per_item_results(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    created = connector.upsert(crm_object="Event", records=[event("One", key="u-1"), event("Two", key="u-2")])
    gone = connector.upsert(crm_object="Event", records=[event("Gone", key="u-3")])[0].id
    person.salesforce.Event.delete(gone)
    sf_server.app.clear()

    results = connector.update(
        crm_object="Event",
        records=[
            {"Id": created[0].id, "Subject": "One (moved)"},
            {"Id": gone, "Subject": "too late"},
            {"Id": created[1].id, "Subject": "Two (moved)"},
        ],
    )

    assert [r.ok for r in results] == [True, False, True]
    assert [r.id for r in results] == [created[0].id, gone, created[1].id]
    assert results[1].code == "ENTITY_IS_DELETED"
    assert person.salesforce.Event.get(created[0].id)["Subject"] == "One (moved)"
    assert person.salesforce.Event.get(created[1].id)["Subject"] == "Two (moved)"
    assert len(api_calls(sf_server, person, "PATCH")) == 1


def test_it_deletes_records_in_collections_of_200(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    ids = [
        r.id
        for r in connector.upsert(
            crm_object="Event", records=[event(f"E{i}", key=f"d-{i}") for i in range(210)]
        )
    ]
    person.salesforce.Event.delete(ids[5])  # already gone: reported, not raised
    sf_server.app.clear()

    results = connector.delete(ids=ids)

    assert len(results) == 210
    assert [r.id for r in results] == ids
    assert [i for i, r in enumerate(results) if not r.ok] == [5]
    assert results[5].code == "ENTITY_IS_DELETED"
    assert len(api_calls(sf_server, person, "DELETE")) == 2
    assert person.salesforce.query("SELECT COUNT() FROM Event")["totalSize"] == 0


# -- reads -------------------------------------------------------------------------------------------
def test_it_reads_live_changes_and_deletions_in_one_query(
    person: Person, make_person: Any, sf_server: Any, later: Any
):
    connector = salesforce_for(person.connection)
    a, b, c = (
        r.id
        for r in connector.upsert(
            crm_object="Event", records=[event("A", key="r-a"), event("B", key="r-b"), event("C", key="r-c")]
        )
    )
    later(120)
    [d] = connector.upsert(crm_object="Event", records=[event("D", key="r-d")])  # the newest: the cursor
    colleague = make_person("bob", organization=person.organization)
    theirs = sf_server.app.create_record(
        person.sf_org_id, "Event", event("Not mine", key="r-theirs"), user_id=colleague.sf_user_id
    )
    first = read(connector)
    assert first.full is True
    assert {ch.id for ch in first.changes} == {a, b, c, d.id}

    later(120)  # past the minute of overlap the connector re-reads before its cursor
    person.salesforce.Event.update(a, {"Subject": "A (edited)"})
    person.salesforce.Event.delete(b)
    colleague.salesforce.Event.update(theirs, {"Subject": "Still not mine"})
    calls_before = connector.calls

    second = read(connector, first.next_cursor)

    assert connector.calls - calls_before == 1
    assert second.full is False
    changes = {ch.id: ch for ch in second.changes}
    # D sits inside the minute of overlap before the cursor and is read again (harmless by design);
    # C is older than that and unchanged, the colleague's event is not ours.
    assert set(changes) == {a, b, d.id}
    assert changes[a].deleted is False
    assert changes[a].values["subject"] == "A (edited)"
    assert changes[a].sync_key == "r-a"
    assert changes[b].deleted is True
    assert changes[b].values == {}
    assert changes[b].sync_key == "r-b"
    assert second.next_cursor > first.next_cursor
    assert second.next_cursor == max(ch.modified_at for ch in second.changes)


def test_it_moves_the_cursor_to_the_newest_stamp_read(person: Person):
    connector = salesforce_for(person.connection)
    connector.upsert(crm_object="Event", records=[event("A", key="c-a"), event("B", key="c-b")])

    changes = read(connector)

    stamps = [ch.modified_at for ch in changes.changes]
    assert changes.next_cursor == max(stamps)
    assert changes.next_cursor.endswith("Z")
    # Nothing changed since: the cursor stays where it was (a re-read of the overlap is harmless).
    assert read(connector, changes.next_cursor).next_cursor == changes.next_cursor


def test_it_pages_over_2000_rows_and_reads_only_the_users_own_records(
    person: Person, make_person: Any, sf_server: Any
):
    app = sf_server.app
    for i in range(2100):
        app.create_record(
            person.sf_org_id, "Event", event(f"Mine {i}", key=f"p-{i}"), user_id=person.sf_user_id
        )
    colleague = make_person("carol", organization=person.organization)
    for i in range(30):
        app.create_record(
            person.sf_org_id, "Event", event(f"Theirs {i}", key=f"t-{i}"), user_id=colleague.sf_user_id
        )
    connector = salesforce_for(person.connection)
    app.clear()

    changes = read(connector)

    assert len(changes.changes) == 2100
    assert len({ch.id for ch in changes.changes}) == 2100
    assert all(ch.sync_key.startswith("p-") for ch in changes.changes)
    queries = [c for c in api_calls(sf_server, person) if c["method"] == "GET"]
    assert len(queries) == 2
    assert connector.calls == 2


# -- auth, limits, faults ------------------------------------------------------------------------------
def test_it_refreshes_an_expired_access_token_once_and_retries(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    read(connector)  # signed in
    old_token = connector.credentials["access_token"]
    sf_server.app.expire_tokens(person.sf_org_id)
    sf_server.app.clear()

    read(connector)

    # A refused token names no org, so the log is read unfiltered (each test has the server alone).
    assert [c["status"] for c in sf_server.app.requests(kind="api")] == [401, 200]
    assert len(token_calls(sf_server)) == 1
    person.connection.refresh_from_db()
    assert person.connection.credentials["access_token"] == connector.credentials["access_token"] != old_token


def test_it_reports_a_revoked_refresh_token_as_permanent(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    read(connector)
    sf_server.app.revoke_refresh_tokens(person.sf_org_id, person.sf_user_id)
    sf_server.app.expire_tokens(person.sf_org_id)

    with pytest.raises(ConnectorError) as raised:
        read(connector)

    assert raised.value.permanent is True
    assert raised.value.code == "CRM_AUTH_REVOKED"
    # A fresh connector built from the stored (expired) token fails the same way, after one refused
    # call and one refused refresh: no retries of either.
    sf_server.app.clear()
    with pytest.raises(ConnectorError) as again:
        read(salesforce_for(person.connection))
    assert again.value.code == "CRM_AUTH_REVOKED"
    assert [r["status"] for r in sf_server.app.requests(kind="api")] == [401]
    assert [r["status"] for r in token_calls(sf_server)] == [400]


def test_it_reports_the_daily_api_limit_as_transient_without_retrying(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    read(connector)
    sf_server.app.set_api_limit(person.sf_org_id, sf_server.app.api_usage(person.sf_org_id))
    sf_server.app.clear()

    with pytest.raises(ConnectorError) as raised:
        read(connector)

    assert raised.value.permanent is False
    assert raised.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert len(api_calls(sf_server, person)) == 1  # waiting seconds cannot help: no retry now


def test_it_retries_a_503_and_succeeds(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    [created] = connector.upsert(crm_object="Event", records=[event("Survivor", key="f-1")])
    sf_server.app.clear()
    sf_server.app.add_fault(status=503, count=1, path=r"/query")

    changes = read(connector)

    assert [ch.id for ch in changes.changes] == [created.id]
    assert [c["status"] for c in api_calls(sf_server, person)] == [503, 200]


def test_it_reads_api_usage_from_sforce_limit_info(person: Person, sf_server: Any):
    connector = salesforce_for(person.connection)
    assert connector.api_usage == ""

    read(connector)
    used = sf_server.app.api_usage(person.sf_org_id)
    assert connector.api_usage == f"{used}/100000"

    read(connector)
    assert connector.api_usage == f"{used + 1}/100000"


def test_it_finds_records_whose_values_hold_characters_soql_escapes(person: Person):
    odd = 'O\'Brien "Jr"\\\nline two\ttab'
    person.salesforce.Contact.create({"LastName": odd})
    connector = salesforce_for(person.connection)

    found = connector.find_matches(
        crm_object="Contact",
        fields=["LastName"],
        match_fields={"LastName": "string"},
        candidates=[(odd,)],
        neutral=lambda row: {"last_name": row["LastName"]},
    )

    assert [values for _, values, _ in found.values()] == [{"last_name": odd}]


def test_it_names_itself_on_its_writes_so_change_events_tell_them_apart(person: Person, sf_server: Any):
    sf_server.app.enable_change_data_capture(person.sf_org_id, ["Event"])
    connector = salesforce_for(person.connection)

    [written] = connector.upsert(crm_object="Event", records=[event("Kickoff", key="mail-1")])
    person.salesforce.Event.update(written.id, {"Subject": "Kickoff (moved by hand)"})

    cdc = sf_server.app.cdc
    origins = []
    for published in cdc.retained(person.sf_org_id):
        schema = fastavro.parse_schema(json.loads(cdc.schemas[published.schema_id]))
        decoded = fastavro.schemaless_reader(io.BytesIO(published.payload), schema)
        origins.append(decoded["ChangeEventHeader"]["changeOrigin"])  # type: ignore[index, call-overload]
    assert origins == ["com/salesforce/api/rest/62.0;client=mailsync", ""], "the engine's, then a person's"
