"""What gets saved from the calendar, end to end: categories, private items, invitations, unsync."""

from __future__ import annotations

import pytest

from sandbox.base import SandboxServer
from syncengine.models import ItemPair, Mailbox, SyncSettings
from syncengine.services.sessions import session_run
from syncengine.services.streams import sync_settings_for
from tests.support.calendar import in_days, salesforce_event, synced_events
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def run(person: Person):
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome in ("succeeded", "partial"), session and session.error
    return session


def subjects(person: Person) -> list[str]:
    return sorted(e["Subject"] for e in synced_events(person))


def test_it_gives_saved_items_the_salesforce_category_and_puts_it_back(person: Person):
    created = person.outlook.create_event(**event_body("Pipeline review", in_days(1), in_days(1, 11)))
    run(person)
    assert person.outlook.get_event(created["id"])["categories"] == ["Salesforce"]

    person.outlook.update_event(created["id"], categories=[])  # the user removes the category
    run(person)

    assert person.outlook.get_event(created["id"])["categories"] == ["Salesforce"]
    assert subjects(person) == ["Pipeline review"]  # still synced


def test_it_saves_private_items_only_with_the_category(person: Person):
    person.outlook.create_event(**event_body("Dentist", in_days(1), in_days(1, 11), sensitivity="private"))
    person.outlook.create_event(
        **event_body(
            "Private deal", in_days(2), in_days(2, 11), sensitivity="private", categories=["Salesforce"]
        )
    )

    run(person)

    assert subjects(person) == ["Private deal"]


def invited(graph_server: SandboxServer, person: Person, subject: str, organizer: dict[str, str]) -> dict:
    """A meeting from someone outside arrives in the person's Outlook, in three days, not answered."""
    return graph_server.app.receive_invitation(
        person.tenant_id,
        person.graph_user_id,
        event_body(
            subject,
            in_days(3),
            in_days(3, 11),
            attendees=[{"emailAddress": {"address": person.mailbox.address}, "type": "required"}],
        ),
        organizer,
    )


def test_it_saves_an_invitation_once_the_user_accepts_it(person: Person, sandboxes):
    _, graph_server = sandboxes
    ana = {"name": "Ana Ito", "address": "ana@globex.example"}
    person.salesforce.Contact.create({"LastName": "Ito", "Email": ana["address"]})
    invitation = invited(graph_server, person, "Globex kickoff", ana)
    run(person)
    assert subjects(person) == []  # not answered yet

    person.outlook.call("POST", f"/me/events/{invitation['id']}/accept", {"sendResponse": False})
    run(person)

    assert subjects(person) == ["Globex kickoff"]


def test_it_saves_unanswered_invitations_when_the_org_says_so(person: Person, sandboxes):
    _, graph_server = sandboxes
    SyncSettings.objects.update_or_create(
        organization=person.organization, defaults={"save_unresponded_invitations": True}
    )
    person.salesforce.Lead.create({"LastName": "Park", "Company": "Initech", "Email": "dev@initech.example"})
    invited(graph_server, person, "Initech intro", {"name": "Dev Park", "address": "dev@initech.example"})

    run(person)

    assert subjects(person) == ["Initech intro"]


def test_it_removes_an_item_from_salesforce_with_the_unsync_category_and_keeps_it_in_outlook(person: Person):
    created = person.outlook.create_event(**event_body("Saved by mistake", in_days(1), in_days(1, 11)))
    run(person)
    assert subjects(person) == ["Saved by mistake"]

    person.outlook.update_event(created["id"], categories=["Salesforce", "Salesforce Unsync"])
    session = run(person)

    assert session.counts["events"]["to_crm"] == {"deleted": 1}
    assert subjects(person) == []
    assert person.outlook.get_event(created["id"])["subject"] == "Saved by mistake"
    run(person)  # and it is not saved again
    assert subjects(person) == []


