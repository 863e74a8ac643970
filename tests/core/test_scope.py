"""Which calendar items are saved: the auto-save patterns, directly."""

from __future__ import annotations

from typing import Any

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
