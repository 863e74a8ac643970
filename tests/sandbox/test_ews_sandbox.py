"""The EWS sandbox speaks EWS as exchangelib expects: SOAP over TLS, sign-in, sync states, faults."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
import requests
from exchangelib import CalendarItem, Contact, EWSDateTime, EWSTimeZone, Task
from exchangelib.errors import (
    ErrorInvalidSyncStateData,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
    ErrorServerBusy,
    UnauthorizedError,
)
from exchangelib.folders import Calendar, Contacts, Root, Tasks
from exchangelib.indexed_properties import EmailAddress, PhoneNumber
from exchangelib.items import NEVER_OVERWRITE, SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_NONE
from exchangelib.properties import Attendee, Mailbox
from exchangelib.recurrence import Recurrence, WeeklyPattern

from connectors.ews.transport import open_account
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA

UTC = EWSTimeZone("UTC")
_numbers = itertools.count(1)


@pytest.fixture
def smtp(ews_server: SandboxServer) -> str:
    address = f"user{next(_numbers)}@fabrikam.example"
    ews_server.app.create_mailbox(address, "Una User", password="Right-Passw0rd")
    return address


def account_for(server: SandboxServer, ca: SandboxCA, smtp: str, **credentials: Any) -> Any:
    return open_account(
        service_endpoint=f"{server.url}/EWS/Exchange.asmx",
        smtp_address=smtp,
        credentials=credentials or {"username": smtp, "password": "Right-Passw0rd"},
        build=(15, 1, 2507, 6),
        ca_bundle=str(ca.ca_path),
        timeout=10,
        time_zone="UTC",
        on_response=lambda response: None,
    )


@pytest.fixture
def account(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str) -> Any:
    return account_for(ews_server, sandbox_ca, smtp)


def meeting(account: Any, subject: str, day: int = 1, **extra: Any) -> CalendarItem:
    return CalendarItem(
        account=account,
        folder=account.calendar,
        subject=subject,
        start=EWSDateTime(2026, 12, day, 9, tzinfo=UTC),
        end=EWSDateTime(2026, 12, day, 10, tzinfo=UTC),
        **extra,
    )


def operations(server: SandboxServer) -> list[str]:
    return [entry.get("operation", "") for entry in server.app.requests()]


def test_it_answers_getfolder_for_distinguished_folders(account: Any, ews_server: SandboxServer):
    assert account.msg_folder_root.name == "Top of Information Store"
    assert account.calendar.name == "Calendar"
    assert account.tasks.name == "Tasks"
    assert account.contacts.name == "Contacts"
    assert account.inbox.name == "Inbox"
    assert account.sent.name == "Sent Items"
    assert set(operations(ews_server)) == {"GetFolder"}


def test_it_creates_gets_updates_and_deletes_calendar_items(
    account: Any, ews_server: SandboxServer, smtp: str
):
    item = meeting(
        account, "Kick-off", location="Room 4", categories=["Salesforce"], legacy_free_busy_status="OOF"
    )
    item.save(send_meeting_invitations=SEND_TO_NONE)

    fetched = account.calendar.get(id=item.id)
    assert (fetched.subject, fetched.location, fetched.categories) == ("Kick-off", "Room 4", ["Salesforce"])
    assert fetched.legacy_free_busy_status == "OOF"
    assert fetched.start == EWSDateTime(2026, 12, 1, 9, tzinfo=UTC)
    assert fetched.organizer.email_address == smtp
    assert fetched.my_response_type == "Organizer"
    assert fetched.uid

    fetched.subject = "Kick-off (moved)"
    fetched.location = None
    fetched.save(update_fields=["subject", "location"], send_meeting_invitations=SEND_TO_NONE)
    again = account.calendar.get(id=item.id)
    assert again.subject == "Kick-off (moved)" and again.location is None
    assert again.changekey != item.changekey

    again.delete(send_meeting_cancellations=SEND_TO_NONE)
    with pytest.raises(ErrorItemNotFound):
        account.calendar.get(id=item.id)


def test_it_sends_invitations_only_when_asked(account: Any, ews_server: SandboxServer, smtp: str):
    guests = [Attendee(mailbox=Mailbox(email_address="guest@contoso.example"), response_type="Unknown")]
    meeting(account, "Quiet", required_attendees=guests).save(send_meeting_invitations=SEND_TO_NONE)
    assert ews_server.app.invitations(smtp) == []

    loud = meeting(account, "Loud", required_attendees=guests)
    loud.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)

    assert ews_server.app.invitations(smtp) == [
        {"kind": "request", "item_id": loud.id, "to": ["guest@contoso.example"]}
    ]


def test_it_syncs_folder_items_in_pages_then_reports_changes(
    account: Any, ews_server: SandboxServer, smtp: str
):
    folder = Calendar(root=Root(account=account))
    made = [meeting(account, f"M{i}", day=1 + i) for i in range(5)]
    made = account.bulk_create(folder=account.calendar, items=made, send_meeting_invitations=SEND_TO_NONE)
    ews_server.app.clear()

    first = list(folder.sync_items(max_changes_returned=2))

    assert [change for change, _ in first] == ["create"] * 5
    assert operations(ews_server) == ["SyncFolderItems"] * 3
    state = folder.item_sync_state

    ews_server.app.update_item(smtp, made[0].id, {"Subject": "M0 edited"})
    ews_server.app.delete_item(smtp, made[1].id)
    added = ews_server.app.create_item(
        smtp, "calendar", {"Subject": "New", "Start": "2026-12-09T09:00:00Z", "End": "2026-12-09T10:00:00Z"}
    )
    second = {change: item for change, item in folder.sync_items(sync_state=state)}

    assert second["update"].subject == "M0 edited"
    assert second["delete"].id == made[1].id
    assert second["create"].id == added["id"]
    assert list(folder.sync_items(sync_state=folder.item_sync_state)) == []


def test_it_refuses_an_invalidated_sync_state(account: Any, ews_server: SandboxServer):
    folder = Calendar(root=Root(account=account))
    list(folder.sync_items())
    state = folder.item_sync_state
    ews_server.app.invalidate_sync_states()

    with pytest.raises(ErrorInvalidSyncStateData):
        list(folder.sync_items(sync_state=state))


def test_it_refuses_a_stale_change_key_when_told_never_to_overwrite(
    account: Any, ews_server: SandboxServer, smtp: str
):
    item = meeting(account, "Original")
    item.save(send_meeting_invitations=SEND_TO_NONE)
    ews_server.app.update_item(smtp, item.id, {"Subject": "Changed in Outlook"})

    item.subject = "Changed by us"
    with pytest.raises(ErrorIrresolvableConflict):
        account.bulk_update(
            items=[(item, ["subject"])],
            conflict_resolution=NEVER_OVERWRITE,
            send_meeting_invitations_or_cancellations=SEND_TO_NONE,
        )

    assert ews_server.app.item(smtp, item.id)["Subject"] == "Changed in Outlook"


def test_it_keeps_tasks_and_their_reminders(account: Any):
    task = Task(
        account=account,
        folder=Tasks(root=Root(account=account)),
        subject="Quote",
        status="InProgress",
        importance="High",
        reminder_is_set=True,
        reminder_due_by=EWSDateTime(2026, 12, 20, 8, tzinfo=UTC),
    )
    task.save()

    fetched = account.tasks.get(id=task.id)

    assert (fetched.subject, fetched.status, fetched.importance) == ("Quote", "InProgress", "High")
    assert fetched.reminder_is_set is True
    assert fetched.reminder_due_by == EWSDateTime(2026, 12, 20, 8, tzinfo=UTC)


def test_it_merges_and_deletes_indexed_contact_entries(account: Any, ews_server: SandboxServer, smtp: str):
    contact = Contact(
        account=account,
        folder=Contacts(root=Root(account=account)),
        display_name="Ada Lovelace",
        given_name="Ada",
        email_addresses=[EmailAddress(label="EmailAddress1", email="ada@one.example")],
        phone_numbers=[
            PhoneNumber(label="BusinessPhone", phone_number="1"),
            PhoneNumber(label="HomePhone", phone_number="2"),
        ],
    )
    contact.save()

    contact.phone_numbers = [PhoneNumber(label="BusinessPhone", phone_number="3")]
    contact.save(update_fields=["phone_numbers"])

    stored = ews_server.app.item(smtp, contact.id)
    assert stored["PhoneNumbers"] == {"BusinessPhone": "3"}
    assert stored["EmailAddresses"] == {"EmailAddress1": "ada@one.example"}


def test_it_refuses_a_wrong_password_with_401(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str):
    wrong = account_for(ews_server, sandbox_ca, smtp, username=smtp, password="nope")

    with pytest.raises(UnauthorizedError):
        list(Calendar(root=Root(account=wrong)).sync_items())
    assert [r["status"] for r in ews_server.app.requests()] == [401]


def test_it_denies_another_users_mailbox(ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str):
    other = f"other{next(_numbers)}@fabrikam.example"
    ews_server.app.create_mailbox(other, password="Other-Passw0rd")
    ews_server.app.create_item(
        other,
        "calendar",
        {"Subject": "Private", "Start": "2026-12-01T09:00:00Z", "End": "2026-12-01T10:00:00Z"},
    )
    intruder = account_for(ews_server, sandbox_ca, other, username=smtp, password="Right-Passw0rd")

    with pytest.raises(Exception) as caught:
        list(Calendar(root=Root(account=intruder)).sync_items())

    assert "ErrorAccessDenied" in type(caught.value).__name__


def test_it_answers_a_busy_fault_with_the_back_off(account: Any, ews_server: SandboxServer):
    ews_server.app.server_busy(count=1, back_off_ms=2500)

    with pytest.raises(ErrorServerBusy) as caught:
        list(Calendar(root=Root(account=account)).sync_items())

    assert caught.value.back_off == 2.5
    assert list(Calendar(root=Root(account=account)).sync_items()) == []


def test_it_serves_the_control_api_over_https(ews_server: SandboxServer, sandbox_ca: SandboxCA):
    http = requests.Session()
    http.trust_env = False
    http.verify = str(sandbox_ca.ca_path)
    base = f"{ews_server.url}/_sandbox"
    smtp = f"ctl{next(_numbers)}@fabrikam.example"

    made = http.post(f"{base}/mailboxes", json={"smtp": smtp, "password": "Pw-1"}).json()
    item = http.post(
        f"{base}/mailboxes/{smtp}/folders/tasks/items", json={"Subject": "From Outlook", "Status": "Deferred"}
    ).json()
    edited = http.patch(f"{base}/mailboxes/{smtp}/items/{item['id']}", json={"Subject": "Edited"}).json()
    listed = http.get(f"{base}/mailboxes/{smtp}/folders/tasks/items").json()["value"]
    token = http.post(f"{base}/mailboxes/{smtp}/tokens").json()["access_token"]
    gone = http.delete(f"{base}/mailboxes/{smtp}/items/{item['id']}")

    assert made["username"] == smtp
    assert edited["Subject"] == "Edited" and edited["change_key"] != item["change_key"]
    assert [i["Status"] for i in listed] == ["Deferred"]
    assert token and gone.status_code == 204
    assert http.get(f"{base}/mailboxes/{smtp}/folders/tasks/items").json()["value"] == []
    bad = http.post(f"{base}/mailboxes/{smtp}/folders/calendar/items", json={"Subject": "No times"})
    assert bad.status_code == 400
    assert ews_server.app.requests() == []  # control calls are never logged


def test_it_answers_a_broken_envelope_with_a_schema_fault(
    ews_server: SandboxServer, sandbox_ca: SandboxCA, smtp: str
):
    response = requests.post(
        f"{ews_server.url}/EWS/Exchange.asmx",
        data=b"<not-soap/>",
        auth=(smtp, "Right-Passw0rd"),
        headers={"Content-Type": "text/xml"},
        verify=str(sandbox_ca.ca_path),
    )

    assert response.status_code == 500
    assert b"ErrorSchemaValidation" in response.content


def test_it_unfolds_series_in_a_calendar_view_with_edits_and_deletions(
    account: Any, ews_server: SandboxServer
):
    berlin = EWSTimeZone("Europe/Berlin")
    start = EWSDateTime(2026, 10, 19, 9, tzinfo=berlin)  # Mondays and Wednesdays, across the end of DST
    series = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Pipeline review",
        start=start,
        end=start + timedelta(hours=1),
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[1, 3]), start=start.date(), number=6
        ),
    )
    series.save(send_meeting_invitations=SEND_TO_NONE)
    view_start, view_end = EWSDateTime(2026, 10, 1, tzinfo=UTC), EWSDateTime(2026, 12, 1, tzinfo=UTC)

    occurrences = list(account.calendar.view(start=view_start, end=view_end))

    assert [o.start.astimezone(berlin).strftime("%a %d %H:%M") for o in occurrences] == [
        "Mon 19 09:00",
        "Wed 21 09:00",
        "Mon 26 09:00",
        "Wed 28 09:00",
        "Mon 02 09:00",
        "Wed 04 09:00",
    ]
    assert {o.type for o in occurrences} == {"Occurrence"}
    assert {o.uid for o in occurrences} == {account.calendar.get(id=series.id).uid}

    occurrences[1].subject = "Pipeline review (board)"
    occurrences[1].save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    occurrences[2].delete(send_meeting_cancellations=SEND_TO_NONE)
    again = list(account.calendar.view(start=view_start, end=view_end))

    assert len(again) == 5
    assert [o.type for o in again][:2] == ["Occurrence", "Exception"]
    assert again[1].subject == "Pipeline review (board)"
    assert occurrences[2].id not in {o.id for o in again}


def test_it_finds_items_by_an_extended_property_with_or_and_not(account: Any):
    from connectors.ews.stamp import FIELD  # registers the extended property on Task

    for n, key in enumerate(("k1", "k2", "k3")):
        Task(account=account, folder=account.tasks, subject=f"t{n}", **{FIELD: key}).save()
    Task(account=account, folder=account.tasks, subject="plain").save()

    def subjects(**where: Any) -> list[str]:
        return sorted(t.subject for t in account.tasks.filter(**where).only("subject"))

    assert subjects(**{f"{FIELD}__in": ["k1", "k3", "never"]}) == ["t0", "t2"]
    assert subjects(**{FIELD: "k2"}) == ["t1"]
    assert subjects(**{FIELD: "k2", "subject": "t0"}) == []  # And
    found = account.tasks.filter(**{FIELD: "k3"}).only("subject", FIELD)
    assert [(t.subject, getattr(t, FIELD)) for t in found] == [("t2", "k3")]
    assert sorted(t.subject for t in account.tasks.exclude(subject="plain").only("subject")) == [
        "t0",
        "t1",
        "t2",
    ]
