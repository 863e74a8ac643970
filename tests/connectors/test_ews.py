"""EwsConnector against the EWS sandbox, through exchangelib and real SOAP over TLS."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.folders import Calendar, Root
from exchangelib.recurrence import DailyPattern, Recurrence

from connectors.base import ConnectorError, RetryPolicy
from connectors.ews.client import EwsConfig
from connectors.ews.connector import EwsConnector
from connectors.ews.transport import open_account
from connectors.neutral.times import Window
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.services.failures import SUSPENDING_CODES
from tests.support.connectors import ews_answers_unknown_kind

STAMP = "%Y-%m-%dT%H:%M:%SZ"
_numbers = itertools.count(1)


def at(days: float, hour: int = 10) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def z(moment: datetime) -> str:
    return moment.strftime(STAMP)


WINDOW = Window(at(-7, 0), at(30, 0))


@dataclasses.dataclass
class Rep:
    smtp: str
    server: SandboxServer
    ca: SandboxCA

    @property
    def app(self) -> Any:
        return self.server.app

    def connector(
        self, waits: list[float] | None = None, password: str = "Rep-Passw0rd", **config: Any
    ) -> EwsConnector:
        settings = EwsConfig(
            service_endpoint=f"{self.server.url}/EWS/Exchange.asmx",
            ca_bundle=str(self.ca.ca_path),
            timeout=10,
            retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_wait=5),
        )
        return EwsConnector(
            dataclasses.replace(settings, **config),
            {"primary_smtp_address": self.smtp},
            {"username": self.smtp, "password": password},
            sleep=(waits.append if waits is not None else lambda seconds: None),
        )

    def add_event(self, subject: str, days: float = 1, hour: int = 10, **props: Any) -> dict[str, Any]:
        start = at(days, hour)
        fields = {"Subject": subject, "Start": z(start), "End": z(start + timedelta(hours=1)), **props}
        return self.app.create_item(self.smtp, "calendar", fields)

    def folder(self, stream: str) -> str:
        """The stream's dedicated folder, as the user finds (or makes) it in Outlook."""
        name, parent = {
            "tasks": ("Salesforce Tasks", "tasks"),
            "contacts": ("Salesforce Contacts", "contacts"),
        }[stream]
        return str(self.app.folder_id(self.smtp, name, parent))

    def calls(self, operation: str | None = None) -> list[dict[str, Any]]:
        found = self.app.requests(user=self.smtp)
        return [r for r in found if operation is None or r.get("operation") == operation]


@pytest.fixture
def rep(ews_server: SandboxServer, sandbox_ca: SandboxCA) -> Rep:
    smtp = f"rep{next(_numbers)}@contoso.example"
    ews_server.app.create_mailbox(smtp, "Rita Rep", password="Rep-Passw0rd")
    return Rep(smtp, ews_server, sandbox_ca)


def read(connector: EwsConnector, cursor: str = "", stream: str = "events") -> Any:
    return connector.read_changes(stream=stream, cursor=cursor, window=WINDOW if stream == "events" else None)


# -- reads --------------------------------------------------------------------------------------------
def test_it_reads_the_events_in_the_window_as_neutral_values(rep: Rep):
    pricing = rep.add_event(
        "Pricing call",
        days=2,
        hour=15,
        Body={"BodyType": "HTML", "text": "<p>Discuss the <b>renewal</b></p>"},
        Location="Teams",
        LegacyFreeBusyStatus="Free",
        Sensitivity="Private",
        Categories=["Salesforce"],
        RequiredAttendees=["buyer@acme.example"],
    )
    inside = rep.add_event("Standup", days=-3)
    rep.add_event("Far future", days=60)
    rep.add_event("Long ago", days=-40)

    changes = read(rep.connector())

    assert changes.full is True
    by_id = {ch.id: ch for ch in changes.changes}
    assert set(by_id) == {pricing["id"], inside["id"]}
    change = by_id[pricing["id"]]
    start = at(2, 15)
    assert change.values == {
        "subject": "Pricing call",
        "body": "Discuss the renewal",
        "start": z(start),
        "end": z(start + timedelta(hours=1)),
        "is_all_day": False,
        "location": "Teams",
        "show_as": "free",
        "sensitivity": "private",
    }
    assert change.version == pricing["change_key"]
    assert change.label == "Pricing call"
    assert change.meta == {
        "categories": ["Salesforce"],
        "sensitivity": "private",
        "attendees": ["buyer@acme.example"],
        "resources": [],
        "names": {rep.smtp.lower(): "Rita Rep"},  # as the invitation names its people
        "organizer": rep.smtp,
        "response": "organizer",
        "ical_uid": pricing["UID"],
        "series_master_id": "",
    }


