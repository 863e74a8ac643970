"""Who owns a meeting's Event: the organizer's mailbox whenever the organizer is a synced user of the
org, whichever attendee's mailbox saved the meeting first. An attendee deleting their copy only lets
go of it and of their relation; the organizer deleting the meeting deletes the Event."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.base import SandboxServer
from syncengine.models import ItemPair, Provider, SyncIssue, SyncSettings
from syncengine.selectors import synced_users
from syncengine.services.mailboxes import mailbox_suspend
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.people import Person, event_body
from tests.support.providers import GOOGLE_CLIENT

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def run(person: Person):
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome in ("succeeded", "partial"), session and session.error
    return session


def attendee(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address}, "type": "required"}


@pytest.fixture
def on_google(settings: Any, make_person: Callable[..., Person], google_server: SandboxServer):
    """Make a rep whose mailbox is Google Calendar, in a given organization."""
    settings.GOOGLE_API_URL = google_server.url
    settings.GOOGLE_TOKEN_URL = f"{google_server.url}/token"
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = GOOGLE_CLIENT
    google_server.app.register_client(*GOOGLE_CLIENT)

    def make(name: str, organization: Any) -> Person:
        person = make_person(f"{name}{next(_numbers)}", organization=organization)
        user = google_server.app.create_user(person.mailbox.address, name.title(), "UTC")
        person.mailbox.provider = Provider.GOOGLE
        person.mailbox.provider_account = {"email": person.mailbox.address}
        person.mailbox.credentials = {
            "refresh_token": google_server.app.issue_refresh_token(user["id"], GOOGLE_CLIENT[0])
        }
        person.mailbox.save()
        return person

    return make


def events(sf_app, person: Person) -> list[dict[str, Any]]:
    return sf_app.records(person.sf_org_id, "Event")


def relations(sf_app, person: Person, event_id: str) -> dict[str, bool]:
    """RelationId -> IsInvitee of the Event's relations."""
    return {
        r["RelationId"]: r["IsInvitee"]
        for r in sf_app.records(person.sf_org_id, "EventRelation")
        if r["EventId"] == event_id
    }


def pair_of(person: Person) -> ItemPair:
    return ItemPair.objects.get(mailbox=person.mailbox, stream="events")


def google_meeting(google_server: SandboxServer, organizer: Person, guest: Person, subject: str) -> dict:
    return google_server.app.create_event(
        organizer.mailbox.address,
        {
            "summary": subject,
            "start": {"dateTime": in_days(2, 14) + "Z"},
            "end": {"dateTime": in_days(2, 15) + "Z"},
            "attendees": [{"email": guest.mailbox.address, "responseStatus": "accepted"}],
        },
    )


def invitation(graph_server: SandboxServer, guest: Person, organizer: Person, meeting: dict, subject: str):
    """The meeting arrives in the guest's Outlook with the organizer's iCalUID, and is accepted."""
    copy = graph_server.app.receive_invitation(
        guest.tenant_id,
        guest.graph_user_id,
        event_body(subject, in_days(2, 14), in_days(2, 15), attendees=[attendee(guest.mailbox.address)]),
        {"name": "Organizer", "address": organizer.mailbox.address},
        ical_uid=meeting["iCalUID"],
    )
    guest.outlook.call("POST", f"/me/events/{copy['id']}/accept", {"sendResponse": False})
    return copy


