"""The calendar rules applied to what a stream read, directly: pure data in, changes and facts out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from syncengine.core.calendar import crm_in_window, final_states, past_tombstones, scoped_mail_changes
from syncengine.core.records import ItemChange, PairState
from syncengine.core.scope import EventScope


def item(mail_id: str, **meta: object) -> ItemChange:
    return ItemChange(id=mail_id, values={"subject": mail_id}, label=mail_id, meta=meta)


def scoped(changes, pairs=(), **options):
    return scoped_mail_changes(
        changes,
        list(pairs),
        scope=options.get("scope", EventScope()),
        only_category=options.get("only_category", ""),
        tag_category=options.get("tag_category", True),
        organization_id=3,
    )


def test_it_turns_salesforce_unsync_into_the_deletion_of_a_synced_item_only():
    synced = PairState(sync_key="k1", mail_id="m1", crm_id="00U1")

    result = scoped(
        [item("m1", categories=["Salesforce Unsync"]), item("m2", categories=["Salesforce Unsync"])], [synced]
    )

    assert [(c.id, c.deleted) for c in result.changes] == [("m1", True)]
    assert result.unsynced == 1


def test_it_gives_a_meeting_the_org_wide_key_and_keeps_what_it_knows_of_it():
    invite = item(
        "m1",
        attendees=["rep@acme.example", "buyer@client.example"],
        organizer="buyer@client.example",
        ical_uid="uid-1",
        response="accepted",
        responses={"buyer@client.example": "organizer"},
    )

    result = scoped([invite])

    [change] = result.changes
    assert change.shared_key == "org:3:uid-1"
    facts = result.meetings["m1"]
    assert (facts.organizer, facts.answer) == ("buyer@client.example", "accepted")
    assert facts.attendees == ("rep@acme.example", "buyer@client.example")


def test_it_notes_saved_items_without_the_category_and_the_series_of_an_occurrence():
    occurrence = item("m1", categories=["Red"], series_master_id="series-1")

    result = scoped([occurrence])

    assert result.untagged == {"m1": ["Red"]}
    assert result.series_of == {"m1": "series-1"}


def test_it_keeps_only_its_own_category_for_another_objects_stream():
    result = scoped(
        [item("m1", categories=["Opportunity"]), item("m2")], scope=None, only_category="Opportunity"
    )

    assert [c.id for c in result.changes] == ["m1"]


def test_it_lets_a_tombstoned_item_back_only_when_the_user_tags_it_again():
    quiet = PairState(sync_key="k1", mail_id="m1", tombstone="quiet")
    untagged, tagged = item("m1", categories=[]), item("m1", categories=["Salesforce"])

    assert past_tombstones([untagged], [quiet]) == []
    assert past_tombstones([tagged], [quiet]) == [tagged]
    assert past_tombstones([ItemChange(id="m1", deleted=True)], [quiet])[0].deleted


@dataclass
class Window:
    start: datetime
    end: datetime


def test_it_leaves_an_unpaired_salesforce_record_outside_the_window_for_later():
    window = Window(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    inside = ItemChange(id="a", values={"start": "2026-12-05T10:00:00Z", "end": "2026-12-05T11:00:00Z"})
    outside = ItemChange(id="b", values={"start": "2027-02-05T10:00:00Z", "end": "2027-02-05T11:00:00Z"})
    paired_outside = ItemChange(id="c", values=dict(outside.values))

    kept = crm_in_window([inside, outside, paired_outside], [PairState(sync_key="k", crm_id="c")], window)

    assert [c.id for c in kept] == ["a", "c"]


def test_it_tells_each_pair_as_the_commit_will_store_it():
    one, two = PairState(sync_key="1", mail_id="a"), PairState(sync_key="2", mail_id="b")
    later = PairState(sync_key="1", mail_id="a", crm_id="00U1")

    final = final_states([one, two], [later], ["2"])

    assert final == [later]