def test_it_skips_internal_meetings_and_follows_the_users_appointment_toggle(person: Person):
    SyncSettings.objects.update_or_create(
        organization=person.organization,
        defaults={"internal_domains": "acme.example, " + person.mailbox.address.split("@")[1]},
    )
    Mailbox.objects.filter(pk=person.mailbox.pk).update(autosave_appointments=False)
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    person.outlook.create_event(
        **event_body(
            "Team sync",
            in_days(1),
            in_days(1, 11),
            attendees=[{"emailAddress": {"address": "bob@acme.example"}, "type": "required"}],
        )
    )
    person.outlook.create_event(**event_body("Focus time", in_days(2), in_days(2, 11)))
    person.outlook.create_event(
        **event_body(
            "Acme x Globex",
            in_days(3),
            in_days(3, 11),
            attendees=[{"emailAddress": {"address": "ana@globex.example"}, "type": "required"}],
        )
    )

    run(person)

    assert subjects(person) == ["Acme x Globex"]


def test_it_saves_each_occurrence_of_a_series_inside_the_window_as_its_own_event(person: Person):
    start = in_days(1, 9)
    person.outlook.create_event(
        **event_body("Weekly pipeline", start, in_days(1, 10)),
        recurrence={
            "pattern": {"type": "daily", "interval": 7},
            "range": {"type": "numbered", "startDate": start[:10], "numberOfOccurrences": 4},
        },
    )

    session = run(person)

    assert session.counts["events"]["to_crm"] == {"created": 4}
    events = synced_events(person)
    assert [e["Subject"] for e in events] == ["Weekly pipeline"] * 4
    days = sorted(e["StartDateTime"][:10] for e in events)
    assert days == [in_days(1 + 7 * week, 9)[:10] for week in range(4)]


def weekly_pipeline(person: Person, occurrences: int) -> dict:
    """A series in the person's Outlook: "Weekly pipeline", tomorrow 9 to 10 and every 7 days after."""
    start = in_days(1, 9)
    return person.outlook.create_event(
        **event_body("Weekly pipeline", start, in_days(1, 10)),
        recurrence={
            "pattern": {"type": "daily", "interval": 7},
            "range": {"type": "numbered", "startDate": start[:10], "numberOfOccurrences": occurrences},
        },
    )


def series_occurrences(person: Person, series_id: str) -> list[dict]:
    start, end = in_days(-1, 0) + "Z", in_days(40, 0) + "Z"
    view = person.outlook.call("GET", f"/me/calendarView?startDateTime={start}&endDateTime={end}")["value"]
    return sorted(
        (e for e in view if e.get("seriesMasterId") == series_id), key=lambda e: e["start"]["dateTime"]
    )


def test_it_follows_a_changed_and_a_cancelled_occurrence_of_a_series(person: Person):
    series = weekly_pipeline(person, 3)
    run(person)
    _, second, third = series_occurrences(person, series["id"])

    person.outlook.call(
        "PATCH",
        f"/me/events/{second['id']}",
        {
            "subject": "Pipeline with the CFO",
            "start": {"dateTime": in_days(8, 14), "timeZone": "UTC"},
            "end": {"dateTime": in_days(8, 15), "timeZone": "UTC"},
        },
    )
    person.outlook.call("DELETE", f"/me/events/{third['id']}")
    session = run(person)

    assert session.counts["events"]["to_crm"] == {"updated": 1, "deleted": 1}
    events = synced_events(person)
    assert [(e["Subject"], e["StartDateTime"][:16]) for e in events] == [
        ("Weekly pipeline", in_days(1, 9)[:16]),
        ("Pipeline with the CFO", in_days(8, 14)[:16]),
    ]


