"""GoogleConnector (events, auth, batches) against the Google sandbox, through google-api-python-client."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import ConnectorError
from connectors.google.connector import GoogleConnector
from sandbox.fixtures_google import GoogleAccount
from tests.support.calendar import at
from tests.support.connectors import WINDOW, Rep, stamp


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


def read(connector: GoogleConnector, cursor: str = "", window: Window = WINDOW) -> Any:
    return connector.read_changes(stream="events", cursor=cursor, window=window)


def by_id(changeset: Any) -> dict[str, Any]:
    return {c.id: c for c in changeset.changes}


def neutral_event(subject: str, start: datetime, hours: float = 1, **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "body": "",
        "start": stamp(start),
        "end": stamp(start + timedelta(hours=hours)),
        "is_all_day": False,
        "location": "",
        "show_as": "busy",
        "sensitivity": "normal",
        **extra,
    }


# -- reads -------------------------------------------------------------------------------------------
def test_it_reads_the_events_in_the_window_as_neutral_values(rep: Rep):
    start = at(2, 15)
    pricing = rep.app.create_event(
        rep.user,
        {
            "summary": "Pricing call",
            "description": "<p>Discuss the <b>renewal</b></p>",
            "location": "Meet",
            "transparency": "transparent",
            "visibility": "confidential",
            # 15:00 UTC written as New York wall-clock time
            "start": {
                "dateTime": (start - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "America/New_York",
            },
            "end": {"dateTime": stamp(start + timedelta(minutes=30))},
        },
    )
    day = at(3).date()
    holiday = rep.app.create_event(
        rep.user,
        {
            "summary": "Off",
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=1)).isoformat()},
        },
    )
    rep.add_event("Far away", days=90)
    changes = read(rep.connector())
    assert changes.full is True
    got = by_id(changes)
    assert set(got) == {pricing["id"], holiday["id"]}
    assert got[pricing["id"]].values == {
        "subject": "Pricing call",
        "body": "Discuss the renewal",
        "start": stamp(start),
        "end": stamp(start + timedelta(minutes=30)),
        "is_all_day": False,
        "location": "Meet",
        "show_as": "free",
        "sensitivity": "confidential",
    }
    assert got[pricing["id"]].version == pricing["etag"] and got[pricing["id"]].label == "Pricing call"
    assert got[pricing["id"]].meta == {
        "categories": [],
        "sensitivity": "confidential",
        "attendees": [],
        "names": {rep.account.email.lower(): "Sandbox Rep"},  # as the invitation names its people
        "organizer": rep.account.email,
        "response": "organizer",
        "ical_uid": pricing["iCalUID"],
        "series_master_id": "",
    }
    assert got[holiday["id"]].values["start"] == f"{day.isoformat()}T00:00:00Z"
    assert got[holiday["id"]].values["end"] == f"{day + timedelta(days=1)}T00:00:00Z"
    assert got[holiday["id"]].values["is_all_day"] is True


def test_it_reads_meetings_with_attendees_responses_and_one_uid_per_occurrence(rep: Rep):
    start = at(1, 9)
    invite = rep.app.receive_invitation(
        rep.user,
        {
            "summary": "Weekly sync",
            "start": {"dateTime": stamp(start)},
            "end": {"dateTime": stamp(start + timedelta(minutes=30))},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"],
            "attendees": [{"email": "lee@client.example"}],
        },
        organizer="boss@client.example",
        ical_uid="series-1@client.example",
    )
    rep.app.respond(rep.user, invite["id"], "tentative")
    changes = read(rep.connector()).changes
    assert len(changes) == 2
    first, second = changes
    assert first.meta["attendees"] == ["boss@client.example", "lee@client.example", rep.account.email]
    assert first.meta["organizer"] == "boss@client.example"
    assert first.meta["response"] == "tentativelyAccepted"
    assert first.meta["series_master_id"] == second.meta["series_master_id"] == invite["id"]
    assert first.meta["ical_uid"] == f"series-1@client.example#{stamp(start)}"
    assert second.meta["ical_uid"] == f"series-1@client.example#{stamp(start + timedelta(weeks=1))}"


def test_it_reads_only_changes_after_the_first_read_with_one_call_when_nothing_changed(rep: Rep):
    kept = rep.add_event("Kept", days=1)
    edited = rep.add_event("Edited", days=2)
    connector = rep.connector()
    first = read(connector)
    assert len(first.changes) == 2
    before = connector.calls
    quiet = read(connector, first.next_cursor)
    assert quiet.changes == [] and quiet.full is False
    assert connector.calls - before == 1
    rep.app.update_event(rep.user, edited["id"], {"summary": "Edited again"})
    delta = read(connector, quiet.next_cursor)
    assert [(c.id, c.values["subject"]) for c in delta.changes] == [(edited["id"], "Edited again")]
    assert kept["id"] not in by_id(delta)
    assert json.loads(delta.next_cursor)["sync"] != json.loads(quiet.next_cursor)["sync"]


def test_it_reports_deleted_and_moved_out_events_as_removed(rep: Rep):
    gone = rep.add_event("Gone", days=1)
    moved = rep.add_event("Moved", days=2)
    connector = rep.connector()
    first = read(connector)
    rep.app.delete_event(rep.user, gone["id"])
    later = at(60)
    rep.app.update_event(
        rep.user,
        moved["id"],
        {"start": {"dateTime": stamp(later)}, "end": {"dateTime": stamp(later + timedelta(hours=1))}},
    )
    delta = by_id(read(connector, first.next_cursor))
    assert delta[gone["id"]].removed and delta[moved["id"]].removed
    assert connector.exists(stream="events", ids=[gone["id"], moved["id"]]) == {
        gone["id"]: False,
        moved["id"]: True,
    }


def test_it_reads_in_full_when_google_answers_410_or_the_window_changed(rep: Rep):
    event = rep.add_event("Steady", days=3)
    connector = rep.connector()
    first = read(connector)
    rep.app.invalidate_sync_tokens(rep.user)
    again = read(connector, first.next_cursor)
    assert again.full is True and [c.id for c in again.changes] == [event["id"]]
    statuses = [r["status"] for r in rep.api() if r["path"].endswith("/events")]
    assert statuses[-2:] == [410, 200]
    moved_window = Window(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    shifted = read(connector, again.next_cursor, window=moved_window)
    assert shifted.full is True and [c.id for c in shifted.changes] == [event["id"]]


def test_it_gives_an_item_error_for_an_unknown_time_zone_never_a_wrong_time(rep: Rep):
    start = at(2, 9)
    odd = rep.app.create_event(
        rep.user,
        {
            "summary": "Imported",
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "Customized Time Zone 7"},
            "end": {
                "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "Customized Time Zone 7",
            },
        },
        allow_unknown_zone=True,
    )
    fine = rep.add_event("Fine", days=2)
    got = by_id(read(rep.connector()))
    assert "Customized Time Zone 7" in got[odd["id"]].values["_error"]
    assert "start" not in got[odd["id"]].values and got[odd["id"]].label == "Imported"
    assert got[fine["id"]].values["subject"] == "Fine"


# -- writes ------------------------------------------------------------------------------------------
def test_it_creates_events_in_batches_of_50_and_reads_them_back_unchanged(rep: Rep):
    connector = rep.connector()
    first = read(connector)
    items = [neutral_event(f"Visit {n}", at(1 + n % 20, 8 + n % 9)) for n in range(120)]
    items[0] = {
        **items[0],
        "body": "Agenda",
        "location": "HQ",
        "show_as": "free",
        "sensitivity": "private",
        "categories": ["Salesforce"],
    }
    before = connector.calls
    results = connector.create(stream="events", items=items)
    assert connector.calls - before == math.ceil(120 / 50)
    assert all(r.ok and r.id and r.version for r in results)
    got = by_id(read(connector, first.next_cursor))
    assert len(got) == 120
    written = {k: v for k, v in items[0].items() if k != "categories"}
    assert got[results[0].id].values == written
    assert got[results[0].id].meta["categories"] == ["Salesforce"]
    assert [got[r.id].values["subject"] for r in results] == [i["subject"] for i in items]


def test_it_writes_all_day_events_with_googles_exclusive_end_date(rep: Rep):
    connector = rep.connector()
    day = at(4, 0)
    [made] = connector.create(
        stream="events", items=[neutral_event("Trade fair", day, hours=24, is_all_day=True)]
    )
    [stored] = [e for e in rep.app.events(rep.user) if e["id"] == made.id]
    assert stored["start"] == {"date": day.date().isoformat()}
    assert stored["end"] == {"date": (day.date() + timedelta(days=1)).isoformat()}


def test_it_updates_only_the_given_fields_and_keeps_the_rest(rep: Rep):
    event = rep.add_event("Review", days=2, location="Room 4", description="keep me")
    connector = rep.connector()
    new_end = at(2, 12)
    [result] = connector.update(
        stream="events", items=[(event["id"], {"subject": "Review (final)", "end": stamp(new_end)})]
    )
    assert result.ok and result.id == event["id"] and result.version != event["etag"]
    [stored] = [e for e in rep.app.events(rep.user) if e["id"] == event["id"]]
    assert stored["summary"] == "Review (final)" and stored["location"] == "Room 4"
    assert stored["description"] == "keep me" and stored["start"] == event["start"]  # untouched
    assert stored["end"] == {"dateTime": stamp(new_end), "timeZone": "UTC"}


def test_it_reports_item_errors_per_item_and_deletes_what_is_already_gone_as_done(rep: Rep):
    event = rep.add_event("Real", days=1)
    connector = rep.connector()
    results = connector.update(
        stream="events", items=[("missing00", {"subject": "x"}), (event["id"], {"subject": "Real 2"})]
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].code == "notFound" and results[0].permanent and results[0].id == "missing00"
    bad = connector.create(stream="events", items=[neutral_event("Backwards", at(2), hours=-1)])
    assert not bad[0].ok and bad[0].code == "timeRangeEmpty" and bad[0].permanent
    rep.app.delete_event(rep.user, event["id"])
    assert [r.ok for r in connector.delete(stream="events", ids=[event["id"], "never00"])] == [True, True]


def test_it_retries_items_answered_429_after_their_retry_after(rep: Rep):
    connector = rep.connector()
    read(connector)
    rep.app.add_fault(
        status=429, path=r"^/calendar/v3/calendars/primary/events$", method="POST", retry_after=7
    )
    results = connector.create(stream="events", items=[neutral_event("A", at(1)), neutral_event("B", at(2))])
    assert all(r.ok for r in results)
    assert rep.waits == [7.0]
    subjects = sorted(e["summary"] for e in rep.app.events(rep.user))
    assert subjects == ["A", "B"]  # the retried item was written once
    items = [r for r in rep.api("batch-item") if r["method"] == "POST"]
    assert [r["status"] for r in items] == [429, 200, 200]


def test_it_retries_a_read_answered_500_with_retry_after(rep: Rep):
    rep.add_event("One", days=1)
    rep.app.add_fault(status=500, path=r"/calendar/v3/calendars/primary/events$", method="GET", retry_after=2)
    changes = read(rep.connector())
    assert len(changes.changes) == 1 and rep.waits == [2.0]


def test_it_gives_up_on_a_retry_after_longer_than_the_policy_allows(rep: Rep):
    rep.app.add_fault(status=429, path=r"/calendar/v3/calendars/primary/events$", retry_after=3600)
    with pytest.raises(ConnectorError) as caught:
        read(rep.connector())
    assert caught.value.permanent is False and caught.value.retry_after == 3600


# -- auth --------------------------------------------------------------------------------------------
def test_it_refreshes_an_expired_access_token_and_hands_the_new_one_over(rep: Rep):
    connector = rep.connector()
    first = read(connector)
    assert connector.token_calls == 1 and rep.stored[-1]["access_token"]
    old = rep.stored[-1]["access_token"]
    cached = rep.connector(credentials=dict(rep.stored[-1]))
    read(cached, first.next_cursor)
    assert cached.token_calls == 0  # a cached, unexpired token needs no sign-in
    rep.app.expire_tokens(rep.user)
    changes = read(cached, first.next_cursor)
    assert changes.full is False
    assert cached.token_calls == 1 and cached.calls == 3  # 401, then the same read again
    assert rep.stored[-1]["access_token"] != old
    assert rep.stored[-1]["refresh_token"] == rep.account.refresh_token
    assert rep.stored[-1]["expires_at"] > datetime.now(UTC).timestamp() + 3000


def test_it_refreshes_before_a_batch_through_its_own_tls_settings(rep: Rep):
    connector = rep.connector()
    results = connector.create(stream="events", items=[neutral_event("First call is a batch", at(1))])
    assert results[0].ok and connector.token_calls == 1


def test_it_reports_a_revoked_refresh_token_as_mail_auth_revoked(rep: Rep):
    connector = rep.connector()
    rep.app.revoke(rep.user)
    with pytest.raises(ConnectorError) as caught:
        read(connector)
    error = caught.value
    assert error.code == "MAIL_AUTH_REVOKED" and error.permanent is True
    assert "reconnect the mailbox" in error.message and "invalid_grant" in error.message


def test_it_refuses_a_stream_google_cannot_sync(rep: Rep):
    connector = rep.connector()
    assert connector.SUPPORTED_STREAMS == ("events", "tasks", "contacts")
    with pytest.raises(ConnectorError) as caught:
        connector.read_changes(stream="emails", cursor="")
    assert caught.value.code == "UNSUPPORTED_STREAM" and caught.value.permanent


def test_it_follows_pages_and_keeps_the_sync_token_of_the_last_one(rep: Rep):
    made = [rep.add_event(f"Call {n}", days=1 + n) for n in range(5)]
    connector = rep.connector(page_size=2)
    first = read(connector)
    assert [c.id for c in first.changes] == [e["id"] for e in made]
    assert connector.calls == 3
    rep.app.update_event(rep.user, made[4]["id"], {"summary": "Call 4 (moved)"})
    delta = read(connector, first.next_cursor)
    assert [c.values["subject"] for c in delta.changes] == ["Call 4 (moved)"] and connector.calls == 4


def test_it_refuses_a_value_google_cannot_take_for_that_item_only(rep: Rep):
    connector = rep.connector()
    read(connector)
    results = connector.create(
        stream="events",
        items=[neutral_event("Fine", at(1)), {**neutral_event("Broken", at(2)), "start": "soon"}],
    )
    assert results[0].ok and not results[1].ok
    assert results[1].code == "INVALID_VALUE" and results[1].permanent and "soon" in results[1].message
    assert [e["summary"] for e in rep.app.events(rep.user)] == ["Fine"]


def test_it_reads_in_full_when_the_stored_cursor_is_not_its_own(rep: Rep):
    event = rep.add_event("Kept", days=1)
    changes = read(rep.connector(), "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x")
    assert changes.full is True and [c.id for c in changes.changes] == [event["id"]]


def test_it_keeps_show_as_and_sensitivity_google_cannot_tell_apart_until_the_user_changes_them(rep: Rep):
    connector = rep.connector()
    first = read(connector)
    [made] = connector.create(
        stream="events", items=[neutral_event("Offsite", at(3), show_as="oof", sensitivity="personal")]
    )
    [stored] = [e for e in rep.app.events(rep.user) if e["id"] == made.id]
    assert (stored["transparency"], stored["visibility"]) == ("opaque", "private")
    [change] = read(connector, first.next_cursor).changes
    assert (change.values["show_as"], change.values["sensitivity"]) == ("oof", "personal")
    assert change.meta["sensitivity"] == "personal"
    rep.app.update_event(rep.user, made.id, {"transparency": "transparent", "visibility": "default"})
    [change] = read(connector, first.next_cursor).changes
    assert (change.values["show_as"], change.values["sensitivity"]) == (
        "free",
        "normal",
    )  # the user's change wins


def test_it_retries_items_a_batch_answers_403_rate_limit_exceeded(rep: Rep, monkeypatch: pytest.MonkeyPatch):
    # Calendar throttles with 403 rateLimitExceeded / userRateLimitExceeded (not 429) inside a batch.
    from sandbox.base import json_response
    from sandbox.google.errors import error_body

    def rate_limited(request: Any, fault: Any) -> Any:
        return json_response(403, error_body(403, "Rate Limit Exceeded", "userRateLimitExceeded"))

    monkeypatch.setattr(rep.app, "fault_response", rate_limited)
    connector = rep.connector()
    read(connector)
    rep.app.add_fault(status=403, path=r"^/calendar/v3/calendars/primary/events$", method="POST")
    results = connector.create(stream="events", items=[neutral_event("A", at(1)), neutral_event("B", at(2))])
    assert all(r.ok for r in results)
    assert sorted(e["summary"] for e in rep.app.events(rep.user)) == ["A", "B"]
    items = [r for r in rep.api("batch-item") if r["method"] == "POST"]
    assert [r["status"] for r in items] == [403, 200, 200]