def outlook_meeting(
    graph_server: SandboxServer, alice: Person, bob: Person, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """alice's Outlook meeting "Globex renewal" with bob and a customer, and its copy arriving in bob's
    Outlook with her iCalUId (not answered yet); ``extra`` goes on alice's event only."""
    people = [attendee(bob.mailbox.address), attendee("ana@globex.example")]
    meeting = alice.outlook.create_event(
        **event_body("Globex renewal", in_days(2, 14), in_days(2, 15), attendees=people, **extra)
    )
    copy = graph_server.app.receive_invitation(
        bob.tenant_id,
        bob.graph_user_id,
        event_body("Globex renewal", in_days(2, 14), in_days(2, 15), attendees=people),
        {"name": "Alice", "address": alice.mailbox.address},
        ical_uid=meeting["iCalUId"],
    )
    return meeting, copy


@pytest.fixture
def gina_invites_bob(
    make_person: Callable[..., Person],
    on_google: Callable[..., Person],
    sandboxes: Any,
    google_server: SandboxServer,
) -> tuple[Person, Person, dict]:
    """bob on Outlook and gina on Google Calendar, in one organization: gina's meeting "Globex renewal"
    arrives in bob's Outlook and he accepts it. bob, gina and bob's copy."""
    _, graph_server = sandboxes
    bob = make_person("bob")
    gina = on_google("gina", bob.organization)
    # Only colleagues meet: the org saves meetings with no Contact or Lead in them.
    SyncSettings.objects.update_or_create(
        organization=bob.organization, defaults={"save_meetings_without_people": True}
    )
    meeting = google_meeting(google_server, gina, bob, "Globex renewal")
    return bob, gina, invitation(graph_server, bob, gina, meeting, "Globex renewal")


def test_it_moves_ownership_to_the_organizers_mailbox_when_it_first_sees_the_meeting(
    gina_invites_bob: tuple[Person, Person, dict], sandboxes
):
    sf_server, _ = sandboxes
    bob, gina, _ = gina_invites_bob

    run(bob)  # the attendee's mailbox saves it first: the Event is bob's for now
    [event] = events(sf_server.app, bob)
    assert event["OwnerId"] == bob.sf_user_id
    session = run(gina)

    [event] = events(sf_server.app, bob)
    assert event["OwnerId"] == gina.sf_user_id, "the organizer's Salesforce user owns the meeting"
    assert session.counts["events"]["pairs"] == {"ownership_moved": 1}
    assert (pair_of(gina).crm_id, pair_of(gina).origin) == (event["Id"], "mail")
    assert relations(sf_server.app, bob, event["Id"]) == {bob.sf_user_id: True}, "bob attends, as invitee"
    assert run(gina).counts["events"] == {} and run(bob).counts["events"] == {}, "quiet afterwards"


def test_it_keeps_the_event_when_an_attendee_deletes_their_copy(
    gina_invites_bob: tuple[Person, Person, dict], sandboxes
):
    sf_server, _ = sandboxes
    bob, gina, copy = gina_invites_bob
    run(bob)  # bob's mailbox saved the meeting first (gina's has not synced yet)
    [event] = events(sf_server.app, bob)

    bob.outlook.delete_event(copy["id"])
    session = run(bob)

    assert [e["Id"] for e in events(sf_server.app, bob)] == [event["Id"]], "the meeting still stands"
    assert session.counts["events"]["pairs"] == {"let_go": 1}
    bob.salesforce.Event.update(event["Id"], {"Description": "Agenda attached"})
    run(bob)
    assert bob.outlook.call("GET", "/me/events")["value"] == [], "bob's copy does not come back"

    run(gina)  # the organizer's mailbox sees it: it takes the Event over
    [after] = events(sf_server.app, bob)
    assert (after["Id"], after["OwnerId"]) == (event["Id"], gina.sf_user_id)


def test_it_lets_go_of_only_the_attendees_relation_when_they_delete_their_copy(make_person, sandboxes):
    sf_server, graph_server = sandboxes
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    customer = alice.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})["id"]
    _, copy = outlook_meeting(graph_server, alice, bob)
    bob.outlook.call("POST", f"/me/events/{copy['id']}/accept", {"sendResponse": False})
    run(bob)
    run(alice)
    [event] = events(sf_server.app, alice)
    assert relations(sf_server.app, alice, event["Id"]) == {customer: False, bob.sf_user_id: True}

    bob.outlook.delete_event(copy["id"])
    run(bob)

    [after] = events(sf_server.app, alice)
    assert (after["Id"], after["OwnerId"]) == (event["Id"], alice.sf_user_id)
    assert relations(sf_server.app, alice, event["Id"]) == {customer: False}, "only bob's relation went"
    assert not ItemPair.objects.filter(mailbox=bob.mailbox).exists()


def test_it_deletes_the_event_when_the_organizer_deletes_the_meeting(make_person, sandboxes):
    sf_server, graph_server = sandboxes
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    alice.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    meeting, copy = outlook_meeting(graph_server, alice, bob)
    bob.outlook.call("POST", f"/me/events/{copy['id']}/accept", {"sendResponse": False})
    run(bob)  # bob saved first; alice's mailbox takes it over
    run(alice)

    alice.outlook.delete_event(meeting["id"])  # the organizer cancels the meeting
    session = run(alice)

    assert events(sf_server.app, alice) == []
    assert session.counts["events"]["to_crm"] == {"deleted": 1}
    bob.outlook.delete_event(copy["id"])  # the cancellation reaches bob's calendar
    run(bob)
    assert not ItemPair.objects.filter(mailbox=bob.mailbox).exists(), "bob's copy is let go, no marker left"


def test_it_waits_for_the_organizer_before_saving_an_unanswered_invitation(make_person, sandboxes):
    """The reference's ISE-013: with unanswered invitations not saved (the org's setting), one the
    attendee tags anyway waits until its organizer's mailbox has saved the meeting."""
    sf_server, graph_server = sandboxes
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    alice.mailbox.autosave_meetings = False  # alice's mailbox does not save it yet
    alice.mailbox.save()
    meeting, copy = outlook_meeting(graph_server, alice, bob, categories=["Blue"])
    bob.outlook.update_event(copy["id"], categories=["Salesforce"])  # unanswered, tagged by bob

    run(alice)
    first = run(bob)

    assert events(sf_server.app, bob) == []
    issue = SyncIssue.objects.get(mailbox=bob.mailbox, code="AWAITS_ORGANIZER")
    assert "ISE-013" in issue.message and not issue.resolved
    assert first.counts["events"]["to_crm"] == {"waiting": 1}

    alice.outlook.update_event(meeting["id"], categories=["Salesforce"])  # alice saves it now
    run(alice)
    later = run(bob)

    [event] = events(sf_server.app, bob)
    assert event["OwnerId"] == alice.sf_user_id
    assert later.counts["events"]["to_crm"] == {"joined": 1}
    assert pair_of(bob).crm_id == event["Id"]
    issue.refresh_from_db()
    assert issue.resolved, "the waiting issue closes once the meeting is saved"


def test_it_counts_as_synced_users_only_members_whose_mailbox_syncs(make_person):
    alice = make_person("alice")
    bob = make_person("bob", organization=alice.organization)
    cy = make_person("cy", organization=alice.organization)
    outsider = make_person("dee")  # another organization
    bob.connection.delete()  # no Salesforce: bob's mailbox cannot sync
    mailbox_suspend(mailbox=cy.mailbox, reason="on leave")  # cy stopped it

    def synced() -> set[str]:
        people = [p.mailbox.address.upper() for p in (alice, bob, cy, outsider)]
        return set(synced_users(organization_id=alice.organization.pk, addresses=people))

    assert synced() == {alice.mailbox.address.lower()}
    mailbox_suspend(mailbox=alice.mailbox, reason="consent revoked", automatic=True, code="MAIL_AUTH_REVOKED")
    assert synced() == {alice.mailbox.address.lower()}, "a lost sign-in comes back with a reconnect"