def test_it_reads_a_received_invitation_with_its_organizer_and_response(rep: Rep):
    rep.add_event("Their meeting", Organizer="boss@partner.example", RequiredAttendees=[rep.smtp])

    (change,) = read(rep.connector()).changes

    assert change.meta["organizer"] == "boss@partner.example"
    assert change.meta["response"] == "notResponded"
    assert change.meta["attendees"] == [rep.smtp]


def test_it_reads_all_day_events_as_midnights_of_their_own_days(rep: Rep):
    # Outlook in Berlin: the day starts at 23:00 UTC the evening before.
    day = at(3).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1)
    rep.app.create_item(
        rep.smtp,
        "calendar",
        {
            "Subject": "Offsite",
            "Start": z(start),
            "End": z(start + timedelta(days=2)),
            "IsAllDayEvent": True,
            "StartTimeZone": "W. Europe Standard Time",
            "EndTimeZone": "W. Europe Standard Time",
        },
    )

    (change,) = read(rep.connector()).changes

    assert change.values["is_all_day"] is True
    assert change.values["start"] == f"{day.isoformat()}T00:00:00Z"
    assert change.values["end"] == f"{(day + timedelta(days=2)).isoformat()}T00:00:00Z"


def test_it_reports_an_unknown_time_zone_as_an_item_error_never_a_wrong_time(rep: Rep):
    made = rep.add_event(
        "Retired zone",
        IsAllDayEvent=True,
        StartTimeZone="Mid-Atlantic Standard Time",
        EndTimeZone="Mid-Atlantic Standard Time",
    )
    rep.add_event("Fine")

    with pytest.warns(UserWarning):
        changes = read(rep.connector()).changes

    broken = next(ch for ch in changes if ch.id == made["id"])
    assert "time zone" in broken.values["_error"]
    assert set(broken.values) == {"_error"}
    assert broken.label == "Retired zone"
    assert any(ch.values.get("subject") == "Fine" for ch in changes)


def test_it_pages_a_full_read_then_a_quiet_read_costs_one_call(rep: Rep):
    made = [rep.add_event(f"Meeting {i}", days=1 + i) for i in range(12)]
    connector = rep.connector(page_size=5)

    first = read(connector)

    assert {ch.id for ch in first.changes} == {e["id"] for e in made}
    assert connector.calls == 3  # 5 + 5 + 2
    assert len(rep.calls("SyncFolderItems")) == 3

    before = connector.calls
    quiet = read(connector, first.next_cursor)
    assert quiet.changes == []
    assert quiet.full is False
    assert connector.calls - before == 1


def test_it_reads_only_changes_with_the_cursor(rep: Rep):
    kept = rep.add_event("Kept")
    edited = rep.add_event("Edited")
    gone = rep.add_event("Gone")
    connector = rep.connector()
    first = read(connector)

    rep.app.update_item(rep.smtp, edited["id"], {"Subject": "Edited again"})
    rep.app.delete_item(rep.smtp, gone["id"])
    moved = rep.app.update_item(rep.smtp, kept["id"], {"Start": z(at(90)), "End": z(at(90, 11))})
    new = rep.add_event("New")
    second = read(connector, first.next_cursor)

    by_id = {ch.id: ch for ch in second.changes}
    assert second.full is False
    assert by_id[edited["id"]].values["subject"] == "Edited again"
    assert by_id[gone["id"]].removed is True
    assert by_id[moved["id"]].removed is True  # left the window: the engine confirms it still exists
    assert by_id[new["id"]].values["subject"] == "New"
    assert len(by_id) == 4