def test_it_changes_one_occurrence_in_outlook_when_its_salesforce_event_is_edited(person: Person):
    series = weekly_pipeline(person, 2)
    run(person)
    later = next(e for e in synced_events(person) if e["StartDateTime"].startswith(in_days(8, 9)[:10]))

    person.salesforce.Event.update(later["Id"], {"Location": "Board room"})
    session = run(person)

    assert session.counts["events"]["to_mail"] == {"updated": 1}
    first, second = series_occurrences(person, series["id"])
    assert (first["type"], first["location"]["displayName"]) == ("occurrence", "")
    assert (second["type"], second["location"]["displayName"]) == ("exception", "Board room")


def test_it_saves_an_all_day_event_as_a_day_and_a_length_and_keeps_it_all_day_both_ways(person: Person):
    first_day = in_days(3, 0)[:10]
    after = in_days(5, 0)[:10]
    made = person.outlook.create_event(
        **event_body("Trade show", f"{first_day}T00:00:00", f"{after}T00:00:00"), isAllDay=True
    )
    run(person)

    soql = "SELECT Id, Subject, IsAllDayEvent, ActivityDate, DurationInMinutes FROM Event"
    [event] = person.salesforce.query_all(soql)["records"]
    assert (event["IsAllDayEvent"], event["ActivityDate"], event["DurationInMinutes"]) == (
        True,
        first_day,
        2880,
    )
    quiet = run(person)
    assert quiet.counts.get("events", {}) == {}, "an all-day event reads back unchanged"

    person.salesforce.Event.update(event["Id"], {"DurationInMinutes": 1440})  # shortened to one day
    run(person)

    item = person.outlook.get_event(made["id"])
    assert item["isAllDay"] is True
    assert item["start"]["dateTime"].startswith(f"{first_day}T00:00:00")
    assert item["end"]["dateTime"].startswith(f"{in_days(4, 0)[:10]}T00:00:00")


def test_it_leaves_out_a_salesforce_event_outside_the_window_when_it_is_read_as_a_change(person: Person):
    run(person)  # the first, windowed read is done; later reads are changes of any date
    salesforce_event(person, "Next year's kickoff", 200)

    session = run(person)

    assert "to_mail" not in session.counts.get("events", {})
    view = person.outlook.call(
        "GET", f"/me/calendarView?startDateTime={in_days(190, 0)}Z&endDateTime={in_days(210, 0)}Z"
    )["value"]
    assert view == []


@pytest.fixture
def later(sandboxes):
    """Move the Salesforce sandbox's clock on; put it back afterwards (the server is shared)."""
    moved: list[float] = []

    def move(seconds: float) -> None:
        sandboxes[0].app.advance_clock(seconds)
        moved.append(seconds)

    yield move
    sandboxes[0].app.advance_clock(-sum(moved))


def test_it_brings_down_a_salesforce_event_once_the_window_reaches_it_and_keeps_deletions(
    person: Person, later
):
    sync_settings_for(person.organization)
    SyncSettings.objects.filter(organization=person.organization).update(window_days_ahead=5)
    person.outlook.create_event(**event_body("Soon", in_days(2, 9), in_days(2, 10)))
    run(person)
    [soon] = synced_events(person)
    salesforce_event(person, "Far ahead", 8)
    run(person)  # outside the window: not in the calendar yet
    later(3600)
    salesforce_event(person, "Nearby", 3)
    run(person)  # the cursor moves past "Far ahead": a read of changes alone never sees it again
    later(3600)
    person.salesforce.Event.delete(soon["Id"])

    SyncSettings.objects.filter(organization=person.organization).update(window_days_ahead=10)
    session = run(person)  # the window now reaches it (as the days pass)

    view = person.outlook.call(
        "GET", f"/me/calendarView?startDateTime={in_days(7, 0)}Z&endDateTime={in_days(9, 0)}Z"
    )["value"]
    assert [e["subject"] for e in view] == ["Far ahead"]
    assert session.counts["events"]["to_mail"]["created"] == 1
    assert not ItemPair.objects.filter(crm_id=soon["Id"]).exists(), "the deletion was read with the window"
