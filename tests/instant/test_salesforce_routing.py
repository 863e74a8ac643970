"""Which mailboxes a batch of Salesforce change events wakes, read without a stream: pairs first,
owners named by the events next, and Salesforce asked only about what neither places."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from connectors.salesforce.pubsub import ChangeEvent
from instant.models import InstantSettings
from instant.services.salesforce_changes import route
from syncengine.models import ItemPair
from tests.support.people import Person

pytestmark = pytest.mark.django_db

EVENT_18 = "00U000000000001AAA"


class LookUps:
    def __init__(self, answers: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
        self.asked: list[tuple[str, tuple[str, ...]]] = []
        self.answers = answers or {}

    def __call__(self, entity: str, fields: Sequence[str], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.asked.append((entity, tuple(ids)))
        return self.answers.get(entity, {})


def _change(entity: str, change: str, ids: Sequence[str], **values: Any) -> ChangeEvent:
    return ChangeEvent(entity, change, tuple(ids), "", "005x", (), dict(values))


def _route(person: Person, events: list[ChangeEvent], look_up: LookUps) -> set[int]:
    chosen = InstantSettings(organization=person.organization)
    return route(
        person.organization.pk, events, chosen=chosen, client_name="mailsync", look_up=look_up
    ).mailbox_ids


def test_it_finds_a_paired_record_by_its_pair_without_asking_salesforce(person: Person) -> None:
    ItemPair.objects.create(
        mailbox=person.mailbox, stream="events", sync_key="k1", crm_object="Event", crm_id=EVENT_18[:15]
    )
    look_up = LookUps()

    assert _route(person, [_change("Event", "UPDATE", [EVENT_18])], look_up) == {person.mailbox.pk}
    assert look_up.asked == []  # 15 characters held, 18 in the event: the pair is found all the same


def test_it_places_an_unpaired_update_by_asking_whose_record_it_is(person: Person) -> None:
    look_up = LookUps({"Event": {EVENT_18: {"OwnerId": person.sf_user_id}}})

    assert _route(person, [_change("Event", "UPDATE", [EVENT_18])], look_up) == {person.mailbox.pk}
    assert look_up.asked == [("Event", (EVENT_18,))]


def test_it_places_an_invitation_by_its_invitee_and_its_events_mailboxes(
    person: Person, make_person: Any
) -> None:
    organiser = make_person("olive", organization=person.organization)
    ItemPair.objects.create(
        mailbox=organiser.mailbox, stream="events", sync_key="k2", crm_object="Event", crm_id=EVENT_18
    )
    look_up = LookUps()
    relation = _change(
        "EventRelation", "CREATE", ["0RE000000000001AAA"], EventId=EVENT_18, RelationId=person.sf_user_id
    )

    assert _route(person, [relation], look_up) == {person.mailbox.pk, organiser.mailbox.pk}
    assert look_up.asked == []


def test_it_leaves_alone_objects_the_engine_does_not_sync(person: Person) -> None:
    look_up = LookUps()

    assert _route(person, [_change("Opportunity", "UPDATE", ["006000000000001AAA"])], look_up) == set()
    assert look_up.asked == []
