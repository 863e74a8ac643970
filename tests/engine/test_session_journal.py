"""Each session files what it did to each item in its journal: by name, with both sides' ids, the
fields written and a failed write's answer."""

from __future__ import annotations

import pytest

from syncengine.core import journal
from syncengine.models import JournalEntry
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def test_it_journals_a_create_and_a_later_update_by_name_with_both_ids(person: Person):
    created = person.outlook.create_event(**event_body("Demo", in_days(2), in_days(2, 11)))
    first = session_run(mailbox_id=person.mailbox.pk)
    person.outlook.update_event(created["id"], **event_body("Demo (moved)", in_days(3), in_days(3, 11)))
    second = session_run(mailbox_id=person.mailbox.pk)

    [event] = synced_events(person)
    [made] = JournalEntry.objects.filter(session=first)
    assert (made.stream, made.what, made.item_label) == ("events", journal.CREATED_IN_CRM, "Demo")
    assert (made.mail_id, made.crm_object, made.crm_id) == (created["id"], "Event", event["Id"])
    assert "subject" in made.fields
    [moved] = JournalEntry.objects.filter(session=second)
    assert (moved.what, moved.item_label, moved.crm_id) == (
        journal.UPDATED_IN_CRM,
        "Demo (moved)",
        event["Id"],
    )
    assert {"subject", "start"} <= set(moved.fields)


def test_it_journals_nothing_for_a_session_that_changed_nothing(person: Person):
    person.outlook.create_event(**event_body("Quiet", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)

    quiet = session_run(mailbox_id=person.mailbox.pk)

    assert not JournalEntry.objects.filter(session=quiet).exists()


def test_it_journals_a_failed_write_with_the_providers_answer(person: Person, sandboxes):
    sandboxes[0].app.add_field(person.sf_org_id, "Event", "Region__c", "string", length=40, required=True)
    person.outlook.create_event(**event_body("Kickoff", in_days(1), in_days(1, 11)))

    session = session_run(mailbox_id=person.mailbox.pk)

    [entry] = JournalEntry.objects.filter(session=session)
    assert entry.what == journal.FAILED and entry.details == {"meant": journal.CREATED_IN_CRM}
    assert entry.item_label == "Kickoff" and entry.message.startswith("REQUIRED_FIELD_MISSING: ")


def test_it_explains_why_a_private_item_was_not_saved(person: Person):
    made = person.outlook.create_event(
        **event_body("Dentist", in_days(1), in_days(1, 11), sensitivity="private")
    )

    session = session_run(mailbox_id=person.mailbox.pk)

    assert synced_events(person) == []
    [entry] = JournalEntry.objects.filter(session=session)
    assert (entry.what, entry.item_label, entry.mail_id) == (journal.LEFT_OUT, "Dentist", made["id"])
    assert entry.details == {"why": "private"} and "private" in entry.message
