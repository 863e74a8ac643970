"""GraphConnector against the Graph sandbox, through msal and real HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors.base import ConnectorError
from connectors.graph import events as graph_events
from connectors.graph.connector import GraphConnector
from connectors.neutral.times import UnknownTimeZoneError
from syncengine.services.connectors import mail_connector_for
from tests.support.calendar import at
from tests.support.connectors import WINDOW, connector_with
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def add_event(person: Person, subject: str, days: float = 1, hour: int = 10, **extra: Any) -> dict[str, Any]:
    start = at(days, hour)
    return person.outlook.create_event(
        **event_body(subject, local(start), local(start + timedelta(hours=1)), **extra)
    )


def read(connector: GraphConnector, cursor: str = "") -> Any:
    return connector.read_changes(stream="events", cursor=cursor, window=WINDOW)


def api(graph: Any, person: Person, kind: str = "api") -> list[dict[str, Any]]:
    return graph.requests(tenant=person.tenant_id, kind=kind)


def token_requests(graph: Any, person: Person) -> list[dict[str, Any]]:
    return [r for r in graph.requests(kind="token") if r["path"].endswith("/oauth2/v2.0/token")]


# -- reads -------------------------------------------------------------------------------------------
def test_it_reads_the_events_in_the_window_as_neutral_values(person: Person, graph: Any):
    pricing = add_event(
        person,
        "Pricing call",
        days=2,
        hour=15,
        body={"contentType": "html", "content": "<p>Discuss the <b>renewal</b></p>"},
        location={"displayName": "Teams"},
        showAs="free",
    )
    inside = add_event(person, "Standup", days=-3)
    add_event(person, "Far future", days=60)
    add_event(person, "Long ago", days=-40)
    connector = mail_connector_for(person.mailbox)

    changes = read(connector)

    assert changes.full is True
    by_id = {ch.id: ch for ch in changes.changes}
    assert set(by_id) == {pricing["id"], inside["id"]}
    values = by_id[pricing["id"]].values
    start = at(2, 15)
    assert values["subject"] == "Pricing call"
    assert values["start"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert values["end"] == (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert STAMP.match(values["start"]) and STAMP.match(values["end"])
    assert values["body"] == "Discuss the renewal"
    assert values["location"] == "Teams"
    assert values["show_as"] == "free"
    assert by_id[pricing["id"]].version == pricing["changeKey"]
    assert by_id[pricing["id"]].label == "Pricing call"


def test_it_pages_by_page_size_then_reads_only_changes_with_the_cursor(person: Person, graph: Any):
    made = [add_event(person, f"Meeting {i}", days=1 + i) for i in range(12)]
    connector = connector_with(person, page_size=5)
    graph.clear()

    first = read(connector)

    assert {ch.id for ch in first.changes} == {e["id"] for e in made}
    assert len(api(graph, person)) == 3  # 5 + 5 + 2

    graph.clear()
    quiet = read(connector, first.next_cursor)
    assert quiet.changes == []
    assert quiet.full is False
    assert len(api(graph, person)) == 1

    person.outlook.update_event(made[4]["id"], subject="Meeting 4 (moved)")
    moved = read(connector, quiet.next_cursor)
    assert [(ch.id, ch.values["subject"]) for ch in moved.changes] == [(made[4]["id"], "Meeting 4 (moved)")]


def test_it_reports_a_deleted_event_as_removed(person: Person):
    keep = add_event(person, "Keep")
    drop = add_event(person, "Drop", days=2)
    connector = mail_connector_for(person.mailbox)
    first = read(connector)

    person.outlook.delete_event(drop["id"])
    second = read(connector, first.next_cursor)

    assert len(second.changes) == 1
    [change] = second.changes
    assert change.id == drop["id"]
    assert change.removed is True
    assert keep["id"] not in {ch.id for ch in second.changes}


def test_it_falls_back_to_a_full_read_when_the_delta_token_is_no_longer_valid(person: Person, graph: Any):
    one = add_event(person, "One")
    two = add_event(person, "Two", days=3)
    waits: list[float] = []
    connector = connector_with(person, waits)
    first = read(connector)
    graph.invalidate_delta_tokens(person.tenant_id)
    graph.clear()

    again = read(connector, first.next_cursor)

    assert again.full is True
    assert {ch.id for ch in again.changes} == {one["id"], two["id"]}
    # A 410 cannot heal by waiting: one refused delta read, then the full read, no back-off.
    assert [r["status"] for r in api(graph, person)] == [410, 200]
    assert waits == []
    assert read(connector, again.next_cursor).changes == []  # the new cursor works


def test_it_tells_deleted_events_from_existing_ones_in_one_batch_per_20(person: Person, graph: Any):
    made = [
        graph.create_event(
            person.tenant_id,
            person.graph_user_id,
            event_body(f"E{i}", local(at(1 + i)), local(at(1 + i, 11))),
        )["id"]
        for i in range(25)
    ]
    gone = {made[3], made[21]}
    for event_id in gone:
        person.outlook.delete_event(event_id)
    connector = mail_connector_for(person.mailbox)
    graph.clear()

    answer = connector.exists(stream="events", ids=made)

    assert answer == {i: i not in gone for i in made}
    batches = api(graph, person)
    assert len(batches) == 2
    assert all(b["path"] == "/v1.0/$batch" for b in batches)

    graph.clear()
    assert connector.exists(stream="events", ids=[made[0], made[3]]) == {made[0]: True, made[3]: False}
    assert len(api(graph, person)) == 1


# -- writes ------------------------------------------------------------------------------------------
def test_it_creates_updates_and_deletes_through_batch_with_per_item_results(person: Person, graph: Any):
    connector = mail_connector_for(person.mailbox)
    items = [
        {
            "subject": f"Created {i}",
            "start": at(1 + i).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": at(1 + i, 11).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": f"note {i}",
        }
        for i in range(25)
    ]
    graph.clear()

    created = connector.create(stream="events", items=items)

    assert len(api(graph, person)) == 2  # 20 + 5
    assert len(created) == 25
    assert all(r.ok and r.id and r.version for r in created)
    for i, result in enumerate(created):  # results follow the input order, not the answer order
        stored = person.outlook.get_event(result.id)
        assert stored["subject"] == f"Created {i}"
        assert stored["changeKey"] == result.version

    graph.clear()
    updated = connector.update(
        stream="events",
        items=[(created[0].id, {"subject": "Renamed 0"}), (created[1].id, {"location": "Room 1"})],
    )
    assert [(r.ok, r.id) for r in updated] == [(True, created[0].id), (True, created[1].id)]
    assert updated[0].version and updated[0].version != created[0].version
    assert len(api(graph, person)) == 1
    assert person.outlook.get_event(created[0].id)["subject"] == "Renamed 0"
    assert person.outlook.get_event(created[1].id)["location"]["displayName"] == "Room 1"

    person.outlook.delete_event(created[2].id)
    deleted = connector.delete(stream="events", ids=[created[0].id, created[2].id])
    assert [(r.ok, r.id) for r in deleted] == [(True, created[0].id), (True, created[2].id)]
    assert connector.exists(stream="events", ids=[created[0].id, created[1].id]) == {
        created[0].id: False,
        created[1].id: True,
    }


def test_it_reports_a_failed_item_without_failing_the_batch(person: Person):
    connector = mail_connector_for(person.mailbox)
    [good] = connector.create(
        stream="events",
        items=[{"subject": "Good", "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}],
    )

    results = connector.update(
        stream="events", items=[(good.id, {"subject": "Still good"}), ("AAMkAnope", {"subject": "x"})]
    )

    assert results[0].ok is True
    assert results[1].ok is False
    assert results[1].id == "AAMkAnope"
    assert results[1].permanent is True
    assert results[1].code


def test_it_retries_one_throttled_item_inside_a_batch(person: Person, graph: Any):
    made = [add_event(person, f"E{i}", days=1 + i)["id"] for i in range(3)]
    waits: list[float] = []
    connector = connector_with(person, waits)
    connector.exists(stream="events", ids=made[:1])  # signed in
    graph.clear()
    graph.add_fault(
        status=429, retry_after=1, count=1, method="PATCH", path=re.escape(f"/me/events/{made[1]}") + "$"
    )

    results = connector.update(
        stream="events", items=[(i, {"subject": f"new {n}"}) for n, i in enumerate(made)]
    )

    assert [r.ok for r in results] == [True, True, True]
    assert waits == [1.0]
    assert len(api(graph, person)) == 2  # the batch, then a batch of the one throttled item
    items = api(graph, person, kind="batch-item")
    assert [i["status"] for i in items if made[1] in i["path"]] == [429, 200]
    assert len(items) == 4
    assert [person.outlook.get_event(i)["subject"] for i in made] == ["new 0", "new 1", "new 2"]


def test_it_creates_no_twin_when_one_created_item_is_throttled(person: Person, graph: Any):
    waits: list[float] = []
    connector = connector_with(person, waits)
    graph.add_fault(status=429, retry_after=1, count=1, method="POST", path=r"/me/events$")
    items = [
        {
            "subject": f"New {i}",
            "start": f"2030-01-0{i + 1}T10:00:00Z",
            "end": f"2030-01-0{i + 1}T11:00:00Z",
        }
        for i in range(3)
    ]

    results = connector.create(stream="events", items=items)

    assert all(r.ok for r in results)
    assert waits == [1.0]
    subjects = sorted(e["subject"] for e in graph.events(person.tenant_id, person.graph_user_id))
    assert subjects == ["New 0", "New 1", "New 2"]


def test_it_waits_out_a_429_on_the_delta_read(person: Person, graph: Any):
    add_event(person, "Busy day")
    waits: list[float] = []
    connector = connector_with(person, waits)
    graph.clear()
    graph.add_fault(status=429, retry_after=2, count=1, path=r"/calendarView/delta")

    changes = read(connector)

    assert [ch.label for ch in changes.changes] == ["Busy day"]
    assert waits == [2.0]
    assert [r["status"] for r in api(graph, person)] == [429, 200]


# -- auth --------------------------------------------------------------------------------------------
def test_it_refreshes_an_expired_token_once_and_retries(person: Person, graph: Any):
    connector = mail_connector_for(person.mailbox)
    read(connector)
    old_token = connector.credentials["access_token"]
    graph.expire_tokens(person.tenant_id)
    graph.clear()

    read(connector)

    assert [r["status"] for r in graph.requests(kind="api")] == [401, 200]
    assert len(token_requests(graph, person)) == 1
    person.mailbox.refresh_from_db()
    assert person.mailbox.credentials["access_token"] == connector.credentials["access_token"] != old_token


def test_it_reports_a_revoked_refresh_token_as_permanent(person: Person, graph: Any):
    graph.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)
    connector = mail_connector_for(person.mailbox)

    with pytest.raises(ConnectorError) as raised:
        read(connector)

    assert raised.value.permanent is True
    assert raised.value.code == "MAIL_AUTH_REVOKED"
    assert graph.requests(kind="api") == []


def test_it_reports_revocation_found_while_refreshing_an_expired_token(person: Person, graph: Any):
    connector = mail_connector_for(person.mailbox)
    read(connector)
    graph.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)
    graph.expire_tokens(person.tenant_id)

    with pytest.raises(ConnectorError) as raised:
        read(connector)

    assert raised.value.code == "MAIL_AUTH_REVOKED"
    assert raised.value.permanent is True


def test_it_refuses_streams_it_does_not_sync(person: Person):
    with pytest.raises(ConnectorError) as raised:
        mail_connector_for(person.mailbox).read_changes(stream="messages", cursor="", window=WINDOW)
    assert raised.value.code == "UNSUPPORTED_STREAM"
    assert raised.value.permanent is True


# -- mapping of what the sandbox cannot store ------------------------------------------------------------
def test_it_rejects_an_unknown_time_zone_at_the_sandbox(person: Person):
    """Graph refuses to store an unknown zone, so the connector's fallback is checked on the JSON below."""
    response = person.outlook.http.post(
        f"{person.outlook.base}/v1.0/me/events",
        json=event_body("Nowhere", "2030-01-01T10:00:00", "2030-01-01T11:00:00")
        | {"start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "Mars/Olympus_Mons"}},
        headers=person.outlook._headers(),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "TimeZoneNotSupportedException"


def test_it_maps_an_event_in_an_unknown_time_zone_to_an_error_not_a_crash():
    event = {
        "id": "AAMk1",
        "subject": "Nowhere",
        "start": {"dateTime": "2030-01-01T10:00:00.0000000", "timeZone": "Mars/Olympus_Mons"},
        "end": {"dateTime": "2030-01-01T11:00:00.0000000", "timeZone": "Mars/Olympus_Mons"},
    }
    with pytest.raises(UnknownTimeZoneError):
        graph_events.to_change(event)


def test_it_honours_an_iana_zone_other_than_utc():
    event = {
        "id": "AAMk1",
        "subject": "Berlin",
        "start": {"dateTime": "2030-01-01T10:00:00.0000000", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2030-07-01T11:00:00.0000000", "timeZone": "Europe/Berlin"},
    }
    values = graph_events.to_change(event).values
    assert values["start"] == "2030-01-01T09:00:00Z"
    assert values["end"] == "2030-07-01T09:00:00Z"


def test_it_maps_a_cancelled_event_to_a_deletion():
    change = graph_events.to_change(
        {"id": "AAMk2", "subject": "Called off", "isCancelled": True, "start": None, "end": None}
    )
    assert change.deleted is True
    assert change.removed is False
    assert change.label == "Called off"
    assert change.values == {}


def test_it_maps_a_removed_item_to_removed_not_deleted():
    change = graph_events.to_change({"id": "AAMk3", "@removed": {"reason": "deleted"}})
    assert change.removed is True
    assert change.deleted is False
