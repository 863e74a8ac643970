"""The Google sandbox, driven through google-api-python-client, google-auth and plain requests over TLS."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.fixtures_google import GoogleAccount
from tests.support.sandbox import authed_http

REDIRECT = "http://localhost:8000/oauth/google/callback"
WINDOW = {"timeMin": "2026-12-01T00:00:00Z", "timeMax": "2027-01-01T00:00:00Z"}


def session(account: GoogleAccount) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = account.ca_path
    return s


def service(account: GoogleAccount, name: str, http: Any = None) -> Any:
    version, path = {"calendar": ("v3", "/calendar/v3/"), "tasks": ("v1", "/"), "people": ("v1", "/")}[name]
    return build(
        name,
        version,
        http=http or authed_http(account),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": account.server.url + path},
    )


def timed(start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"start": {"dateTime": start}, "end": {"dateTime": end}, **extra}


def status_of(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, json.loads(caught.value.content)


# -- OAuth ------------------------------------------------------------------------------------------
def consent(
    account: GoogleAccount, access_type: str = "offline", decision: str = "allow"
) -> dict[str, list[str]]:
    s = session(account)
    query = {
        "client_id": account.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "https://www.googleapis.com/auth/calendar",
        "state": "xyz-state",
        "access_type": access_type,
        "login_hint": account.email,
    }
    page = s.get(f"{account.server.url}/o/oauth2/v2/auth", params=query)
    assert page.status_code == 200 and ">Allow</button>" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields.update(email=account.email, decision=decision)
    answer = s.post(f"{account.server.url}/o/oauth2/v2/auth", data=fields, allow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def token(account: GoogleAccount, **form: str) -> requests.Response:
    data = {"client_id": account.client_id, "client_secret": account.client_secret, **form}
    return session(account).post(account.token_uri, data=data)


def test_it_runs_the_consent_page_and_trades_the_code_for_a_refresh_token(google_account: GoogleAccount):
    answer = consent(google_account)
    assert answer["state"] == ["xyz-state"]
    grant = token(
        google_account, grant_type="authorization_code", code=answer["code"][0], redirect_uri=REDIRECT
    )
    assert grant.status_code == 200
    body = grant.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 3000 and body["refresh_token"]
    again = token(google_account, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert again.status_code == 200 and "refresh_token" not in again.json()
    reused = token(
        google_account, grant_type="authorization_code", code=answer["code"][0], redirect_uri=REDIRECT
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_it_gives_no_refresh_token_without_offline_access_and_redirects_a_refusal(
    google_account: GoogleAccount,
):
    answer = consent(google_account, access_type="online")
    grant = token(
        google_account, grant_type="authorization_code", code=answer["code"][0], redirect_uri=REDIRECT
    )
    assert "refresh_token" not in grant.json() and grant.json()["access_token"]
    assert consent(google_account, decision="deny")["error"] == ["access_denied"]


def test_it_refuses_a_revoked_refresh_token_and_a_wrong_secret(google_account: GoogleAccount):
    wrong = token(
        google_account,
        grant_type="refresh_token",
        refresh_token=google_account.refresh_token,
        client_secret="nope",
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    google_account.app.revoke(google_account.user_id)
    revoked = token(google_account, grant_type="refresh_token", refresh_token=google_account.refresh_token)
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"


def test_it_names_a_limited_refresh_tokens_end_and_refuses_it_after(google_account: GoogleAccount):
    google_account.app.limit_refresh_tokens(google_account.client_id, days=7)  # a "Testing" app
    code = consent(google_account)["code"][0]
    body = token(google_account, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()
    assert 604790 < body["refresh_token_expires_in"] <= 604800  # seconds left, as Google answers
    again = token(google_account, grant_type="refresh_token", refresh_token=body["refresh_token"]).json()
    assert again["refresh_token_expires_in"] <= body["refresh_token_expires_in"]
    unlimited = token(google_account, grant_type="refresh_token", refresh_token=google_account.refresh_token)
    assert "refresh_token_expires_in" not in unlimited.json()  # issued before the limit: until revoked

    google_account.app.age_refresh_tokens(google_account.user_id, days=7)
    ended = token(google_account, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert ended.status_code == 400 and ended.json()["error"] == "invalid_grant"


def test_it_answers_401_for_expired_access_tokens_and_google_auth_refreshes(google_account: GoogleAccount):
    http = authed_http(google_account)
    calendar = service(google_account, "calendar", http)
    calendar.events().list(calendarId="primary").execute()
    google_account.app.expire_tokens(google_account.user_id)
    calendar.events().list(calendarId="primary").execute()  # 401, refresh, retried by AuthorizedHttp
    statuses = [r["status"] for r in google_account.app.requests() if r["path"].startswith("/calendar/")]
    assert statuses == [200, 401, 200]
    assert len(google_account.app.requests(kind="token")) == 2
    bare = session(google_account).get(f"{google_account.server.url}/calendar/v3/calendars/primary/events")
    assert bare.status_code == 401 and bare.json()["error"]["status"] == "UNAUTHENTICATED"


# -- Calendar ---------------------------------------------------------------------------------------
def test_it_inserts_reads_patches_and_deletes_an_event_with_new_etags(google_account: GoogleAccount):
    events = service(google_account, "calendar").events()
    made = events.insert(
        calendarId="primary",
        sendUpdates="none",
        body=timed(
            "2026-12-03T10:00:00",
            "2026-12-03T17:00:00Z",
            summary="Demo",
            attendees=[{"email": "a@b.example"}],
        )
        | {"start": {"dateTime": "2026-12-03T10:00:00", "timeZone": "America/New_York"}},
    ).execute()
    assert made["start"] == {"dateTime": "2026-12-03T10:00:00-05:00", "timeZone": "America/New_York"}
    assert made["organizer"] == {"email": google_account.email, "displayName": "Sandbox Rep", "self": True}
    assert made["attendees"] == [{"email": "a@b.example", "responseStatus": "needsAction"}]
    assert made["iCalUID"] == f"{made['id']}@google.com"
    assert made["end"] == {"dateTime": "2026-12-03T18:00:00+01:00"}  # the calendar's zone (Europe/Berlin)
    patched = events.patch(calendarId="primary", eventId=made["id"], body={"location": "Room 1"}).execute()
    assert (
        patched["summary"] == "Demo" and patched["location"] == "Room 1" and patched["etag"] != made["etag"]
    )
    replaced = events.update(
        calendarId="primary", eventId=made["id"], body=timed("2026-12-04T10:00:00Z", "2026-12-04T11:00:00Z")
    ).execute()
    assert "summary" not in replaced and "location" not in replaced
    events.delete(calendarId="primary", eventId=made["id"]).execute()
    assert events.get(calendarId="primary", eventId=made["id"]).execute()["status"] == "cancelled"
    assert status_of(events.delete(calendarId="primary", eventId=made["id"]))[0] == 410
    assert status_of(events.get(calendarId="primary", eventId="unknown00"))[0] == 404


def test_it_validates_events_as_google_does(google_account: GoogleAccount):
    events = service(google_account, "calendar").events()
    no_zone = timed("2026-12-03T10:00:00", "2026-12-03T11:00:00Z")
    status, body = status_of(events.insert(calendarId="primary", body=no_zone))
    assert status == 400 and body["error"]["message"] == "Missing time zone definition for start time."
    bad_zone = {"start": {"dateTime": "2026-12-03T10:00:00", "timeZone": "Mars/Base"}, "end": no_zone["end"]}
    assert status_of(events.insert(calendarId="primary", body=bad_zone))[0] == 400
    empty = timed("2026-12-03T10:00:00Z", "2026-12-03T09:00:00Z")
    assert status_of(events.insert(calendarId="primary", body=empty))[1]["error"]["errors"][0]["reason"] == (
        "timeRangeEmpty"
    )
    assert (
        status_of(
            events.insert(
                calendarId="someone-else", body=timed("2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z")
            )
        )[0]
        == 404
    )


def test_it_lists_the_window_and_then_only_changes_by_sync_token(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    inside = app.create_event(user, timed("2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z", summary="In"))
    app.create_event(user, timed("2027-02-02T09:00:00Z", "2027-02-02T10:00:00Z", summary="Later"))
    other = app.create_event(user, timed("2026-12-05T09:00:00Z", "2026-12-05T10:00:00Z", summary="Other"))
    events = service(google_account, "calendar").events()
    first = events.list(calendarId="primary", singleEvents=True, **WINDOW).execute()
    assert [e["summary"] for e in first["items"]] == ["In", "Other"] and first["nextSyncToken"]
    quiet = events.list(calendarId="primary", singleEvents=True, syncToken=first["nextSyncToken"]).execute()
    assert quiet["items"] == [] and quiet["nextSyncToken"]
    app.update_event(user, inside["id"], {"summary": "In (moved)"})
    app.delete_event(user, other["id"])
    delta = events.list(calendarId="primary", singleEvents=True, syncToken=quiet["nextSyncToken"]).execute()
    assert [(e["id"], e["status"]) for e in delta["items"]] == [
        (inside["id"], "confirmed"),
        (other["id"], "cancelled"),
    ]
    full = events.list(calendarId="primary", singleEvents=True, **WINDOW).execute()
    assert [e["summary"] for e in full["items"]] == ["In (moved)"]
    shown = events.list(calendarId="primary", singleEvents=True, showDeleted=True, **WINDOW).execute()
    assert {e["status"] for e in shown["items"]} == {"confirmed", "cancelled"}


def test_it_refuses_stale_sync_tokens_with_410_and_mixed_parameters_with_400(google_account: GoogleAccount):
    events = service(google_account, "calendar").events()
    sync = events.list(calendarId="primary", **WINDOW).execute()["nextSyncToken"]
    status, body = status_of(events.list(calendarId="primary", syncToken=sync, timeMin=WINDOW["timeMin"]))
    assert status == 400
    assert google_account.app.invalidate_sync_tokens(google_account.user_id) >= 1
    status, body = status_of(events.list(calendarId="primary", syncToken=sync))
    assert status == 410 and body["error"]["errors"][0]["reason"] == "fullSyncRequired"


def test_it_pages_and_gives_the_sync_token_on_the_last_page_only(google_account: GoogleAccount):
    for day in range(1, 6):
        google_account.app.create_event(
            google_account.user_id,
            timed(f"2026-12-0{day}T09:00:00Z", f"2026-12-0{day}T10:00:00Z", summary=f"E{day}"),
        )
    events = service(google_account, "calendar").events()
    seen, page_token, pages = [], None, []
    while True:
        page = events.list(calendarId="primary", maxResults=2, pageToken=page_token, **WINDOW).execute()
        pages.append(page)
        seen += [e["summary"] for e in page["items"]]
        page_token = page.get("nextPageToken")
        if not page_token:
            break
    assert seen == ["E1", "E2", "E3", "E4", "E5"] and len(pages) == 3
    assert [("nextSyncToken" in p) for p in pages] == [False, False, True]


def test_it_expands_a_series_into_instances_and_edits_one_instance(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    series = app.create_event(
        user,
        {
            "summary": "Standup",
            "start": {"dateTime": "2026-12-07T09:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-12-07T09:15:00", "timeZone": "Europe/Berlin"},
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"],
        },
    )
    events = service(google_account, "calendar").events()
    listed = events.list(calendarId="primary", singleEvents=True, **WINDOW).execute()
    starts = [e["start"]["dateTime"] for e in listed["items"]]
    assert starts == [f"2026-12-{d}T09:00:00+01:00" for d in ("07", "09", "14", "16")]
    assert {e["recurringEventId"] for e in listed["items"]} == {series["id"]}
    assert listed["items"][1]["id"] == f"{series['id']}_20261209T080000Z"
    masters = events.list(calendarId="primary", **WINDOW).execute()
    assert [e["recurrence"] for e in masters["items"]] == [["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"]]
    second = listed["items"][1]["id"]
    events.patch(calendarId="primary", eventId=second, body={"summary": "Standup (long)"}).execute()
    events.delete(calendarId="primary", eventId=listed["items"][2]["id"]).execute()
    delta = events.list(calendarId="primary", singleEvents=True, syncToken=listed["nextSyncToken"]).execute()
    by_id = {e["id"]: e for e in delta["items"]}
    assert by_id[second]["summary"] == "Standup (long)"
    assert by_id[listed["items"][2]["id"]]["status"] == "cancelled"
    again = events.list(calendarId="primary", singleEvents=True, **WINDOW).execute()
    assert [e["summary"] for e in again["items"]] == ["Standup", "Standup (long)", "Standup"]


def test_it_keeps_invitations_and_answers_as_the_attendee_sees_them(google_account: GoogleAccount):
    app, user = google_account.app, google_account.user_id
    invite = app.receive_invitation(
        user,
        timed("2026-12-08T14:00:00Z", "2026-12-08T15:00:00Z", summary="Pitch"),
        organizer="boss@client.example",
        ical_uid="shared-uid@client.example",
    )
    assert (
        invite["organizer"] == {"email": "boss@client.example"}
        and invite["iCalUID"] == "shared-uid@client.example"
    )
    me = [a for a in invite["attendees"] if a.get("self")]
    assert me == [{"email": google_account.email, "responseStatus": "needsAction", "self": True}]
    answered = app.respond(user, invite["id"], "accepted")
    assert [a["responseStatus"] for a in answered["attendees"] if a.get("self")] == ["accepted"]


# -- Tasks ------------------------------------------------------------------------------------------
def test_it_keeps_task_lists_and_tasks_with_updated_min_and_deleted_ones(google_account: GoogleAccount):
    api = service(google_account, "tasks")
    assert [t["title"] for t in api.tasklists().list().execute()["items"]] == ["My Tasks"]
    made = api.tasklists().insert(body={"title": "Salesforce Tasks"}).execute()
    tasks = api.tasks()
    first = tasks.insert(tasklist=made["id"], body={"title": "Call", "due": "2026-12-09T15:30:00Z"}).execute()
    assert first["due"] == "2026-12-09T00:00:00.000Z" and first["status"] == "needsAction"
    done = tasks.insert(tasklist=made["id"], body={"title": "Old", "status": "completed"}).execute()
    assert done["completed"]
    listed = tasks.list(tasklist=made["id"]).execute()["items"]
    assert [t["title"] for t in listed] == ["Call", "Old"]
    assert [t["title"] for t in tasks.list(tasklist=made["id"], showCompleted=False).execute()["items"]] == [
        "Call"
    ]
    since = listed[-1]["updated"]
    tasks.patch(tasklist=made["id"], task=first["id"], body={"notes": "ask for budget"}).execute()
    tasks.delete(tasklist=made["id"], task=done["id"]).execute()
    changed = tasks.list(tasklist=made["id"], updatedMin=since, showDeleted=True).execute()["items"]
    assert {t["id"]: t.get("deleted", False) for t in changed} == {first["id"]: False, done["id"]: True}
    assert [t["title"] for t in tasks.list(tasklist=made["id"]).execute()["items"]] == ["Call"]
    assert status_of(tasks.get(tasklist="nope", task=first["id"]))[0] == 404


# -- People -----------------------------------------------------------------------------------------
def test_it_requires_person_fields_and_lists_connections_with_sync_tokens(google_account: GoogleAccount):
    people = service(google_account, "people").people()
    status, body = status_of(people.connections().list(resourceName="people/me"))
    assert status == 400 and "personFields mask is required" in body["error"]["message"]
    made = people.createContact(
        body={
            "names": [{"givenName": "Ada", "familyName": "Lovelace"}],
            "emailAddresses": [{"value": "ada@x.example"}],
        }
    ).execute()
    assert made["resourceName"].startswith("people/c") and made["etag"]
    first = (
        people.connections()
        .list(resourceName="people/me", personFields="names", requestSyncToken=True)
        .execute()
    )
    assert [p["names"][0]["givenName"] for p in first["connections"]] == ["Ada"]
    assert "emailAddresses" not in first["connections"][0]
    quiet = (
        people.connections()
        .list(resourceName="people/me", personFields="names", syncToken=first["nextSyncToken"])
        .execute()
    )
    assert "connections" not in quiet and quiet["nextSyncToken"]
    people.deleteContact(resourceName=made["resourceName"]).execute()
    delta = (
        people.connections()
        .list(resourceName="people/me", personFields="names", syncToken=quiet["nextSyncToken"])
        .execute()
    )
    assert [(p["resourceName"], p["metadata"]["deleted"]) for p in delta["connections"]] == [
        (made["resourceName"], True)
    ]
    assert status_of(people.get(resourceName=made["resourceName"], personFields="names"))[0] == 404


def test_it_updates_contacts_only_with_the_current_etag_and_named_fields(google_account: GoogleAccount):
    people = service(google_account, "people").people()
    made = people.createContact(
        body={"names": [{"givenName": "Bo"}], "phoneNumbers": [{"value": "1", "type": "work"}]}
    ).execute()
    stale = {"etag": "%stale", "names": [{"givenName": "Bob"}]}
    status, body = status_of(
        people.updateContact(resourceName=made["resourceName"], updatePersonFields="names", body=stale)
    )
    assert status == 400 and body["error"]["status"] == "FAILED_PRECONDITION"
    fresh = {"etag": made["etag"], "names": [{"givenName": "Bob"}]}
    updated = people.updateContact(
        resourceName=made["resourceName"],
        updatePersonFields="names",
        personFields="names,phoneNumbers",
        body=fresh,
    ).execute()
    assert updated["names"][0]["givenName"] == "Bob" and updated["phoneNumbers"][0]["value"] == "1"
    assert updated["etag"] != made["etag"]


def test_it_expires_people_sync_tokens_with_expired_sync_token(google_account: GoogleAccount):
    people = service(google_account, "people").people()
    sync = (
        people.connections()
        .list(resourceName="people/me", personFields="names", requestSyncToken=True)
        .execute()
    )
    google_account.app.invalidate_sync_tokens(google_account.user_id)
    status, body = status_of(
        people.connections().list(
            resourceName="people/me", personFields="names", syncToken=sync["nextSyncToken"]
        )
    )
    assert status == 400 and body["error"]["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"


def test_it_keeps_contact_groups_and_memberships(google_account: GoogleAccount):
    api = service(google_account, "people")
    group = api.contactGroups().create(body={"contactGroup": {"name": "Salesforce Contacts"}}).execute()
    member = {"contactGroupMembership": {"contactGroupResourceName": group["resourceName"]}}
    person = (
        api.people().createContact(body={"names": [{"givenName": "Cy"}], "memberships": [member]}).execute()
    )
    api.people().createContact(body={"names": [{"givenName": "Di"}]}).execute()
    listed = api.contactGroups().get(resourceName=group["resourceName"], maxMembers=10).execute()
    assert listed["memberCount"] == 1 and listed["memberResourceNames"] == [person["resourceName"]]
    names = {g["name"] for g in api.contactGroups().list().execute()["contactGroups"]}
    assert names == {"myContacts", "starred", "Salesforce Contacts"}
    status, _ = status_of(api.contactGroups().create(body={"contactGroup": {"name": "Salesforce Contacts"}}))
    assert status == 409


# -- batch, faults, log -----------------------------------------------------------------------------
def test_it_answers_a_batch_part_by_part_and_logs_it_as_one_call(google_account: GoogleAccount):
    http = authed_http(google_account)
    events = service(google_account, "calendar", http).events()
    made = events.insert(
        calendarId="primary", body=timed("2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z")
    ).execute()
    google_account.app.clear()
    replies: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: replies.__setitem__(rid, (resp, exc)),
        batch_uri=f"{google_account.server.url}/batch/calendar/v3",
    )
    batch.add(events.get(calendarId="primary", eventId=made["id"]), request_id="get")
    batch.add(
        events.patch(calendarId="primary", eventId=made["id"], body={"summary": "Renamed"}),
        request_id="patch",
    )
    batch.add(events.get(calendarId="primary", eventId="missing00"), request_id="missing")
    batch.execute(http=http)
    assert replies["get"][0]["id"] == made["id"] and replies["patch"][0]["summary"] == "Renamed"
    assert replies["missing"][1].resp.status == 404
    log = google_account.app.requests(tenant=google_account.user_id)
    assert [r["kind"] for r in log] == ["batch-item", "batch-item", "batch-item", "api"]
    assert log[-1]["path"] == "/batch/calendar/v3"


def test_it_faults_one_batch_item_with_retry_after_and_limits_calendar_batches(google_account: GoogleAccount):
    http = authed_http(google_account)
    events = service(google_account, "calendar", http).events()
    google_account.app.add_fault(status=429, path=r"/events/one00$", retry_after=7)
    replies: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: replies.__setitem__(rid, exc),
        batch_uri=f"{google_account.server.url}/batch/calendar/v3",
    )
    batch.add(events.get(calendarId="primary", eventId="one00"), request_id="1")
    batch.add(events.get(calendarId="primary", eventId="two00"), request_id="2")
    batch.execute(http=http)
    assert replies["1"].resp.status == 429 and replies["1"].resp["retry-after"] == "7"
    assert replies["2"].resp.status == 404
    too_many = BatchHttpRequest(batch_uri=f"{google_account.server.url}/batch/calendar/v3")
    for n in range(51):
        too_many.add(events.get(calendarId="primary", eventId=f"e{n:04d}"), request_id=str(n))
    with pytest.raises(HttpError) as caught:
        too_many.execute(http=http)
    assert caught.value.resp.status == 400


def test_it_injects_a_500_with_retry_after_in_googles_error_shape(google_account: GoogleAccount):
    google_account.app.add_fault(status=500, path=r"^/tasks/v1/users/@me/lists$", retry_after=3)
    status, body = status_of(service(google_account, "tasks").tasklists().list())
    assert status == 500 and body["error"]["errors"][0]["reason"] == "backendError"
    assert service(google_account, "tasks").tasklists().list().execute()["items"]


def test_it_is_seeded_and_driven_through_its_control_endpoints(google_server: Any, sandbox_ca: Any):
    s = requests.Session()
    s.trust_env, s.verify = False, str(sandbox_ca.ca_path)
    url = google_server.url
    user = s.post(f"{url}/_sandbox/users", json={"email": "ctl@gmail-sandbox.example", "name": "Ctl"}).json()
    assert (
        s.post(f"{url}/_sandbox/clients", json={"client_id": "ctl-client", "client_secret": "s"}).status_code
        == 201
    )
    refresh = s.post(
        f"{url}/_sandbox/users/{user['id']}/refresh_tokens", json={"client_id": "ctl-client"}
    ).json()
    grant = s.post(
        f"{url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh["refresh_token"],
            "client_id": "ctl-client",
            "client_secret": "s",
        },
    )
    assert grant.status_code == 200
    made = s.post(
        f"{url}/_sandbox/users/ctl@gmail-sandbox.example/events",
        json={"body": timed("2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z", summary="By hand")},
    ).json()
    assert s.get(f"{url}/_sandbox/users/{user['id']}/events").json()["items"][0]["id"] == made["id"]
    assert s.post(f"{url}/_sandbox/sync_tokens/invalidate", json={}).json()["invalidated"] >= 0
    bad = s.post(f"{url}/_sandbox/users/{user['id']}/events", json={"body": {"summary": "no times"}})
    assert bad.status_code == 400 and "Missing start time" in bad.json()["error"]
    assert google_server.app.requests(tenant=user["id"]) == []  # control calls are never logged


def test_it_checks_pkce_and_returns_an_id_token_for_openid_email(google_account: GoogleAccount):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    s = session(google_account)
    query = {
        "client_id": google_account.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email https://www.googleapis.com/auth/calendar",
        "access_type": "offline",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "nonce": "n-1",
    }
    page = s.get(f"{google_account.server.url}/o/oauth2/v2/auth", params=query)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    answer = s.post(
        f"{google_account.server.url}/o/oauth2/v2/auth",
        data={**fields, "email": google_account.email, "decision": "allow"},
        allow_redirects=False,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    wrong = token(
        google_account,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier="w" * 50,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = token(
        google_account,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert right.status_code == 200
    payload = right.json()["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == google_account.user_id and claims["email"] == google_account.email
    assert claims["aud"] == google_account.client_id and claims["nonce"] == "n-1"
    who = s.get(
        f"{google_account.server.url}/oauth2/v3/userinfo",
        headers={"Authorization": f"Bearer {right.json()['access_token']}"},
    )
    assert who.json()["email"] == google_account.email


def test_it_answers_a_body_that_is_not_json_with_googles_400(google_account: GoogleAccount):
    s = session(google_account)
    access = token(
        google_account, grant_type="refresh_token", refresh_token=google_account.refresh_token
    ).json()
    for path in (
        "/calendar/v3/calendars/primary/events",
        "/tasks/v1/users/@me/lists",
        "/v1/people:createContact",
    ):
        answer = s.post(
            f"{google_account.server.url}{path}",
            data=b"{not json",
            headers={"Authorization": f"Bearer {access['access_token']}", "Content-Type": "application/json"},
        )
        assert answer.status_code == 400 and answer.json()["error"]["code"] == 400, path


def test_it_lists_events_by_private_extended_properties_matching_all_constraints(
    google_account: GoogleAccount,
):
    app, user = google_account.app, google_account.user_id
    when = timed("2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z")
    app.create_event(user, when | {"summary": "A", "extendedProperties": {"private": {"k": "1", "x": "y"}}})
    app.create_event(user, when | {"summary": "B", "extendedProperties": {"private": {"k": "2"}}})
    app.create_event(user, when | {"summary": "C", "extendedProperties": {"shared": {"k": "1"}}})
    events = service(google_account, "calendar").events()

    def summaries(**query: Any) -> list[str]:
        return [e["summary"] for e in events.list(calendarId="primary", **query).execute().get("items", [])]

    assert summaries(privateExtendedProperty="k=1") == ["A"]
    assert summaries(privateExtendedProperty=["k=1", "x=y"]) == ["A"]  # repeated: all must match
    assert summaries(privateExtendedProperty=["k=1", "x=z"]) == []
    assert summaries(sharedExtendedProperty="k=1") == ["C"]
    sync = events.list(calendarId="primary").execute()["nextSyncToken"]
    status, _ = status_of(events.list(calendarId="primary", syncToken=sync, privateExtendedProperty="k=1"))
    assert status == 400


def test_it_keeps_client_data_and_lists_connections_newest_first(google_account: GoogleAccount):
    people = service(google_account, "people").people()
    for name in ("Ada", "Bo", "Cy"):
        body = {"names": [{"givenName": name}], "clientData": [{"key": "app", "value": name.lower()}]}
        people.createContact(body=body).execute()

    listed = (
        people.connections()
        .list(resourceName="people/me", personFields="names,clientData", sortOrder="LAST_MODIFIED_DESCENDING")
        .execute()["connections"]
    )

    assert [p["names"][0]["givenName"] for p in listed] == ["Cy", "Bo", "Ada"]
    assert [(d["key"], d["value"]) for d in listed[0]["clientData"]] == [("app", "cy")]
    plain = people.connections().list(resourceName="people/me", personFields="names").execute()
    assert [p["names"][0]["givenName"] for p in plain["connections"]] == ["Ada", "Bo", "Cy"]
    assert "clientData" not in plain["connections"][0]
