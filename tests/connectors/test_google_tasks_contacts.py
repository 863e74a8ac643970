"""GoogleConnector's tasks (Google Tasks) and contacts (People API) streams against the sandbox."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sandbox.fixtures_google import GoogleAccount
from tests.support.connectors import Rep


@pytest.fixture
def rep(google_account: GoogleAccount) -> Rep:
    return Rep(google_account)


def neutral_task(subject: str, **extra: Any) -> dict[str, Any]:
    values = {
        "subject": subject,
        "body": "",
        "status": "notStarted",
        "importance": "normal",
        "due_date": None,
        "reminder_on": False,
        "reminder_at": None,
    }
    return {**values, **extra}


def salesforce_list(rep: Rep) -> str:
    [found] = [t["id"] for t in rep.app.task_lists(rep.user) if t["title"] == "Salesforce Tasks"]
    return found


# -- tasks -------------------------------------------------------------------------------------------
def test_it_makes_the_salesforce_tasks_list_once_and_reads_only_its_tasks(rep: Rep):
    rep.app.create_task(rep.user, {"title": "Personal"})  # in "My Tasks": not synced
    connector = rep.connector()
    first = connector.read_changes(stream="tasks", cursor="")
    assert first.full is True and first.changes == []
    assert [t["title"] for t in rep.app.task_lists(rep.user)] == ["My Tasks", "Salesforce Tasks"]
    list_id = salesforce_list(rep)
    task = rep.app.create_task(
        rep.user, {"title": "Send quote", "notes": "v2 pricing", "due": "2026-12-09T00:00:00Z"}, list_id
    )
    again = rep.connector().read_changes(stream="tasks", cursor="")
    assert [t["title"] for t in rep.app.task_lists(rep.user)] == ["My Tasks", "Salesforce Tasks"]
    [change] = again.changes
    assert change.id == task["id"] and change.version == task["etag"] and change.label == "Send quote"
    assert change.values == neutral_task("Send quote", body="v2 pricing", due_date="2026-12-09")


def test_it_reads_task_changes_only_with_one_call_when_nothing_changed(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="tasks", cursor="")
    list_id = salesforce_list(rep)
    a = rep.app.create_task(rep.user, {"title": "A"}, list_id)
    b = rep.app.create_task(rep.user, {"title": "B"}, list_id)
    second = connector.read_changes(stream="tasks", cursor=first.next_cursor)
    assert second.full is False and sorted(c.values["subject"] for c in second.changes) == ["A", "B"]
    before = connector.calls
    quiet = connector.read_changes(stream="tasks", cursor=second.next_cursor)
    assert quiet.changes == [] and connector.calls - before == 1
    rep.app.update_task(rep.user, a["id"], {"status": "completed"}, list_id)
    rep.app.delete_task(rep.user, b["id"], list_id)
    delta = {c.id: c for c in connector.read_changes(stream="tasks", cursor=quiet.next_cursor).changes}
    assert delta[a["id"]].values["status"] == "completed" and delta[b["id"]].removed
    assert connector.exists(stream="tasks", ids=[a["id"], b["id"]]) == {a["id"]: True, b["id"]: False}
    assert json.loads(quiet.next_cursor)["container"] == list_id


def test_it_creates_updates_and_deletes_tasks_in_batches(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="tasks", cursor="")
    before = connector.calls
    results = connector.create(
        stream="tasks", items=[neutral_task(f"Task {n}", due_date="2026-12-10") for n in range(60)]
    )
    assert all(r.ok for r in results) and connector.calls - before == math.ceil(60 / 50)
    updated = connector.update(
        stream="tasks",
        items=[(results[0].id, {"subject": "Task 0 (done)", "status": "completed", "due_date": None})],
    )
    assert updated[0].ok and updated[0].version != results[0].version
    deleted = connector.delete(stream="tasks", ids=[results[1].id, results[1].id + "-gone"])
    assert [d.ok for d in deleted] == [True, True]
    changes = {c.id: c for c in connector.read_changes(stream="tasks", cursor=first.next_cursor).changes}
    assert changes[results[0].id].values == neutral_task("Task 0 (done)", status="completed")
    assert changes[results[2].id].values["due_date"] == "2026-12-10"
    assert changes[results[1].id].removed  # the engine confirms with exists() before acting
    assert len(changes) == 60


# -- contacts ----------------------------------------------------------------------------------------
def person(given: str, family: str, email: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"names": [{"givenName": given, "familyName": family}], **extra}
    if email:
        body["emailAddresses"] = [{"value": email}]
    return body


def in_group(rep: Rep, body: dict[str, Any]) -> dict[str, Any]:
    [group] = [g for g in rep.app.contact_groups(rep.user) if g["name"] == "Salesforce Contacts"]
    membership = {"contactGroupMembership": {"contactGroupResourceName": group["resourceName"]}}
    return rep.app.create_contact(rep.user, {**body, "memberships": [membership]})


def test_it_reads_the_salesforce_contacts_group_as_neutral_values(rep: Rep):
    connector = rep.connector()
    rep.app.create_contact(rep.user, person("Not", "Synced", "not@x.example"))
    first = connector.read_changes(stream="contacts", cursor="")
    assert first.full is True and first.changes == []
    ada = in_group(
        rep,
        person(
            "Ada",
            "Lovelace",
            "ADA@Engine.example",
            organizations=[{"name": "Analytical", "title": "Engineer", "department": "R&D"}],
            phoneNumbers=[
                {"value": "+44 1", "type": "work"},
                {"value": "+44 2", "type": "mobile"},
                {"value": "+44 3", "type": "home"},
            ],
            addresses=[{"type": "work", "streetAddress": "1 Main St", "city": "London", "postalCode": "N1"}],
            birthdays=[{"date": {"year": 1815, "month": 12, "day": 10}}],
            biographies=[{"value": "Met at the fair", "contentType": "TEXT_PLAIN"}],
            relations=[{"person": "Charles", "type": "assistant"}],
        ),
    )
    [change] = connector.read_changes(stream="contacts", cursor=first.next_cursor).changes
    assert (
        change.id == ada["resourceName"] and change.label == "Ada Lovelace" and change.version == ada["etag"]
    )
    values = change.values
    assert values["email"] == "ada@engine.example"
    assert (values["first_name"], values["last_name"], values["company"], values["job_title"]) == (
        "Ada",
        "Lovelace",
        "Analytical",
        "Engineer",
    )
    assert (values["phone"], values["mobile_phone"], values["home_phone"], values["other_phone"]) == (
        "+44 1",
        "+44 2",
        "+44 3",
        "",
    )
    assert (values["mailing_street"], values["mailing_city"], values["mailing_postal_code"]) == (
        "1 Main St",
        "London",
        "N1",
    )
    assert values["birthday"] == "1815-12-10" and values["notes"] == "Met at the fair"
    assert values["assistant_name"] == "Charles" and values["department"] == "R&D"


def test_it_reads_contact_changes_only_and_removals_when_deleted_or_out_of_the_group(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="contacts", cursor="")
    a = in_group(rep, person("A", "One"))
    b = in_group(rep, person("B", "Two"))
    second = connector.read_changes(stream="contacts", cursor=first.next_cursor)
    assert {c.id for c in second.changes} == {a["resourceName"], b["resourceName"]}
    before = connector.calls
    quiet = connector.read_changes(stream="contacts", cursor=second.next_cursor)
    assert quiet.changes == [] and connector.calls - before == 1
    rep.app.delete_contact(rep.user, a["resourceName"])
    rep.app.update_contact(rep.user, b["resourceName"], {"memberships": []})  # out of the group
    delta = {c.id: c for c in connector.read_changes(stream="contacts", cursor=quiet.next_cursor).changes}
    assert delta[a["resourceName"]].removed and delta[b["resourceName"]].removed
    assert connector.exists(stream="contacts", ids=[a["resourceName"], b["resourceName"]]) == {
        a["resourceName"]: False,
        b["resourceName"]: True,
    }


def test_it_reads_contacts_in_full_after_an_expired_sync_token(rep: Rep):
    connector = rep.connector()
    empty = connector.read_changes(stream="contacts", cursor="")  # makes the group
    in_group(rep, person("Kept", "Contact"))
    first = connector.read_changes(stream="contacts", cursor=empty.next_cursor)
    assert [c.label for c in first.changes] == ["Kept Contact"]
    rep.app.invalidate_sync_tokens(rep.user)
    again = connector.read_changes(stream="contacts", cursor=first.next_cursor)
    assert again.full is True and [c.label for c in again.changes] == ["Kept Contact"]


def test_it_creates_contacts_in_the_group_and_updates_without_losing_unmapped_entries(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="contacts", cursor="")
    [made] = connector.create(
        stream="contacts",
        items=[
            {
                "first_name": "Bo",
                "last_name": "Li",
                "email": "bo@li.example",
                "phone": "1",
                "mailing_city": "Oslo",
            }
        ],
    )
    assert made.ok and made.id.startswith("people/")
    stored = next(c for c in rep.app.contacts(rep.user) if c["resourceName"] == made.id)
    rep.app.update_contact(
        rep.user,
        made.id,
        {
            "emailAddresses": [{"value": "bo@li.example"}, {"value": "bo@home.example"}],
            "phoneNumbers": [*stored["phoneNumbers"], {"value": "99", "type": "main"}],
        },
    )
    [result] = connector.update(
        stream="contacts",
        items=[(made.id, {"phone": "2", "email": "bo@new.example", "mailing_city": "Bergen"})],
    )
    assert result.ok and result.version
    after = next(c for c in rep.app.contacts(rep.user) if c["resourceName"] == made.id)
    assert [e["value"] for e in after["emailAddresses"]] == ["bo@new.example", "bo@home.example"]
    assert sorted((p["type"], p["value"]) for p in after["phoneNumbers"]) == [("main", "99"), ("work", "2")]
    assert after["addresses"][0]["city"] == "Bergen"
    assert after["names"][0]["givenName"] == "Bo"
    [change] = connector.read_changes(stream="contacts", cursor=first.next_cursor).changes
    assert change.values["phone"] == "2" and change.values["mailing_city"] == "Bergen"
    assert [d.ok for d in connector.delete(stream="contacts", ids=[made.id, made.id])] == [True, True]
    missing = connector.update(stream="contacts", items=[(made.id, {"phone": "3"})])
    assert not missing[0].ok and missing[0].permanent


def test_it_keeps_priority_and_status_google_lacks_in_the_notes_where_the_user_sees_them(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="tasks", cursor="")
    [made] = connector.create(
        stream="tasks", items=[neutral_task("Quote", body="Draft v2", importance="high", status="inProgress")]
    )
    [stored] = rep.app.tasks(rep.user, salesforce_list(rep))
    assert stored["notes"] == "Draft v2\n\nPriority: High\nStatus: In progress"
    assert stored["status"] == "needsAction"
    [change] = connector.read_changes(stream="tasks", cursor=first.next_cursor).changes
    assert change.values == neutral_task("Quote", body="Draft v2", importance="high", status="inProgress")
    [result] = connector.update(stream="tasks", items=[(made.id, {"status": "notStarted"})])
    assert result.ok
    [stored] = rep.app.tasks(rep.user, salesforce_list(rep))
    assert stored["notes"] == "Draft v2\n\nPriority: High"  # the body and priority kept
    rep.app.update_task(
        rep.user, made.id, {"notes": "Status: call first\n\nPriority: low"}, salesforce_list(rep)
    )
    [change] = connector.read_changes(stream="tasks", cursor="").changes
    assert (change.values["body"], change.values["importance"], change.values["status"]) == (
        "Status: call first",
        "low",
        "notStarted",
    )


def test_it_makes_the_task_list_again_when_the_user_deleted_it(rep: Rep):
    connector = rep.connector()
    first = connector.read_changes(stream="tasks", cursor="")
    rep.app.delete_task_list(rep.user, salesforce_list(rep))
    again = connector.read_changes(stream="tasks", cursor=first.next_cursor)
    assert again.full is True and again.changes == []
    assert json.loads(again.next_cursor)["container"] == salesforce_list(rep)
    [made] = connector.create(stream="tasks", items=[neutral_task("After the list came back")])
    assert made.ok and [t["title"] for t in rep.app.tasks(rep.user, salesforce_list(rep))] == [
        "After the list came back"
    ]