def test_it_reads_in_full_when_the_sync_state_is_no_longer_valid(rep: Rep):
    event = rep.add_event("Still here")
    connector = rep.connector()
    first = read(connector)
    rep.app.invalidate_sync_states()

    again = read(connector, first.next_cursor)

    assert again.full is True
    assert [ch.id for ch in again.changes] == [event["id"]]
    quiet = read(connector, again.next_cursor)
    assert quiet.full is False and quiet.changes == []


def test_it_reads_in_full_when_the_window_moved(rep: Rep):
    rep.add_event("Soon")
    connector = rep.connector()
    first = read(connector)

    later = Window(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    again = connector.read_changes(stream="events", cursor=first.next_cursor, window=later)

    assert again.full is True
    assert json.loads(again.next_cursor)["window"] == [z(later.start), z(later.end)]


def test_it_reads_tasks_as_neutral_values(rep: Rep):
    task = rep.app.create_item(
        rep.smtp,
        rep.folder("tasks"),
        {
            "Subject": "Send the quote",
            "Body": "Two options",
            "Status": "InProgress",
            "Importance": "High",
            "DueDate": "2026-12-24T00:00:00Z",
            "ReminderIsSet": True,
            "ReminderDueBy": "2026-12-23T09:00:00Z",
        },
    )

    (change,) = read(rep.connector(), stream="tasks").changes

    assert change.id == task["id"]
    assert change.values == {
        "subject": "Send the quote",
        "body": "Two options",
        "status": "inProgress",
        "importance": "high",
        "due_date": "2026-12-24",
        "reminder_on": True,
        "reminder_at": "2026-12-23T09:00:00Z",
    }


def test_it_reads_contacts_as_neutral_values(rep: Rep):
    rep.app.create_item(
        rep.smtp,
        rep.folder("contacts"),
        {
            "GivenName": "Ada",
            "Surname": "Lovelace",
            "DisplayName": "Ada Lovelace",
            "CompanyName": "Analytical Engines",
            "JobTitle": "Engineer",
            "EmailAddresses": {"EmailAddress1": "Ada@Engines.example", "EmailAddress2": "ada@home.example"},
            "PhoneNumbers": {"BusinessPhone": "+44 20 1234", "MobilePhone": "+44 7700 1"},
            "PhysicalAddresses": {"Business": {"Street": "1 Loom St", "City": "London", "PostalCode": "N1"}},
            "Birthday": "1815-12-10T11:59:00Z",
        },
    )

    (change,) = read(rep.connector(), stream="contacts").changes

    values = change.values
    assert change.label == "Ada Lovelace"
    assert values["first_name"] == "Ada" and values["last_name"] == "Lovelace"
    assert values["email"] == "ada@engines.example"
    assert values["phone"] == "+44 20 1234" and values["mobile_phone"] == "+44 7700 1"
    assert values["mailing_street"] == "1 Loom St" and values["mailing_postal_code"] == "N1"
    assert values["other_city"] == ""
    assert values["birthday"] == "1815-12-10"
    assert values["company"] == "Analytical Engines" and values["job_title"] == "Engineer"


# -- writes -------------------------------------------------------------------------------------------
def test_it_creates_events_in_one_call_without_sending_invitations(rep: Rep):
    connector = rep.connector()
    start = at(4, 9)
    items = [
        {
            "subject": f"Demo {i}",
            "body": "Agenda",
            "start": z(start + timedelta(hours=i)),
            "end": z(start + timedelta(hours=i, minutes=30)),
            "is_all_day": False,
            "location": "Room 1",
            "show_as": "tentative",
            "sensitivity": "normal",
            "categories": ["Salesforce"],
        }
        for i in range(3)
    ]

    results = connector.create(stream="events", items=items)

    assert [r.ok for r in results] == [True, True, True]
    assert len(rep.calls("CreateItem")) == 1
    stored = {e["id"]: e for e in rep.app.items(rep.smtp, "calendar")}
    assert set(stored) == {r.id for r in results}
    first = stored[results[0].id]
    assert first["Subject"] == "Demo 0"
    assert first["Start"] == z(start) and first["LegacyFreeBusyStatus"] == "Tentative"
    assert first["Categories"] == ["Salesforce"]
    assert results[0].version == first["change_key"]
    assert rep.app.invitations(rep.smtp) == []

    (readback,) = [ch for ch in read(connector).changes if ch.id == results[0].id]
    assert readback.values == {k: v for k, v in items[0].items() if k != "categories"}


def test_it_writes_all_day_events_as_days_in_the_mailbox_zone(rep: Rep):
    connector = EwsConnector(
        rep.connector().config,
        {"primary_smtp_address": rep.smtp, "time_zone": "Europe/Berlin"},
        {"username": rep.smtp, "password": "Rep-Passw0rd"},
    )
    day = at(5).date()
    berlin_midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1)
    values = {
        "subject": "Trade fair",
        "start": z(berlin_midnight),
        "end": z(berlin_midnight + timedelta(days=1)),
    }

    (result,) = connector.create(stream="events", items=[{**values, "is_all_day": True}])

    stored = rep.app.item(rep.smtp, result.id)
    assert stored["IsAllDayEvent"] == "true"
    assert stored["Start"] == z(berlin_midnight)
    assert stored["End"] == z(berlin_midnight + timedelta(days=1))
    (change,) = [ch for ch in read(connector).changes if ch.id == result.id]
    assert change.values["start"] == f"{day.isoformat()}T00:00:00Z"


