"""What a calendar item tells the scope rules and the attendees step, besides its synced fields (pure):
Graph's, Google's and Exchange's."""

from __future__ import annotations

from exchangelib import Attendee, CalendarItem
from exchangelib import Mailbox as EwsMailbox

from connectors.ews.events import scope_meta as ews_scope_meta
from connectors.google.events import scope_meta as google_scope_meta
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


def test_it_keeps_the_names_the_invitation_gives_its_people():
    event = {
        "attendees": [
            {"emailAddress": {"address": "Ana@Globex.example", "name": "Ana Ito"}, "type": "required"}
        ],
        "organizer": {"emailAddress": {"address": "omar@fabrikam.example", "name": "Omar Haddad"}},
    }

    assert scope_meta(event)["names"] == {
        "ana@globex.example": "Ana Ito",
        "omar@fabrikam.example": "Omar Haddad",
    }


def test_it_keeps_the_names_of_a_google_invitations_people():
    event = {
        "attendees": [
            {"email": "ana@globex.example", "displayName": "Ana Ito"},
            {"email": "room@resource.calendar.google.com", "displayName": "Room 4", "resource": True},
        ],
        "organizer": {"email": "omar@fabrikam.example", "displayName": "Omar Haddad"},
    }

    meta = google_scope_meta(event)

    assert meta["names"] == {"ana@globex.example": "Ana Ito", "omar@fabrikam.example": "Omar Haddad"}
    assert meta["attendees"] == ["ana@globex.example"]


def test_it_tells_an_exchange_rooms_apart_from_its_people_and_keeps_their_names():
    item = CalendarItem(
        subject="Pilot plan",
        required_attendees=[Attendee(mailbox=EwsMailbox(email_address="ana@globex.example", name="Ana Ito"))],
        resources=[Attendee(mailbox=EwsMailbox(email_address="room-4@org.example", name="Room 4"))],
        organizer=EwsMailbox(email_address="omar@fabrikam.example", name="Omar Haddad"),
    )

    meta = ews_scope_meta(item)

    assert (meta["attendees"], meta["resources"]) == (["ana@globex.example"], ["room-4@org.example"])
    assert meta["names"] == {"ana@globex.example": "Ana Ito", "omar@fabrikam.example": "Omar Haddad"}
