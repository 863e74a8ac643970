"""End to end: Outlook (Graph sandbox) -> a django-q2 session -> Salesforce (Salesforce sandbox)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from syncengine.models import ItemPair, MailboxStatus, Outcome, SyncIssue, SyncSession
from syncengine.services.sessions import session_run
from syncengine.tasks import enqueue_due_sessions
from tests.support.calendar import in_days, sf_writes, synced_events
from tests.support.people import SYNC_KEY_FIELD, Person, event_body

pytestmark = pytest.mark.django_db


def test_it_saves_an_outlook_event_to_salesforce_in_a_scheduled_session(person: Person, q_sync: None):
    person.outlook.create_event(
        **event_body(
            "Pricing call with Acme",
            in_days(1, 15),
            in_days(1, 16),
            body={"contentType": "text", "content": "Discuss the renewal"},
            location={"displayName": "Teams"},
            showAs="free",
            sensitivity="private",
            categories=["Salesforce"],  # private items are saved only when the user asks
        )
    )
    person.mailbox.next_due_at = timezone.now() - timedelta(minutes=1)
    person.mailbox.save()

    queued = enqueue_due_sessions()  # what the django-q2 schedule runs every minute

    assert queued == 1
    session = SyncSession.objects.get(mailbox=person.mailbox)
    assert session.outcome == Outcome.SUCCEEDED, session.error
    assert session.counts["events"]["to_crm"]["created"] == 1
    [event] = synced_events(person)
    assert event["Subject"] == "Pricing call with Acme"
    assert event["Description"] == "Discuss the renewal"
    assert event["Location"] == "Teams"
    assert event["ShowAs"] == "Free"
    assert event["IsPrivate"] is True
    assert event["StartDateTime"].startswith(in_days(1, 15))
    assert event["EndDateTime"].startswith(in_days(1, 16))
    person.mailbox.refresh_from_db()
    assert person.mailbox.status == MailboxStatus.OK
    assert person.mailbox.next_due_at > timezone.now() + timedelta(minutes=20)


def test_it_updates_salesforce_when_the_event_is_edited_in_outlook(person: Person):
    created = person.outlook.create_event(**event_body("Demo", in_days(2), in_days(2, 11)))
    session_run(mailbox_id=person.mailbox.pk)

    moved = event_body("Demo (moved)", in_days(3), in_days(3, 11))
    person.outlook.update_event(created["id"], **moved)
    second = session_run(mailbox_id=person.mailbox.pk)

    assert second is not None and second.counts["events"]["to_crm"] == {"updated": 1}
    [event] = synced_events(person)
    assert event["Subject"] == "Demo (moved)"
    assert event["StartDateTime"].startswith(in_days(3))


def test_it_makes_no_salesforce_write_and_one_read_per_stream_and_side_when_nothing_changed(
    person: Person, sandboxes
):
    sf_server, graph_server = sandboxes
    for i in range(5):
        person.outlook.create_event(**event_body(f"Meeting {i}", in_days(i + 1), in_days(i + 1, 11)))
    first = session_run(mailbox_id=person.mailbox.pk)
    assert first is not None and first.outcome == Outcome.SUCCEEDED, first.error
    sf_server.app.clear()
    graph_server.app.clear()

    quiet = session_run(mailbox_id=person.mailbox.pk)

    assert quiet is not None and quiet.outcome == Outcome.SUCCEEDED
    assert sf_writes(person, sf_server) == []
    graph_paths = sorted(
        "/".join(c["path"].split("/")[-2:])
        for c in graph_server.app.requests(tenant=person.tenant_id, kind="api")
    )
    # One delta read per stream: the calendar, the Salesforce Contacts folder, the Salesforce Tasks list.
    assert graph_paths == ["calendarView/delta", "contacts/delta", "tasks/delta"]
    sf_reads = [
        r for r in sf_server.app.requests(tenant=person.sf_org_id, kind="api") if r["method"] == "GET"
    ]
    assert len(sf_reads) == 3  # one query per stream reads changes and deletions together
    assert quiet.api_calls["mail"] == 3 and quiet.api_calls["crm"] == 3
    assert quiet.api_calls["mail_login"] == 0 and quiet.api_calls["crm_login"] == 0
    assert quiet.counts == {"events": {}, "tasks": {}, "contacts": {}}


def test_it_writes_new_events_to_salesforce_in_batches_of_200(person: Person, sandboxes):
    sf_server, _ = sandboxes
    count = 450
    graph_app = sandboxes[1].app
    for i in range(count):
        day = 1 + i % 30
        graph_app.create_event(
            person.tenant_id, person.graph_user_id, event_body(f"Call {i}", in_days(day), in_days(day, 11))
        )

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.counts["events"]["to_crm"]["created"] == count
    writes = sf_writes(person, sf_server)
    assert len(writes) == math.ceil(count / 200)
    assert all(w["path"].endswith(f"/composite/sobjects/Event/{SYNC_KEY_FIELD}") for w in writes)
    assert len(synced_events(person)) == count


def test_it_deletes_the_salesforce_event_when_the_outlook_event_is_deleted(person: Person):
    created = person.outlook.create_event(**event_body("Short-lived", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    assert len(synced_events(person)) == 1

    person.outlook.delete_event(created["id"])
    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.counts["events"]["to_crm"] == {"deleted": 1}
    assert synced_events(person) == []
    assert not ItemPair.objects.filter(mailbox=person.mailbox).exists()


def test_it_cuts_an_oversize_subject_and_records_an_issue(person: Person):
    person.outlook.create_event(**event_body("S" * 300, in_days(1), in_days(1, 11)))

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.PARTIAL
    [event] = synced_events(person)
    assert event["Subject"] == "S" * 255
    issue = SyncIssue.objects.get(mailbox=person.mailbox)
    assert issue.code == "FIELD_TRUNCATED" and "255" in issue.message
    # The cut value is the synced value on that side: the next session does not fight over it.
    again = session_run(mailbox_id=person.mailbox.pk)
    assert again is not None and again.counts["events"] == {}


def test_it_brings_a_salesforce_edit_of_a_synced_event_back_to_outlook(person: Person, sandboxes):
    _, graph_server = sandboxes
    created = person.outlook.create_event(**event_body("Board prep", in_days(4), in_days(4, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    [event] = synced_events(person)

    person.salesforce.Event.update(event["Id"], {"Subject": "Board prep (agenda sent)", "Location": "HQ"})
    graph_server.app.clear()
    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.counts["events"]["to_mail"] == {"updated": 1}
    outlook_event = person.outlook.get_event(created["id"])
    assert outlook_event["subject"] == "Board prep (agenda sent)"
    assert outlook_event["location"]["displayName"] == "HQ"
    batches = [
        r
        for r in graph_server.app.requests(tenant=person.tenant_id, kind="api")
        if r["path"].endswith("$batch")
    ]
    assert len(batches) == 1
    # Our write to Outlook comes back in the next delta and is not echoed to Salesforce.
    quiet = session_run(mailbox_id=person.mailbox.pk)
    assert quiet is not None and quiet.counts["events"] == {}