def test_it_updates_and_deletes_in_one_call_per_batch(rep: Rep):
    events = [rep.add_event(f"Call {i}") for i in range(3)]
    connector = rep.connector()

    updated = connector.update(
        stream="events",
        items=[(e["id"], {"subject": f"Call {i} (moved)", "location": ""}) for i, e in enumerate(events)],
    )

    assert all(r.ok for r in updated)
    assert len(rep.calls("UpdateItem")) == 1
    stored = rep.app.item(rep.smtp, events[0]["id"])
    assert stored["Subject"] == "Call 0 (moved)"
    assert "Location" not in stored
    assert updated[0].version == stored["change_key"]

    deleted = connector.delete(stream="events", ids=[e["id"] for e in events] + ["QUFNa2dvbmU="])

    assert [r.ok for r in deleted] == [True, True, True, True]  # already gone counts as done
    assert len(rep.calls("DeleteItem")) == 1
    assert rep.app.items(rep.smtp, "calendar") == []
    assert rep.app.invitations(rep.smtp) == []


def test_it_splits_writes_into_batches_of_the_configured_size(rep: Rep):
    connector = rep.connector(batch_size=2)
    tasks = [{"subject": f"Task {i}", "status": "notStarted"} for i in range(5)]

    results = connector.create(stream="tasks", items=tasks)

    assert all(r.ok for r in results)
    assert len(rep.calls("CreateItem")) == 3


def test_it_reports_item_errors_without_failing_the_batch(rep: Rep):
    good = rep.add_event("Good")
    connector = rep.connector()
    start = at(2)

    results = connector.update(
        stream="events",
        items=[
            (good["id"], {"subject": "Still good"}),
            ("QUFNa21pc3Npbmc=", {"subject": "Nobody"}),
            (good["id"], {"start": z(start), "end": z(start - timedelta(hours=2))}),
        ],
    )

    assert results[0].ok is True
    assert results[1].ok is False and results[1].code == "ErrorItemNotFound"
    assert results[2].ok is False and results[2].permanent is True
    assert rep.app.item(rep.smtp, good["id"])["Subject"] == "Still good"


