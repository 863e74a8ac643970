"""Dry runs and full resyncs from the console: what would happen, written nowhere; a full resync
reads everything again and creates nothing twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from console.models import PreviewState, SyncPreview
from console.previews import full_resync
from syncengine.models import ItemPair, Mailbox, Outcome, SyncCursor
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.pages import decoded_text_of
from tests.support.people import Person, event_body
from tests.support.sessions import start_manage


def ask_preview(client: Client, person: Person, on_commit: Callable[..., Any], *, full: bool) -> str:
    with on_commit(execute=True):  # the worker runs it once the request's transaction commits
        asked = client.post(
            reverse("console:preview", args=[person.organization.pk]),
            {"mailbox": person.mailbox.pk, "full": "1" if full else "0"},
        )
    response = client.get(asked["Location"])
    assert response.status_code == 200
    return decoded_text_of(response)


@pytest.mark.django_db
def test_it_previews_the_first_sync_and_writes_nothing(
    person: Person, support: Client, q_sync: None, sandboxes, django_capture_on_commit_callbacks
):
    sf_server, graph_server = sandboxes
    for n in range(3):
        person.outlook.create_event(**event_body(f"Planning {n}", in_days(n + 1), in_days(n + 1, 11)))
    graph_server.app.clear()
    sf_server.app.clear()

    page = ask_preview(support, person, django_capture_on_commit_callbacks, full=True)

    assert "Would be created in Salesforce</td><td data-count>3</td>" in page.replace("> <", "><")
    assert "Planning 0" in page
    assert SyncPreview.objects.get().state == PreviewState.DONE
    assert synced_events(person) == [] and not ItemPair.objects.exists() and not SyncCursor.objects.exists()
    writes = [
        r["path"]
        for r in [*graph_server.app.requests(), *sf_server.app.requests()]
        if r["method"] != "GET" and "token" not in r["path"]
    ]
    # Reads only, but for the empty list and folder the mailbox's tasks and contacts live in.
    assert writes == ["/v1.0/me/todo/lists", "/v1.0/me/contactFolders"]
    assert AuditEntry.objects.filter(source="console", object_type="console.syncpreview").exists()


@pytest.mark.django_db
def test_it_resyncs_a_mailbox_in_full_without_twins(
    person: Person, org_admin: Client, q_sync: None, django_capture_on_commit_callbacks
):
    person.outlook.create_event(**event_body("Quarterly plan", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    before = [e["Id"] for e in synced_events(person)]

    preview = ask_preview(org_admin, person, django_capture_on_commit_callbacks, full=True)
    with django_capture_on_commit_callbacks(execute=True):  # the queued session runs on commit
        done = org_admin.post(
            reverse("console:full_resync", args=[person.organization.pk]),
            {"mailbox": person.mailbox.pk},
            follow=True,
        )

    assert "Would be created" not in preview  # the pairs match what is read again
    assert [e["Id"] for e in synced_events(person)] == before  # the queued session ran: no twin
    assert SyncCursor.objects.filter(mailbox=person.mailbox).exists()  # read whole, then moved on
    assert "A session is queued now: it reads every stream whole on both sides" in decoded_text_of(done)
    audited = AuditEntry.objects.get(source="console", object_type="syncengine.mailbox")
    assert audited.changes["full resync"] == ["", "every stream"]
    assert audited.changes["cursors forgotten"][1] >= 2  # at least the events' two sides


@pytest.mark.django_db(transaction=True)
def test_it_makes_no_twin_when_a_worker_dies_during_a_full_resync(person: Person, sandboxes):
    sf_server, graph_server = sandboxes
    for i in range(10):
        graph_server.app.create_event(
            person.tenant_id,
            person.graph_user_id,
            event_body(f"Review {i}", in_days(1 + i), in_days(1 + i, 11)),
        )
    session_run(mailbox_id=person.mailbox.pk)
    admin = User.objects.create_user(username="olga")
    full_resync(actor=admin, mailbox=Mailbox.objects.get(pk=person.mailbox.pk))
    Mailbox.objects.filter(pk=person.mailbox.pk).update(queued_at=None)  # this test runs the session itself
    for event in graph_server.app.events(person.tenant_id, person.graph_user_id):
        graph_server.app.update_event(
            person.tenant_id, person.graph_user_id, event["id"], {"location": {"displayName": "HQ"}}
        )
    # Salesforce applies the updates, then holds its answer: the worker dies before it hears back.
    sf_server.app.add_fault(path=r"/composite/sobjects$", method="PATCH", delay_after=60)
    worker = start_manage("sync_mailbox", str(person.mailbox.pk))
    try:
        deadline = time.monotonic() + 60
        while not all(e.get("Location") == "HQ" for e in sf_server.app.records(person.sf_org_id, "Event")):
            assert worker.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline, "the worker never wrote to Salesforce"
            time.sleep(0.05)
    finally:
        worker.kill()
        worker.wait()
    sf_server.app.clear()
    Mailbox.objects.filter(pk=person.mailbox.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    events = sf_server.app.records(person.sf_org_id, "Event")
    assert len(events) == 10 and {e["Location"] for e in events} == {"HQ"}
    assert ItemPair.objects.filter(mailbox=person.mailbox).count() == 10
