"""Outlook contacts and Microsoft To Do tasks in the Graph sandbox, through msal tokens and plain requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from sandbox.base import SandboxServer
from sandbox.graph.errors import GraphError
from sandbox.tls import SandboxCA
from tests.support.graph_sandbox import GraphTenantOfAda, follow_delta

SCOPES = ["https://graph.microsoft.com/Contacts.ReadWrite", "https://graph.microsoft.com/Tasks.ReadWrite"]
GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]


@dataclass
class Env(GraphTenantOfAda):
    def graph(self, access_token: str | None = None) -> requests.Session:
        if access_token is None:
            access_token = self.token(self.user_id, SCOPES)["access_token"]
        return self.bearer(access_token)


@pytest.fixture
def env(graph_server: SandboxServer, sandbox_ca: SandboxCA) -> Env:
    return Env.with_ada(graph_server, sandbox_ca)


def post(graph: requests.Session, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = graph.post(url, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def default_list(graph: requests.Session, env: Env) -> str:
    lists = graph.get(f"{env.me}/todo/lists").json()["value"]
    return next(t["id"] for t in lists if t["wellknownListName"] == "defaultList")


def split(pages: list[list[dict[str, Any]]]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    items = [e for p in pages for e in p]
    assert all(e["@removed"] == {"reason": "deleted"} for e in items if "@removed" in e)
    return {e["id"]: e for e in items if "@removed" not in e}, {e["id"] for e in items if "@removed" in e}


# -- contacts -------------------------------------------------------------------------------------------
def test_it_creates_reads_updates_and_deletes_contacts(env: Env) -> None:
    graph = env.graph()
    created = graph.post(
        f"{env.me}/contacts",
        json={
            "givenName": "Grace",
            "surname": "Hopper",
            "title": "Rear Admiral",
            "companyName": "Navy",
            "birthday": "1906-12-09T00:00:00Z",
            "emailAddresses": [
                {"address": "grace@navy.example"},
                {"name": "Home", "address": "g@home.example"},
            ],
            "businessPhones": ["+1 555 0100"],
            "businessAddress": {"street": "1 Pier", "city": "Arlington", "countryOrRegion": "US"},
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert created.headers["ETag"] == contact["@odata.etag"] == f'W/"{contact["changeKey"]}"'
    assert contact["displayName"] == "Grace Hopper"
    assert contact["title"] == "Rear Admiral" and contact["jobTitle"] is None and contact["fileAs"] == ""
    assert contact["birthday"] == "1906-12-09T00:00:00Z"
    assert contact["emailAddresses"] == [
        {"name": "grace@navy.example", "address": "grace@navy.example"},
        {"name": "Home", "address": "g@home.example"},
    ]
    assert contact["homePhones"] == [] and contact["homeAddress"] == {} and contact["mobilePhone"] is None
    assert contact["businessAddress"] == {"street": "1 Pier", "city": "Arlington", "countryOrRegion": "US"}
    assert contact["createdDateTime"].endswith("Z")

    folder = graph.get(f"{env.me}/contactFolders").json()["value"]
    assert [f["displayName"] for f in folder] == ["Contacts"] and contact["parentFolderId"] == folder[0]["id"]
    by_mail = graph.get(f"{env.url}/v1.0/users/{env.mail}/contacts/{contact['id']}").json()
    by_folder = graph.get(f"{env.me}/contactFolders/{folder[0]['id']}/contacts/{contact['id']}").json()
    assert by_mail["changeKey"] == by_folder["changeKey"] == contact["changeKey"]

    patched = graph.patch(f"{env.me}/contacts/{contact['id']}", json={"jobTitle": "Admiral", "surname": "H."})
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["changeKey"] != contact["changeKey"] and after["@odata.etag"] != contact["@odata.etag"]
    assert (
        after["jobTitle"] == "Admiral"
        and after["displayName"] == "Grace H."
        and after["companyName"] == "Navy"
    )
    again = graph.patch(f"{env.me}/contacts/{contact['id']}", json={"displayName": "Amazing Grace"}).json()
    assert again["changeKey"] not in (contact["changeKey"], after["changeKey"])
    assert (
        again["displayName"] == "Amazing Grace"
        and again["lastModifiedDateTime"] >= after["lastModifiedDateTime"]
    )

    assert graph.delete(f"{env.me}/contacts/{contact['id']}").status_code == 204
    gone = graph.get(f"{env.me}/contacts/{contact['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ErrorItemNotFound"
    assert graph.patch(f"{env.me}/contacts/{contact['id']}", json={"jobTitle": "x"}).status_code == 404


def test_it_pages_contact_lists_and_checks_the_folder(env: Env) -> None:
    graph = env.graph()
    for i in range(12):
        post(graph, f"{env.me}/contacts", {"givenName": f"c{i:02d}"})
    first = graph.get(f"{env.me}/contacts").json()
    assert len(first["value"]) == 10 and "skip=10" in first["@odata.nextLink"]
    rest = graph.get(first["@odata.nextLink"]).json()
    assert [c["givenName"] for c in rest["value"]] == ["c10", "c11"] and "@odata.nextLink" not in rest
    selected = graph.get(f"{env.me}/contacts", params={"$select": "givenName", "$top": 1}).json()["value"][0]
    assert set(selected) == {"@odata.etag", "id", "givenName"}
    unknown = graph.get(f"{env.me}/contactFolders/AAMkAnope/contacts")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ErrorItemNotFound"


def test_it_keeps_contacts_per_folder_in_made_folders(env: Env) -> None:
    graph = env.graph()
    made = graph.post(f"{env.me}/contactFolders", json={"displayName": "Salesforce Contacts"})
    assert made.status_code == 201, made.text
    folder = made.json()
    duplicate = graph.post(f"{env.me}/contactFolders", json={"displayName": "salesforce contacts"})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "ErrorFolderExists"
    names = [f["displayName"] for f in graph.get(f"{env.me}/contactFolders").json()["value"]]
    assert names == ["Contacts", "Salesforce Contacts"]
    in_folder = f"{env.me}/contactFolders/{folder['id']}/contacts"
    mine = post(graph, in_folder, {"givenName": "Synced"})
    default = post(graph, f"{env.me}/contacts", {"givenName": "Personal"})
    assert mine["parentFolderId"] == folder["id"] != default["parentFolderId"]
    assert [c["givenName"] for c in graph.get(in_folder).json()["value"]] == ["Synced"]
    assert [c["givenName"] for c in graph.get(f"{env.me}/contacts").json()["value"]] == ["Personal"]
    assert graph.get(f"{env.me}/contacts/{mine['id']}").status_code == 200  # any folder
    assert graph.get(f"{in_folder}/{default['id']}").status_code == 404  # not in that folder
    assert graph.patch(f"{env.me}/contacts/{mine['id']}", json={"surname": "S"}).status_code == 200
    pages, delta_link = follow_delta(graph, f"{in_folder}/delta")
    assert [c["id"] for c in pages[0]] == [mine["id"]]
    post(graph, f"{env.me}/contacts", {"givenName": "Another personal"})
    assert graph.delete(f"{env.me}/contacts/{mine['id']}").status_code == 204
    present, removed = split(follow_delta(graph, delta_link)[0])
    assert present == {} and removed == {mine["id"]}
    seeded = env.app.create_contact(
        env.tenant_id, env.user_id, {"givenName": "Seeded"}, folder_id=folder["id"]
    )
    assert [c["id"] for c in env.app.contacts(env.tenant_id, env.user_id, folder_id=folder["id"])] == [
        seeded["id"]
    ]
    assert [f["id"] for f in env.app.contact_folders(env.tenant_id, env.user_id)][1] == folder["id"]


def test_it_validates_contact_bodies(env: Env) -> None:
    graph = env.graph()
    url = f"{env.me}/contacts"
    unknown = graph.post(url, json={"givenName": "A", "favouriteColour": "blue"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "RequestBodyRead"
    assert "favouriteColour" in unknown.json()["error"]["message"]
    emails = [{"address": f"a{i}@x.example"} for i in range(4)]
    too_many = graph.post(url, json={"givenName": "A", "emailAddresses": emails})
    assert too_many.status_code == 400
    assert "EmailAddresses has 4 entries" in too_many.json()["error"]["message"]
    assert graph.post(url, json={"givenName": "A", "emailAddresses": emails[:3]}).status_code == 201
    assert graph.post(url, json={"businessPhones": ["1", "2", "3"]}).status_code == 400
    assert graph.post(url, json={"givenName": 7}).status_code == 400
    assert graph.post(url, json={"homeAddress": {"planet": "Mars"}}).status_code == 400
    assert graph.post(url, json={"birthday": "not a date"}).status_code == 400
    existing = post(graph, url, {"givenName": "B"})
    bad_patch = graph.patch(f"{url}/{existing['id']}", json={"emailAddresses": emails})
    assert bad_patch.status_code == 400
    assert graph.get(f"{url}/{existing['id']}").json()["changeKey"] == existing["changeKey"]
    assert len(env.app.contacts(env.tenant_id, env.user_id)) == 2


def test_it_pages_the_initial_contacts_delta_by_maxpagesize(env: Env) -> None:
    graph = env.graph()
    created = [post(graph, f"{env.me}/contacts", {"givenName": f"d{i}"}) for i in range(5)]
    url = f"{env.me}/contacts/delta"
    prefer = {"Prefer": "odata.maxpagesize=2"}
    first = graph.get(url, headers=prefer)
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=2"
    assert "$skiptoken=" in first.json()["@odata.nextLink"]
    pages, delta_link = follow_delta(graph, url, headers=prefer)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c["id"] for p in pages for c in p] == [c["id"] for c in created]
    assert all(c["@odata.type"] == "#microsoft.graph.contact" for p in pages for c in p)
    assert "$deltatoken=" in delta_link
    assert follow_delta(graph, delta_link)[0] == [[]]
    folder_id = created[0]["parentFolderId"]
    alias, _ = follow_delta(graph, f"{env.me}/contactFolders/{folder_id}/contacts/delta")
    assert len(alias[0]) == 5


def test_it_reports_incremental_contact_changes_and_removals_in_delta(env: Env) -> None:
    graph = env.graph()
    keep, change, drop = (
        post(graph, f"{env.me}/contacts", {"givenName": n}) for n in ("keep", "change", "drop")
    )
    _, delta_link = follow_delta(graph, f"{env.url}/v1.0/users/{env.user_id}/contacts/delta")

    added = post(graph, f"{env.me}/contacts", {"givenName": "added"})
    assert graph.patch(f"{env.me}/contacts/{change['id']}", json={"surname": "Changed"}).status_code == 200
    assert graph.delete(f"{env.me}/contacts/{drop['id']}").status_code == 204
    env.app.create_contact(env.tenant_id, env.user_id, {"givenName": "from outlook"})
    transient = post(graph, f"{env.me}/contacts", {"givenName": "transient"})
    graph.delete(f"{env.me}/contacts/{transient['id']}")

    pages, next_delta = follow_delta(graph, delta_link)
    present, removed = split(pages)
    assert {c["givenName"] for c in present.values()} == {"added", "change", "from outlook"}
    assert present[change["id"]]["displayName"] == "change Changed"
    assert removed == {drop["id"]}
    assert keep["id"] not in present and added["id"] in present
    assert follow_delta(graph, next_delta)[0] == [[]]
    replay, _ = follow_delta(graph, delta_link)  # an old token still answers the same changes
    assert len([c for p in replay for c in p]) == 4


def test_it_answers_410_for_unknown_invalidated_and_foreign_delta_tokens(env: Env) -> None:
    graph = env.graph()
    post(graph, f"{env.me}/contacts", {"givenName": "a"})
    contacts_delta = f"{env.me}/contacts/delta"
    tasks_delta = f"{env.me}/todo/lists/{default_list(graph, env)}/tasks/delta"
    garbage = graph.get(contacts_delta, params={"$deltatoken": "not-a-token"})
    assert garbage.status_code == 410 and garbage.json()["error"]["code"] == "SyncStateNotFound"
    _, contacts_link = follow_delta(graph, contacts_delta)
    _, tasks_link = follow_delta(graph, tasks_delta)
    token = contacts_link.split("$deltatoken=", 1)[1]
    assert graph.get(tasks_delta, params={"$deltatoken": token}).status_code == 410
    calendar = graph.get(f"{env.me}/calendarView/delta", params={"$deltatoken": token})
    assert calendar.status_code == 410
    assert graph.get(contacts_link).status_code == 200 and graph.get(tasks_link).status_code == 200
    env.app.invalidate_delta_tokens(env.tenant_id)
    for link in (contacts_link, tasks_link):
        gone = graph.get(link)
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "SyncStateNotFound"
    assert graph.get(contacts_delta).status_code == 200  # a fresh round starts over


# -- To Do ----------------------------------------------------------------------------------------------
def test_it_creates_reads_updates_and_deletes_tasks(env: Env) -> None:
    graph = env.graph()
    lists = graph.get(f"{env.me}/todo/lists").json()["value"]
    assert [(t["displayName"], t["wellknownListName"]) for t in lists] == [("Tasks", "defaultList")]
    tasks = f"{env.me}/todo/lists/{lists[0]['id']}/tasks"
    created = graph.post(
        tasks,
        json={
            "title": "Call Grace",
            "body": {"content": "About COBOL", "contentType": "text"},
            "importance": "high",
            "dueDateTime": {"dateTime": "2026-11-30T09:00:00", "timeZone": "W. Europe Standard Time"},
            "isReminderOn": True,
            "reminderDateTime": {"dateTime": "2026-11-30T07:00:00", "timeZone": "UTC"},
            "categories": ["Salesforce"],
        },
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert created.headers["ETag"] == task["@odata.etag"]
    assert task["status"] == "notStarted" and task["importance"] == "high" and task["hasAttachments"] is False
    assert task["dueDateTime"] == {"dateTime": "2026-11-30T08:00:00.0000000", "timeZone": "UTC"}
    assert task["reminderDateTime"]["dateTime"] == "2026-11-30T07:00:00.0000000"
    assert "completedDateTime" not in task and "startDateTime" not in task
    assert task["body"] == {"content": "About COBOL", "contentType": "text"}
    assert {"createdDateTime", "lastModifiedDateTime", "bodyLastModifiedDateTime"} <= set(task)

    one = graph.get(f"{env.url}/v1.0/users/{env.user_id}/todo/lists/{lists[0]['id']}/tasks/{task['id']}")
    assert one.status_code == 200 and one.json()["title"] == "Call Grace"
    patched = graph.patch(f"{tasks}/{task['id']}", json={"title": "Call Grace Hopper", "dueDateTime": None})
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["@odata.etag"] != task["@odata.etag"] and after["title"] == "Call Grace Hopper"
    assert "dueDateTime" not in after and after["importance"] == "high"
    assert after["bodyLastModifiedDateTime"] == task["bodyLastModifiedDateTime"]
    body_changed = graph.patch(
        f"{tasks}/{task['id']}", json={"body": {"content": "new", "contentType": "text"}}
    )
    assert body_changed.json()["bodyLastModifiedDateTime"] > task["bodyLastModifiedDateTime"]
    assert body_changed.json()["@odata.etag"] != after["@odata.etag"]

    listed = graph.get(tasks).json()["value"]
    assert [t["id"] for t in listed] == [task["id"]]
    assert graph.delete(f"{tasks}/{task['id']}").status_code == 204
    gone = graph.get(f"{tasks}/{task['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ErrorItemNotFound"


def test_it_sets_completed_date_time_only_while_a_task_is_completed(env: Env) -> None:
    graph = env.graph()
    tasks = f"{env.me}/todo/lists/{default_list(graph, env)}/tasks"
    task = post(graph, tasks, {"title": "t"})
    done = graph.patch(f"{tasks}/{task['id']}", json={"status": "completed"}).json()
    assert (
        done["completedDateTime"]["timeZone"] == "UTC" and done["completedDateTime"]["dateTime"][:2] == "20"
    )
    still = graph.patch(f"{tasks}/{task['id']}", json={"title": "t2"}).json()
    assert still["completedDateTime"] == done["completedDateTime"]
    reopened = graph.patch(f"{tasks}/{task['id']}", json={"status": "inProgress"}).json()
    assert reopened["status"] == "inProgress" and "completedDateTime" not in reopened
    explicit = graph.patch(
        f"{tasks}/{task['id']}",
        json={
            "status": "completed",
            "completedDateTime": {"dateTime": "2026-11-01T12:00:00", "timeZone": "UTC"},
        },
    ).json()
    assert explicit["completedDateTime"]["dateTime"] == "2026-11-01T12:00:00.0000000"
    born_done = post(graph, tasks, {"title": "already", "status": "completed"})
    assert "completedDateTime" in born_done


def test_it_validates_task_bodies(env: Env) -> None:
    graph = env.graph()
    tasks = f"{env.me}/todo/lists/{default_list(graph, env)}/tasks"
    bad_status = graph.post(tasks, json={"title": "x", "status": "done"})
    assert bad_status.status_code == 400 and "taskStatus" in bad_status.json()["error"]["message"]
    bad_importance = graph.post(tasks, json={"title": "x", "importance": "urgent"})
    assert bad_importance.status_code == 400 and "importance" in bad_importance.json()["error"]["message"]
    unknown = graph.post(tasks, json={"title": "x", "priority": 1})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "RequestBodyRead"
    assert graph.post(tasks, json={"title": "x", "isReminderOn": "yes"}).status_code == 400
    assert graph.post(tasks, json={"title": "x", "dueDateTime": "tomorrow"}).status_code == 400
    zone = graph.post(
        tasks, json={"title": "x", "dueDateTime": {"dateTime": "2026-11-30T09:00:00", "timeZone": "Mars"}}
    )
    assert zone.status_code == 400 and zone.json()["error"]["code"] == "TimeZoneNotSupportedException"
    task = post(graph, tasks, {"title": "ok"})
    assert graph.patch(f"{tasks}/{task['id']}", json={"status": "finished"}).status_code == 400
    assert graph.get(f"{tasks}/{task['id']}").json()["@odata.etag"] == task["@odata.etag"]
    assert graph.get(f"{env.me}/todo/lists/AAMkAnope/tasks").status_code == 404
    assert [t["title"] for t in env.app.tasks(env.tenant_id, env.user_id)] == ["ok"]


def test_it_creates_task_lists_and_keeps_tasks_per_list(env: Env) -> None:
    graph = env.graph()
    created = graph.post(f"{env.me}/todo/lists", json={"displayName": "Salesforce"})
    assert created.status_code == 201, created.text
    sf_list = created.json()
    assert sf_list["wellknownListName"] == "none" and sf_list["isOwner"] is True
    assert graph.post(f"{env.me}/todo/lists", json={}).status_code == 400
    lists = graph.get(f"{env.me}/todo/lists").json()["value"]
    assert [t["displayName"] for t in lists] == ["Tasks", "Salesforce"]
    assert graph.get(f"{env.me}/todo/lists/{sf_list['id']}").json()["displayName"] == "Salesforce"
    in_sf = post(graph, f"{env.me}/todo/lists/{sf_list['id']}/tasks", {"title": "sf"})
    post(graph, f"{env.me}/todo/lists/{default_list(graph, env)}/tasks", {"title": "default"})
    assert [t["title"] for t in env.app.tasks(env.tenant_id, env.user_id)] == ["default"]
    assert [t["title"] for t in env.app.tasks(env.tenant_id, env.user_id, list_id=sf_list["id"])] == ["sf"]
    wrong_list = graph.get(f"{env.me}/todo/lists/{default_list(graph, env)}/tasks/{in_sf['id']}")
    assert wrong_list.status_code == 404


def test_it_tracks_tasks_of_a_list_in_delta(env: Env) -> None:
    graph = env.graph()
    list_id = default_list(graph, env)
    tasks = f"{env.me}/todo/lists/{list_id}/tasks"
    keep, change, drop = (post(graph, tasks, {"title": n}) for n in ("keep", "change", "drop"))
    other = post(graph, f"{env.me}/todo/lists", {"displayName": "Other"})
    post(graph, f"{env.me}/todo/lists/{other['id']}/tasks", {"title": "elsewhere"})
    pages, delta_link = follow_delta(graph, f"{tasks}/delta", headers={"Prefer": "odata.maxpagesize=2"})
    assert [len(p) for p in pages] == [2, 1]
    assert all(t["@odata.type"] == "#microsoft.graph.todoTask" for p in pages for t in p)

    graph.patch(f"{tasks}/{change['id']}", json={"status": "completed"})
    graph.delete(f"{tasks}/{drop['id']}")
    seeded = env.app.create_task(env.tenant_id, env.user_id, {"title": "from To Do"})
    post(graph, f"{env.me}/todo/lists/{other['id']}/tasks", {"title": "elsewhere too"})
    present, removed = split(follow_delta(graph, delta_link)[0])
    assert set(present) == {change["id"], seeded["id"]} and removed == {drop["id"]}
    assert present[change["id"]]["status"] == "completed" and "completedDateTime" in present[change["id"]]
    assert keep["id"] not in present
    other_pages, _ = follow_delta(graph, f"{env.me}/todo/lists/{other['id']}/tasks/delta")
    assert [t["title"] for t in other_pages[0]] == ["elsewhere", "elsewhere too"]


# -- batch, app-only, Python API ---------------------------------------------------------------------
def test_it_routes_contacts_and_tasks_through_batch(env: Env) -> None:
    graph = env.graph()
    list_id = default_list(graph, env)
    contact = post(graph, f"{env.me}/contacts", {"givenName": "Batch"})
    task = post(graph, f"{env.me}/todo/lists/{list_id}/tasks", {"title": "batch"})
    env.app.clear()
    json_header = {"Content-Type": "application/json"}
    items = [
        {"id": "c-get", "method": "GET", "url": f"/me/contacts/{contact['id']}"},
        {
            "id": "c-new",
            "method": "POST",
            "url": "/me/contacts",
            "headers": json_header,
            "body": {"givenName": "New"},
        },
        {
            "id": "c-patch",
            "method": "PATCH",
            "url": f"/users/{env.user_id}/contacts/{contact['id']}",
            "headers": json_header,
            "body": {"jobTitle": "Batcher"},
        },
        {"id": "c-bad", "method": "POST", "url": "/me/contacts", "headers": json_header, "body": {"nope": 1}},
        {
            "id": "t-new",
            "method": "POST",
            "url": f"/me/todo/lists/{list_id}/tasks",
            "headers": json_header,
            "body": {"title": "new"},
        },
        {
            "id": "t-done",
            "method": "PATCH",
            "url": f"/me/todo/lists/{list_id}/tasks/{task['id']}",
            "headers": json_header,
            "body": {"status": "completed"},
        },
        {"id": "t-delta", "method": "GET", "url": f"/me/todo/lists/{list_id}/tasks/delta"},
        {"id": "c-delta", "method": "GET", "url": "/me/contacts/delta", "dependsOn": ["c-new"]},
    ]
    response = graph.post(f"{env.url}/v1.0/$batch", json={"requests": items})
    assert response.status_code == 200, response.text
    by_id = {a["id"]: a for a in response.json()["responses"]}
    assert {k: v["status"] for k, v in by_id.items()} == {
        "c-get": 200,
        "c-new": 201,
        "c-patch": 200,
        "c-bad": 400,
        "t-new": 201,
        "t-done": 200,
        "t-delta": 200,
        "c-delta": 200,
    }
    assert by_id["c-patch"]["body"]["jobTitle"] == "Batcher"
    assert by_id["c-patch"]["headers"]["ETag"] == by_id["c-patch"]["body"]["@odata.etag"]
    assert "completedDateTime" in by_id["t-done"]["body"]
    assert "@odata.deltaLink" in by_id["c-delta"]["body"] and len(by_id["c-delta"]["body"]["value"]) == 2
    assert len(env.app.requests(tenant=env.tenant_id, kind="api")) == 1
    assert len(env.app.requests(tenant=env.tenant_id, kind="batch-item")) == 8


def test_it_serves_users_paths_to_app_only_tokens_and_logs_them(env: Env) -> None:
    result = env.msal().acquire_token_for_client(scopes=GRAPH_DEFAULT)
    graph = env.graph(result["access_token"])
    env.app.clear()
    users = f"{env.url}/v1.0/users/{env.mail}"
    created = post(graph, f"{users}/contacts", {"givenName": "App"})
    lists = graph.get(f"{users}/todo/lists").json()["value"]
    post(graph, f"{users}/todo/lists/{lists[0]['id']}/tasks", {"title": "app"})
    assert graph.get(f"{env.me}/contacts").status_code == 400  # /me needs a user
    assert [c["id"] for c in env.app.contacts(env.tenant_id, env.user_id)] == [created["id"]]
    log = env.app.requests(tenant=env.tenant_id, kind="api")
    assert [e["status"] for e in log] == [201, 200, 201, 400]
    assert {e["user"] for e in log[:3]} == {env.user_id}
    env.app.add_fault(status=429, retry_after=3, count=1, path=r"/contacts$")
    throttled = graph.get(f"{users}/contacts")
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TooManyRequests"


def test_it_offers_contacts_and_tasks_in_the_python_api_and_control_endpoints(env: Env) -> None:
    app, t, u = env.app, env.tenant_id, env.user_id
    contact = app.create_contact(
        t, u, {"givenName": "Seeded", "emailAddresses": [{"address": "s@x.example"}]}
    )
    changed = app.update_contact(t, u, contact["id"], {"companyName": "Acme"})
    assert changed["changeKey"] != contact["changeKey"] and changed["companyName"] == "Acme"
    task = app.create_task(t, u, {"title": "Seeded"})
    sf_list = app.create_task_list(t, u, "Salesforce")
    other = app.create_task(t, u, {"title": "Other"}, list_id=sf_list["id"])
    assert app.update_task(t, u, other["id"], {"status": "completed"})["completedDateTime"]
    assert [x["wellknownListName"] for x in app.task_lists(t, u)] == ["defaultList", "none"]

    graph = env.graph()
    assert graph.get(f"{env.me}/contacts/{contact['id']}").json()["companyName"] == "Acme"
    default = default_list(graph, env)
    assert graph.get(f"{env.me}/todo/lists/{default}/tasks/{task['id']}").json()["title"] == "Seeded"
    with pytest.raises(GraphError, match="does not exist"):
        app.create_contact(t, u, {"nope": 1})

    session = env.session()
    base = f"{env.url}/_sandbox/tenants/{t}/users/{u}"
    ctl_folder = session.post(f"{base}/contact-folders", json={"displayName": "Ctl folder"}).json()
    assert [f["displayName"] for f in session.get(f"{base}/contact-folders").json()["value"]][
        -1
    ] == "Ctl folder"
    in_ctl = session.post(
        f"{base}/contacts", params={"folder_id": ctl_folder["id"]}, json={"givenName": "In"}
    )
    assert in_ctl.json()["parentFolderId"] == ctl_folder["id"]
    listed_ctl = session.get(f"{base}/contacts", params={"folder_id": ctl_folder["id"]}).json()["value"]
    assert [c["givenName"] for c in listed_ctl] == ["In"]
    made = session.post(f"{base}/contacts", json={"givenName": "Ctl"})
    assert made.status_code == 201
    assert {c["givenName"] for c in session.get(f"{base}/contacts").json()["value"]} == {"Seeded", "Ctl"}
    assert (
        session.patch(f"{base}/contacts/{made.json()['id']}", json={"surname": "X"}).json()["displayName"]
        == "Ctl X"
    )
    assert session.delete(f"{base}/contacts/{contact['id']}").status_code == 204
    assert session.post(f"{base}/contacts", json={"nope": 1}).status_code == 400

    ctl_task = session.post(f"{base}/tasks", json={"title": "Ctl"}).json()
    assert [x["title"] for x in session.get(f"{base}/tasks").json()["value"]] == ["Seeded", "Ctl"]
    in_list = session.post(f"{base}/tasks", params={"list_id": sf_list["id"]}, json={"title": "Ctl sf"})
    assert in_list.status_code == 201
    listed = session.get(f"{base}/tasks", params={"list_id": sf_list["id"]}).json()["value"]
    assert [x["title"] for x in listed] == ["Other", "Ctl sf"]
    assert (
        session.patch(f"{base}/tasks/{ctl_task['id']}", json={"importance": "low"}).json()["importance"]
        == "low"
    )
    assert session.patch(f"{base}/tasks/{ctl_task['id']}", json={"importance": "meh"}).status_code == 400
    assert session.delete(f"{base}/tasks/{ctl_task['id']}").status_code == 204
    assert session.delete(f"{base}/tasks/{ctl_task['id']}").status_code == 404
    assert session.get(f"{base}/task-lists").json()["value"][1]["displayName"] == "Salesforce"
    assert session.post(f"{base}/task-lists", json={"displayName": "More"}).status_code == 201