def test_it_keeps_tasks_and_contacts_in_their_dedicated_folders_only(rep: Rep):
    rep.app.create_item(rep.smtp, "tasks", {"Subject": "Personal errand"})
    rep.app.create_item(rep.smtp, "contacts", {"GivenName": "Mum", "DisplayName": "Mum"})
    connector = rep.connector()

    assert read(connector, stream="tasks").changes == []
    assert read(connector, stream="contacts").changes == []
    folders = rep.app.folders(rep.smtp)
    names = {f["display_name"]: f for f in folders}
    defaults = {f["distinguished"]: f["id"] for f in folders if f["distinguished"]}
    assert names["Salesforce Tasks"]["parent_id"] == defaults["tasks"]
    assert names["Salesforce Contacts"]["parent_id"] == defaults["contacts"]

    (made,) = connector.create(stream="tasks", items=[{"subject": "Call back"}])
    assert [t["id"] for t in rep.app.items(rep.smtp, rep.folder("tasks"))] == [made.id]
    (errand,) = rep.app.items(rep.smtp, "tasks")
    assert errand["Subject"] == "Personal errand"

    first = read(connector, stream="tasks")
    moved_in = rep.app.move_item(rep.smtp, errand["id"], rep.folder("tasks"))
    rep.app.move_item(rep.smtp, made.id, "tasks")
    later = {ch.id: ch for ch in read(connector, first.next_cursor, stream="tasks").changes}
    assert later[moved_in["id"]].values["subject"] == "Personal errand"  # moved in: synced from now on
    assert later[made.id].removed is True  # moved out: the engine confirms and unsyncs


def test_it_makes_the_folder_again_when_the_user_deleted_it(rep: Rep):
    connector = rep.connector()
    first = read(connector, stream="contacts")
    gone = rep.folder("contacts")
    del rep.app.mailboxes[rep.smtp].folders[gone]  # the user deleted the (empty) folder

    again = read(rep.connector(), first.next_cursor, stream="contacts")

    assert again.full is True
    assert rep.folder("contacts") != gone


def test_it_writes_tasks_and_reads_them_back_unchanged(rep: Rep):
    connector = rep.connector()
    values = {
        "subject": "Call back",
        "body": "About the renewal",
        "status": "waitingOnOthers",
        "importance": "low",
        "due_date": "2026-12-31",
        "reminder_on": True,
        "reminder_at": "2026-12-30T08:00:00Z",
    }

    (made,) = connector.create(stream="tasks", items=[values])
    (change,) = read(connector, stream="tasks").changes

    assert change.id == made.id
    assert change.values == values

    (done,) = connector.update(
        stream="tasks", items=[(made.id, {"status": "completed", "reminder_on": False})]
    )
    assert done.ok
    stored = rep.app.item(rep.smtp, made.id)
    assert stored["Status"] == "Completed" and stored["ReminderIsSet"] == "false"


def test_it_writes_contacts_keeping_list_entries_it_does_not_map(rep: Rep):
    made = rep.app.create_item(
        rep.smtp,
        rep.folder("contacts"),
        {
            "GivenName": "Grace",
            "Surname": "Hopper",
            "DisplayName": "Grace Hopper",
            "EmailAddresses": {"EmailAddress1": "grace@navy.example", "EmailAddress2": "grace@home.example"},
            "PhoneNumbers": {"BusinessPhone": "111", "BusinessFax": "999"},
            "PhysicalAddresses": {"Home": {"City": "Arlington"}},
        },
    )
    connector = rep.connector()

    (result,) = connector.update(
        stream="contacts",
        items=[(made["id"], {"email": "grace@cobol.example", "phone": "222", "mailing_city": "New York"})],
    )

    assert result.ok
    stored = rep.app.item(rep.smtp, made["id"])
    assert stored["EmailAddresses"] == {
        "EmailAddress1": "grace@cobol.example",
        "EmailAddress2": "grace@home.example",
    }
    assert stored["PhoneNumbers"] == {"BusinessPhone": "222", "BusinessFax": "999"}
    assert stored["PhysicalAddresses"]["Home"] == {"City": "Arlington"}
    assert stored["PhysicalAddresses"]["Business"] == {"City": "New York"}
    assert len(rep.calls("GetItem")) == 1 and len(rep.calls("UpdateItem")) == 1

    (created,) = connector.create(
        stream="contacts",
        items=[{"first_name": "Alan", "last_name": "Turing", "email": "alan@bletchley.example"}],
    )
    new = rep.app.item(rep.smtp, created.id)
    assert new["DisplayName"] == "Alan Turing"
    assert new["EmailAddresses"] == {"EmailAddress1": "alan@bletchley.example"}


