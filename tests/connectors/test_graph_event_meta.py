"""What a Graph event tells the scope rules, besides its synced fields (pure)."""

from __future__ import annotations

from connectors.graph.events import scope_meta
from syncengine.core.scope import Decision, EventScope, event_decision


def test_it_tells_rooms_apart_from_the_people_attending():
    event = {
        "attendees": [
            {"emailAddress": {"address": "ana@globex.example"}, "type": "required"},
            {"emailAddress": {"address": "room-4@org.example"}, "type": "resource"},
        ],
        "isOrganizer": True,
    }

    meta = scope_meta(event)

    assert meta["attendees"] == ["ana@globex.example"]
    assert meta["resources"] == ["room-4@org.example"]


def test_it_treats_an_item_with_only_a_room_booked_as_an_appointment():
    event = {"attendees": [{"emailAddress": {"address": "room-4@org.example"}, "type": "resource"}]}
    no_appointments = EventScope(autosave_appointments=False)

    assert event_decision(scope_meta(event), no_appointments) is Decision.SKIP
    assert event_decision(scope_meta(event), EventScope()) is Decision.SAVE
