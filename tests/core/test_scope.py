"""Which calendar items are saved: the auto-save patterns, directly."""

from __future__ import annotations

from typing import Any

from syncengine.core import scope
from syncengine.core.scope import Decision, EventScope, event_decision

DEFAULT = EventScope(internal_domains=frozenset({"acme.example"}))


def meta(**overrides: Any) -> dict[str, Any]:
    base = {
        "categories": [],
        "sensitivity": "normal",
        "attendees": [],
        "organizer": "me@acme.example",
        "response": "organizer",
    }
    base.update(overrides)
    return base


def test_it_saves_an_appointment():
    assert event_decision(meta(), DEFAULT) is Decision.SAVE


def test_it_does_not_autosave_a_private_item_but_saves_it_when_categorised():
    assert event_decision(meta(sensitivity="private"), DEFAULT) is Decision.SKIP
    assert event_decision(meta(sensitivity="private", categories=["salesforce"]), DEFAULT) is Decision.SAVE


def test_it_unsyncs_on_the_unsync_category_even_with_the_salesforce_category():
    assert event_decision(meta(categories=["Salesforce", "Salesforce Unsync"]), DEFAULT) is Decision.UNSYNC


def test_it_saves_an_accepted_external_meeting_and_skips_an_unanswered_one():
    accepted = meta(attendees=["ana@globex.example"], organizer="ana@globex.example", response="accepted")
    assert event_decision(accepted, DEFAULT) is Decision.SAVE
    unanswered = {**accepted, "response": "notResponded"}
    assert event_decision(unanswered, DEFAULT) is Decision.SKIP
    assert event_decision(unanswered, EventScope(save_unresponded_invitations=True)) is Decision.SAVE


def test_it_skips_internal_meetings_unless_the_org_saves_them():
    internal = meta(attendees=["bob@acme.example"])
    assert event_decision(internal, DEFAULT) is Decision.SKIP
    with_internal = EventScope(internal_domains=frozenset({"acme.example"}), save_internal_meetings=True)
    assert event_decision(internal, with_internal) is Decision.SAVE
    assert (
        event_decision(meta(attendees=["bob@acme.example", "ana@globex.example"]), DEFAULT) is Decision.SAVE
    )


def test_it_follows_the_users_toggles():
    assert event_decision(meta(), EventScope(autosave_appointments=False)) is Decision.SKIP
    meeting = meta(attendees=["ana@globex.example"])
    assert event_decision(meeting, EventScope(autosave_meetings=False)) is Decision.SKIP


def test_it_names_why_auto_saving_leaves_an_item_out():
    internal = EventScope(internal_domains=frozenset({"acme.example"}))
    colleague = meta(attendees=["bob@acme.example"], organizer="me@acme.example", response="organizer")
    cases = {
        scope.PRIVATE: (meta(sensitivity="private"), DEFAULT),
        scope.APPOINTMENTS_OFF: (meta(attendees=[]), EventScope(autosave_appointments=False)),
        scope.MEETINGS_OFF: (meta(attendees=["x@client.example"]), EventScope(autosave_meetings=False)),
        scope.NOT_ANSWERED: (meta(attendees=["x@client.example"], response="none"), DEFAULT),
        scope.INTERNAL_MEETING: (colleague, internal),
        scope.FOREIGN_CATEGORY: (
            meta(categories=["Opportunity"]),
            EventScope(foreign_categories=frozenset({"Opportunity"})),
        ),
    }
    for why, (item, rules) in cases.items():
        assert scope.skip_reason(item, rules) == why, why
        assert event_decision(item, rules) is Decision.SKIP, why
        assert scope.LEFT_OUT_WHY[why]
    assert scope.skip_reason(meta(), DEFAULT) == ""