def test_it_tells_existing_items_from_deleted_ones_in_one_call(rep: Rep):
    here = rep.add_event("Here")
    gone = rep.add_event("Gone")
    rep.app.delete_item(rep.smtp, gone["id"])
    connector = rep.connector()

    assert connector.exists(stream="events", ids=[here["id"], gone["id"]]) == {
        here["id"]: True,
        gone["id"]: False,
    }
    assert connector.calls == 1


# -- errors -------------------------------------------------------------------------------------------
def test_it_reports_a_wrong_password_as_revoked_sign_in(rep: Rep):
    rep.app.set_password(rep.smtp, "Changed-by-IT-1")

    with pytest.raises(ConnectorError) as caught:
        read(rep.connector())

    assert caught.value.code == "MAIL_AUTH_REVOKED"
    assert caught.value.permanent is True
    assert "reconnect the mailbox" in caught.value.message
    assert connector_calls_made(rep) == 1  # never retried


def test_it_reports_access_denied_as_a_permanent_error_that_does_not_suspend(rep: Rep):
    # Signed in fine, but the account may not open this (another person's) calendar: ErrorAccessDenied.
    other = f"boss{next(_numbers)}@contoso.example"
    rep.app.create_mailbox(other, "Bea Boss", password="Boss-Passw0rd")
    connector = EwsConnector(
        rep.connector().config,
        {"primary_smtp_address": other},
        {"username": rep.smtp, "password": "Rep-Passw0rd"},
    )

    with pytest.raises(ConnectorError) as caught:
        read(connector)

    assert caught.value.code == "MAIL_ACCESS_DENIED"
    assert caught.value.permanent is True
    assert "denied access" in caught.value.message and "reconnect" not in caught.value.message
    assert caught.value.code not in SUSPENDING_CODES


def connector_calls_made(rep: Rep) -> int:
    return len(rep.app.requests(path="/EWS/Exchange.asmx"))


def test_it_retries_a_busy_server_after_the_back_off_it_asks_for(rep: Rep):
    rep.add_event("Busy day")
    rep.app.server_busy(count=2, back_off_ms=1500)
    waits: list[float] = []
    connector = rep.connector(waits)

    changes = read(connector)

    assert [ch.label for ch in changes.changes] == ["Busy day"]
    assert waits == [1.5, 1.5]
    assert connector.calls == 3


def test_it_retries_a_503_after_its_retry_after(rep: Rep):
    rep.app.add_fault(status=503, retry_after=3, count=1, path="/EWS/")
    waits: list[float] = []
    connector = rep.connector(waits)

    results = connector.create(stream="tasks", items=[{"subject": "Once"}])

    assert results[0].ok
    assert waits == [3.0]
    assert len(rep.app.items(rep.smtp, rep.folder("tasks"))) == 1


def test_it_gives_up_on_a_server_that_stays_down(rep: Rep):
    rep.app.add_fault(status=500, count=10, path="/EWS/")

    with pytest.raises(ConnectorError) as caught:
        read(rep.connector())

    assert caught.value.permanent is False
    assert connector_calls_made(rep) == 3  # the policy's attempts


def test_it_refuses_a_stream_it_does_not_sync(rep: Rep):
    with pytest.raises(ConnectorError) as caught:
        rep.connector().read_changes(stream="emails", cursor="")

    assert caught.value.code == "UNSUPPORTED_STREAM"
    assert caught.value.permanent is True
    assert {"events", "tasks", "contacts"} == EwsConnector.SUPPORTED_STREAMS


def test_it_refuses_an_untrusted_certificate(rep: Rep, tmp_path: Any):
    other = tmp_path / "other-ca.pem"
    SandboxCA(tmp_path / "other")
    other.write_bytes((tmp_path / "other" / "sandbox-ca.pem").read_bytes())

    with pytest.raises(ConnectorError) as caught:
        read(rep.connector(ca_bundle=str(other)))

    assert caught.value.code == "TLS_UNTRUSTED"
    assert rep.calls() == []


