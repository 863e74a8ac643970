"""Safe resync of one item: read again on both sides at the next session, synced by the usual rules,
asked for and audited; refused with a reason when there is nothing to read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from console.models import ResyncRequest, ResyncState
from syncengine.models import ItemPair, Mailbox, SyncCursor, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.pages import decoded_text_of
from tests.support.people import Person, event_body


def resync(client: Client, person: Person, pair: ItemPair) -> str:
    response = client.post(
        reverse("console:resync", args=[person.organization.pk]),
        {
            "mailbox": pair.mailbox_id,
            "stream": pair.stream,
            "sync_key": pair.sync_key,
            "mail_id": pair.mail_id,
            "crm_id": pair.crm_id,
            "label": "Quarterly review",
            "q": "Quarterly",
        },
        follow=True,
    )
    assert response.status_code == 200
    return decoded_text_of(response)


def _cursor_past_now(person: Person) -> None:
    cursor = SyncCursor.objects.get(mailbox=person.mailbox, stream="events", side="crm")
    window, _, _stamp = cursor.value.rpartition("|")
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    SyncCursor.objects.filter(pk=cursor.pk).update(value=f"{window}|{later}" if window else later)


@pytest.mark.django_db
def test_it_brings_back_a_salesforce_change_the_cursor_missed(person: Person, support: Client):
    created = person.outlook.create_event(**event_body("Quarterly review", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    pair = ItemPair.objects.get(mailbox=person.mailbox, stream="events")
    # A change made in Salesforce that the change reads missed: the cursor already stands past it.
    person.salesforce.Event.update(pair.crm_id, {"Location": "Room 4"})
    _cursor_past_now(person)

    page = resync(support, person, pair)
    session_run(mailbox_id=person.mailbox.pk)

    assert "A session is queued now" in page
    assert person.outlook.get_event(created["id"])["location"]["displayName"] == "Room 4"
    request = ResyncRequest.objects.get()
    assert request.state == ResyncState.QUEUED and request.asked_by_name == "sam"
    assert AuditEntry.objects.filter(source="console", object_type="console.resyncrequest").count() == 1
    assert not SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False).exists()  # the retry ended


@pytest.mark.django_db
def test_it_changes_nothing_when_both_sides_already_agree(person: Person, support: Client):
    person.outlook.create_event(**event_body("Quarterly review", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    pair = ItemPair.objects.get(mailbox=person.mailbox, stream="events")
    before = [dict(e) for e in synced_events(person)]

    resync(support, person, pair)
    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and not session.entries.exists()  # nothing to decide
    assert [dict(e) for e in synced_events(person)] == before
    assert ItemPair.objects.get(pk=pair.pk).crm_id == pair.crm_id
    assert not SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False).exists()


@pytest.mark.django_db
def test_it_refuses_to_resync_in_a_suspended_mailbox_and_says_why(person: Person, support: Client):
    person.outlook.create_event(**event_body("Quarterly review", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    pair = ItemPair.objects.get(mailbox=person.mailbox, stream="events")
    Mailbox.objects.filter(pk=person.mailbox.pk).update(suspended=True, suspended_reason="on leave")

    page = resync(support, person, pair)

    assert "The mailbox is suspended (on leave): resume it first." in page
    assert ResyncRequest.objects.get().state == ResyncState.REFUSED
    assert not SyncIssue.objects.filter(mailbox=person.mailbox).exists()
