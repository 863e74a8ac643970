"""A failed item is retried as it is now, and a halted wave of deletions waits for a person's decision."""

from __future__ import annotations

import pytest

from mapping.defaults import default_rows
from mapping.models import FieldMapping
from syncengine.models import HeldDecision, HeldDeletion, ItemPair, Outcome, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.people import SYNC_KEY_FIELD, Person, event_body

pytestmark = pytest.mark.django_db


def events_table(person: Person, location_to: str, direction: str) -> None:
    """The org's events table: the defaults, with the location row pointing at another field."""
    FieldMapping.objects.filter(organization=person.organization, stream="events").delete()
    for position, row in enumerate(default_rows("events")):
        mapped = row.mail_field == "location"
        FieldMapping.objects.create(
            organization=person.organization,
            stream="events",
            mail_field=row.mail_field,
            crm_field=location_to if mapped else row.crm_field,
            direction=direction if mapped else row.direction,
            converter=row.converter,
            position=position,
        )


def test_it_retries_a_failed_item_with_the_mapping_fixed_meanwhile(person: Person, sandboxes):
    sf_server, _ = sandboxes
    sf_server.app.add_field(person.sf_org_id, "Event", "Region__c", "string", length=40, required=True)
    # The admin's table sends the location nowhere (a mistake): Region__c stays empty, creates fail.
    events_table(person, "Region__c", "to_mail")
    person.outlook.create_event(
        **event_body("Kickoff", in_days(1), in_days(1, 11), location={"displayName": "Berlin"})
    )
    failed = session_run(mailbox_id=person.mailbox.pk)
    assert failed is not None and failed.counts["events"]["to_crm"] == {"failed": 1}
    [issue] = SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False)
    assert issue.code == "REQUIRED_FIELD_MISSING"

    events_table(person, "Region__c", "both")  # the admin fixes the table; nobody edits the item
    retried = session_run(mailbox_id=person.mailbox.pk)

    assert retried is not None and retried.outcome == Outcome.SUCCEEDED, retried.counts
    [record] = person.salesforce.query_all(
        f"SELECT Subject, Region__c FROM Event WHERE {SYNC_KEY_FIELD} != null"
    )["records"]
    assert (record["Subject"], record["Region__c"]) == ("Kickoff", "Berlin")
    assert not SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False).exists()


def wave(person: Person, count: int) -> list[dict]:
    made = [
        person.outlook.create_event(**event_body(f"Call {i}", in_days(1 + i % 7), in_days(1 + i % 7, 11)))
        for i in range(count)
    ]
    session_run(mailbox_id=person.mailbox.pk)
    assert len(synced_events(person)) == count
    return made


def held_mass_delete(person: Person) -> list[dict]:
    """24 synced events, 15 of them then deleted in Outlook: the next session holds the deletions."""
    made = wave(person, 24)
    for event in made[:15]:
        person.outlook.delete_event(event["id"])
    session_run(mailbox_id=person.mailbox.pk)
    return made


def test_it_keeps_a_halted_mass_delete_waiting_across_sessions(person: Person):
    made = wave(person, 24)
    for event in made[:15]:  # more than half and more than ten: the guard stops it
        person.outlook.delete_event(event["id"])

    halted = session_run(mailbox_id=person.mailbox.pk)
    later = session_run(mailbox_id=person.mailbox.pk)

    assert halted is not None and halted.outcome == Outcome.HALTED
    assert later is not None and later.outcome == Outcome.HALTED  # not "succeeded": still waiting
    assert later.counts["events"]["held"] == {"deletions": 15}
    assert len(synced_events(person)) == 24  # nothing deleted
    assert HeldDeletion.objects.filter(mailbox=person.mailbox, stream="events", side="crm").count() == 15
    issue = SyncIssue.objects.get(mailbox=person.mailbox, code="MASS_DELETE_HALTED", resolved=False)
    assert "confirm" in issue.message and "restore" in issue.message


def test_it_deletes_the_held_items_once_the_owner_confirms(person: Person):
    made = held_mass_delete(person)

    from syncengine.services.held import deletions_decide

    decided, _ = deletions_decide(
        mailbox=person.mailbox, stream="events", decision=HeldDecision.CONFIRM, user=person.user
    )
    after = session_run(mailbox_id=person.mailbox.pk)

    assert decided == 15
    assert after is not None and after.outcome == Outcome.SUCCEEDED, after.counts
    assert after.counts["events"]["to_crm"]["deleted"] == 15
    assert sorted(e["Subject"] for e in synced_events(person)) == sorted(e["subject"] for e in made[15:])
    assert not HeldDeletion.objects.filter(mailbox=person.mailbox).exists()
    assert not SyncIssue.objects.filter(mailbox=person.mailbox, resolved=False).exists()
    assert ItemPair.objects.filter(mailbox=person.mailbox, stream="events").count() == 9


def test_it_restores_the_held_items_in_the_mailbox_that_lost_them(person: Person, sandboxes):
    _, graph_server = sandboxes
    made = held_mass_delete(person)

    from syncengine.services.held import deletions_decide

    deletions_decide(mailbox=person.mailbox, stream="events", decision=HeldDecision.RESTORE, user=person.user)
    after = session_run(mailbox_id=person.mailbox.pk)
    quiet = session_run(mailbox_id=person.mailbox.pk)

    assert after is not None and after.counts["events"]["to_mail"]["created"] == 15, after.counts
    subjects = sorted(e["subject"] for e in graph_server.app.events(person.tenant_id, person.graph_user_id))
    assert subjects == sorted(e["subject"] for e in made)
    assert len(synced_events(person)) == 24  # Salesforce kept everything
    assert not HeldDeletion.objects.filter(mailbox=person.mailbox).exists()
    assert quiet is not None and quiet.outcome == Outcome.SUCCEEDED, quiet.counts


def test_it_restores_each_held_item_once_when_the_worker_dies_after_the_restore(person: Person, sandboxes):
    from connectors.graph.connector import GraphConnector
    from syncengine.services.held import deletions_decide
    from tests.support.machine import WorkerKilled, killed_at_mailbox_create

    _, graph_server = sandboxes
    made = held_mass_delete(person)
    deletions_decide(mailbox=person.mailbox, stream="events", decision=HeldDecision.RESTORE, user=person.user)

    with killed_at_mailbox_create(GraphConnector, "events", after=True), pytest.raises(WorkerKilled):
        session_run(mailbox_id=person.mailbox.pk)  # the 15 are back in Outlook; nothing committed
    after = session_run(mailbox_id=person.mailbox.pk)
    quiet = session_run(mailbox_id=person.mailbox.pk)

    subjects = sorted(e["subject"] for e in graph_server.app.events(person.tenant_id, person.graph_user_id))
    assert subjects == sorted(e["subject"] for e in made), "each held item restored once"
    assert after is not None and after.counts["events"]["pairs"] == {"resumed": 15}, after.counts
    assert len(synced_events(person)) == 24
    assert not HeldDeletion.objects.filter(mailbox=person.mailbox).exists()
    assert quiet is not None and quiet.outcome == Outcome.SUCCEEDED, quiet.counts