def test_it_signs_in_with_an_access_token(rep: Rep):
    token = rep.app.issue_token(rep.smtp)
    rep.add_event("Token read")
    connector = EwsConnector(
        rep.connector().config, {"primary_smtp_address": rep.smtp}, {"access_token": token}
    )

    assert [ch.label for ch in read(connector).changes] == ["Token read"]

    rep.app.revoke_tokens(rep.smtp)
    with pytest.raises(ConnectorError) as caught:
        read(connector)
    assert caught.value.code == "MAIL_AUTH_REVOKED"


def test_it_keeps_a_contacts_salutation_as_outlooks_title(rep: Rep):
    connector = rep.connector()

    (made,) = connector.create(
        stream="contacts", items=[{"salutation": "Dr.", "first_name": "Grace", "last_name": "Hopper"}]
    )
    (change,) = read(connector, stream="contacts").changes
    assert change.values["salutation"] == "Dr."

    connector.update(stream="contacts", items=[(made.id, {"salutation": ""})])
    stored = rep.app.item(rep.smtp, made.id)
    assert not any(key.startswith("ExtendedProperty") for key in stored)

    rep.app.update_item(rep.smtp, made.id, {"ExtendedProperty:0x3a45": "Rear Admiral"})
    (edited,) = read(connector, stream="contacts").changes
    assert edited.values["salutation"] == "Rear Admiral"


def daily_series(rep: Rep, subject: str, days_ago: int = 30, zone: str = "UTC") -> CalendarItem:
    """The user makes a daily series in Outlook (exchangelib as the user's client)."""
    account = open_account(
        service_endpoint=f"{rep.server.url}/EWS/Exchange.asmx",
        smtp_address=rep.smtp,
        credentials={"username": rep.smtp, "password": "Rep-Passw0rd"},
        build=(15, 1, 2507, 6),
        ca_bundle=str(rep.ca.ca_path),
        timeout=10,
        time_zone=zone,
        on_response=lambda response: None,
    )
    tz = EWSTimeZone(zone)
    first = at(-days_ago)
    start = EWSDateTime(first.year, first.month, first.day, 9, tzinfo=tz)
    series = CalendarItem(
        account=account,
        folder=Calendar(root=Root(account=account)),
        subject=subject,
        start=start,
        end=start + timedelta(minutes=15),
        recurrence=Recurrence(pattern=DailyPattern(interval=1), start=start.date()),
    )
    series.save(send_meeting_invitations="SendToNone")
    return series


def test_it_reads_a_series_as_its_occurrences_in_the_window(rep: Rep):
    series = daily_series(rep, "Daily standup", zone="Europe/Berlin")
    rep.add_event("Single")
    connector = rep.connector()

    changes = read(connector).changes

    occurrences = [ch for ch in changes if ch.meta.get("series_master_id") == series.id]
    assert series.id not in {ch.id for ch in changes}
    assert len(occurrences) == (WINDOW.end - WINDOW.start).days
    assert (
        len({ch.id for ch in occurrences})
        == len({ch.meta["ical_uid"] for ch in occurrences})
        == len(occurrences)
    )
    berlin = EWSTimeZone("Europe/Berlin")
    for change in occurrences:
        start = datetime.fromisoformat(change.values["start"].replace("Z", "+00:00"))
        assert start.astimezone(berlin).hour == 9  # the wall clock holds across a DST change
        assert change.values["subject"] == "Daily standup"
    assert any(ch.label == "Single" for ch in changes)
    assert connector.calls == 2  # the sync, then one calendar view for every series it brought


def test_it_follows_edits_and_deletions_of_occurrences(rep: Rep):
    series = daily_series(rep, "Standup")
    connector = rep.connector()
    first = read(connector)
    occurrences = sorted(
        (ch for ch in first.changes if ch.meta.get("series_master_id") == series.id),
        key=lambda ch: ch.values["start"],
    )
    moved, dropped = occurrences[3], occurrences[4]

    assert connector.update(stream="events", items=[(moved.id, {"subject": "Standup (long)"})])[0].ok
    assert connector.delete(stream="events", ids=[dropped.id])[0].ok
    before = connector.calls
    second = read(connector, first.next_cursor)

    by_id = {ch.id: ch for ch in second.changes}
    assert by_id[moved.id].values["subject"] == "Standup (long)"
    assert by_id[dropped.id].removed is True
    assert connector.exists(stream="events", ids=[moved.id, dropped.id]) == {
        moved.id: True,
        dropped.id: False,
    }
    assert connector.calls - before == 3  # sync, calendar view, exists

    quiet = read(connector, second.next_cursor)
    assert quiet.changes == []

    rep.app.delete_item(rep.smtp, series.id)
    gone = read(connector, quiet.next_cursor)
    removed = {ch.id for ch in gone.changes if ch.removed}
    assert {ch.id for ch in occurrences if ch.id != dropped.id} <= removed


def test_it_tags_a_series_through_its_master(rep: Rep):
    series = daily_series(rep, "Weekly review")
    connector = rep.connector()
    read(connector)

    (result,) = connector.update(stream="events", items=[(series.id, {"categories": ["Salesforce"]})])

    assert result.ok
    changes = read(connector).changes
    assert all(ch.meta["categories"] == ["Salesforce"] for ch in changes if ch.meta.get("series_master_id"))


def test_it_reads_in_full_from_a_cursor_it_cannot_read(rep: Rep):
    event = rep.add_event("Kept")

    again = read(rep.connector(), "not json")

    assert again.full is True
    assert [ch.id for ch in again.changes] == [event["id"]]


def test_it_refuses_a_mailbox_time_zone_it_does_not_know(rep: Rep):
    connector = EwsConnector(
        rep.connector().config,
        {"primary_smtp_address": rep.smtp, "time_zone": "Mars/Olympus_Mons"},
        {"username": rep.smtp, "password": "Rep-Passw0rd"},
    )

    with pytest.raises(ConnectorError) as caught:
        read(connector)

    assert caught.value.code == "MAIL_CONFIG" and caught.value.permanent is True
    assert "Mars/Olympus_Mons" in caught.value.message
    assert rep.calls() == []


def test_it_round_trips_every_show_as_and_sensitivity_value(rep: Rep):
    connector = rep.connector()
    start = at(6, 8)
    pairs = [
        ("free", "normal"),
        ("tentative", "personal"),
        ("busy", "private"),
        ("oof", "confidential"),
        ("workingElsewhere", "normal"),
    ]
    items = [
        {
            "subject": f"Slot {i}",
            "start": z(start + timedelta(hours=i)),
            "end": z(start + timedelta(hours=i, minutes=30)),
            "show_as": show_as,
            "sensitivity": sensitivity,
        }
        for i, (show_as, sensitivity) in enumerate(pairs)
    ]

    made = connector.create(stream="events", items=items)
    back = {ch.id: ch.values for ch in read(connector).changes}

    assert [(back[r.id]["show_as"], back[r.id]["sensitivity"]) for r in made] == pairs


def test_it_reads_past_an_item_it_cannot_parse_and_reports_it_as_that_items_error(
    rep: Rep, monkeypatch: pytest.MonkeyPatch
):
    # Exchange answers an item type exchangelib does not know: that one item fails, not the folder.
    broken = rep.add_event("Odd item")
    fine = rep.add_event("Fine")
    ews_answers_unknown_kind(monkeypatch, broken["id"], "CalendarItem", "FutureItemType")
    connector = rep.connector()

    changes = read(connector)

    by_id = {ch.id: ch for ch in changes.changes}
    assert by_id[fine["id"]].values["subject"] == "Fine"
    assert "FutureItemType" in by_id[broken["id"]].values["_error"]
    assert set(by_id[broken["id"]].values) == {"_error"}
    monkeypatch.undo()
    assert read(connector, changes.next_cursor).changes == []  # the cursor moved past it


def test_it_never_logs_the_password_exchangelib_sends_in_its_headers(
    rep: Rep, caplog: pytest.LogCaptureFixture
):
    import base64
    import logging

    caplog.set_level(logging.DEBUG)
    rep.add_event("Logged")

    read(rep.connector())

    assert "Request headers" in caplog.text and "[redacted]" in caplog.text
    basic = base64.b64encode(f"{rep.smtp}:Rep-Passw0rd".encode()).decode()
    assert basic not in caplog.text and "Rep-Passw0rd" not in caplog.text
