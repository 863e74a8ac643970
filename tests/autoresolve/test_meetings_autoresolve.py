"""Autoresolving in the calendar stream, over the sandboxes: a meeting's attendees no Salesforce record
has become Contacts or Leads, related to its Event in the same session (the organizer's signature read
from the invitation); a meeting with no one to link to is not auto-saved unless the org says so
(SalesforceEventAutoTrackIncludingNotShared), and blocklisted invitees never count."""

from __future__ import annotations

from typing import Any

import pytest

from autoresolve.models import AutoresolveSettings, CreatedRecord
from blocklists.models import OrgBlocklistEntry
from syncengine.models import JournalEntry, SyncSettings
from tests.support.autoresolve import add_people_keys
from tests.support.calendar import in_days, synced_events
from tests.support.people import Person, event_body
from tests.support.sessions import run

pytestmark = pytest.mark.django_db

INVITATION = (
    "<p>Hi all, let us walk through the pilot plan.</p><p>Kind regards,<br>Omar Haddad<br>"
    "VP Operations<br>Fabrikam Logistics GmbH<br>Tel. +49 30 1234567</p>"
)


def attendee(address: str, name: str = "") -> dict[str, Any]:
    return {"emailAddress": {"address": address, "name": name}, "type": "required"}


def autoresolving(person: Person, sf_server: Any, **options: Any) -> None:
    add_people_keys(person, sf_server)
    AutoresolveSettings.objects.update_or_create(organization=person.organization, defaults=options)


def meeting(person: Person, subject: str, *guests: str, **extra: Any) -> dict[str, Any]:
    return person.outlook.create_event(
        **event_body(
            subject, in_days(2, 14), in_days(2, 15), attendees=[attendee(g) for g in guests], **extra
        )
    )


def relations(sf_server: Any, person: Person, event_id: str) -> set[str]:
    rows = sf_server.app.records(person.sf_org_id, "EventRelation")
    return {r["RelationId"] for r in rows if r["EventId"] == event_id}


def test_it_makes_a_contact_for_an_unknown_attendee_and_relates_it_to_the_event(
    person: Person, sf_server: Any
):
    autoresolving(person, sf_server, mode="contacts")
    guest = attendee("priya.raman@contoso-labs.example", "Priya Raman")
    person.outlook.create_event(
        **event_body("Pilot kickoff", in_days(2, 14), in_days(2, 15), attendees=[guest])
    )

    run(person)

    sf = person.salesforce
    (contact,) = sf.query("SELECT Id, FirstName, LastName, Email, AccountId FROM Contact")["records"]
    (account,) = sf.query("SELECT Id, Name, Website FROM Account")["records"]
    (event,) = synced_events(person)
    (who,) = sf.query(f"SELECT WhoId FROM Event WHERE Id = '{event['Id']}'")["records"]
    assert contact["Email"] == "priya.raman@contoso-labs.example"
    assert (contact["FirstName"], contact["LastName"]) == ("Priya", "Raman"), (
        "named as the invitation names her"
    )
    assert (account["Name"], contact["AccountId"]) == ("Contoso Labs", account["Id"])
    assert contact["Id"] in relations(sf_server, person, event["Id"])
    assert who["WhoId"] == contact["Id"], "the new Contact is the Event's person in the same session"
    record = CreatedRecord.objects.get(organization=person.organization, sobject="Contact")
    assert record.source == "meeting 'Pilot kickoff'" and record.mailbox == person.mailbox


def test_it_reads_the_organizers_signature_from_their_invitation(
    person: Person, sf_server: Any, graph_server: Any
):
    autoresolving(person, sf_server, mode="leads")
    graph_server.app.receive_invitation(
        person.tenant_id,
        person.graph_user_id,
        event_body(
            "Pilot plan",
            in_days(3, 9),
            in_days(3, 10),
            attendees=[attendee(person.mailbox.address)],
            body={"contentType": "html", "content": INVITATION},
        ),
        {"name": "Omar Haddad", "address": "omar.haddad@fabrikam-logistics.example"},
    )
    (invitation,) = person.outlook.call("GET", "/me/events")["value"]
    person.outlook.call("POST", f"/me/events/{invitation['id']}/accept", {"sendResponse": False})

    run(person)

    (lead,) = person.salesforce.query(
        "SELECT Id, FirstName, LastName, Title, Company, Phone, LeadSource FROM Lead"
    )["records"]
    assert lead["LeadSource"] == "Other", "marked as the engine's (the org's choice of value)"
    assert (lead["FirstName"], lead["LastName"], lead["Title"]) == ("Omar", "Haddad", "VP Operations")
    assert (lead["Company"], lead["Phone"]) == ("Fabrikam Logistics GmbH", "+49301234567")
    (event,) = synced_events(person)
    assert lead["Id"] in relations(sf_server, person, event["Id"])


def test_it_makes_one_contact_when_two_reps_meet_the_same_new_person(
    person: Person, make_person: Any, sf_server: Any
):
    autoresolving(person, sf_server, mode="contacts")
    bob = make_person("bob", organization=person.organization)
    meeting(person, "Pilot kickoff", "priya.raman@contoso-labs.example")
    meeting(bob, "Contoso pricing", "priya.raman@contoso-labs.example")

    run(person)
    run(bob)

    (contact,) = person.salesforce.query("SELECT Id FROM Contact")["records"]
    events = synced_events(person)
    assert len(events) == 2 and len(person.salesforce.query("SELECT Id FROM Account")["records"]) == 1
    assert all(contact["Id"] in relations(sf_server, person, e["Id"]) for e in events)
    assert CreatedRecord.objects.filter(organization=person.organization, sobject="Contact").count() == 1


def test_it_leaves_out_a_meeting_with_no_contact_or_lead_to_link_to(person: Person):
    created = meeting(person, "Coffee with a stranger", "someone@unknown-co.example")

    session = run(person)

    assert synced_events(person) == []
    assert session.counts.get("events", {}) == {}
    (entry,) = JournalEntry.objects.filter(mailbox=person.mailbox, mail_id=created["id"])
    assert (entry.what, entry.details["why"]) == ("left_out", "no_person_to_link")


def test_it_saves_such_a_meeting_when_the_org_says_so_or_it_is_tagged(person: Person):
    meeting(person, "Tagged stranger", "someone@unknown-co.example", categories=["Salesforce"])
    run(person)
    assert [e["Subject"] for e in synced_events(person)] == ["Tagged stranger"]

    SyncSettings.objects.filter(organization=person.organization).update(save_meetings_without_people=True)
    meeting(person, "Another stranger", "other@unknown-co.example")
    run(person)
    assert sorted(e["Subject"] for e in synced_events(person)) == ["Another stranger", "Tagged stranger"]


def test_it_never_counts_or_makes_a_blocklisted_invitee(person: Person, sf_server: Any):
    autoresolving(person, sf_server, mode="leads")
    OrgBlocklistEntry.objects.create(organization=person.organization, value="partner-agency.example")
    person.salesforce.Contact.create({"LastName": "Vale", "Email": "vale@partner-agency.example"})
    meeting(person, "Agency sync", "vale@partner-agency.example", "new.one@partner-agency.example")

    run(person)

    assert synced_events(person) == [], "everyone in it is blocklisted: nothing to link it to"
    assert person.salesforce.query("SELECT Id FROM Lead")["records"] == []


def test_it_saves_a_meeting_whose_only_outsider_autoresolving_will_make(person: Person, sf_server: Any):
    autoresolving(person, sf_server, mode="leads")
    meeting(person, "Free mail", "someone@gmail.com")
    meeting(person, "New company", "buyer@tailspin-toys.example")

    run(person)

    assert [e["Subject"] for e in synced_events(person)] == ["New company"], "no Lead for a gmail address"
    (lead,) = person.salesforce.query("SELECT Email FROM Lead")["records"]
    assert lead["Email"] == "buyer@tailspin-toys.example"


def test_it_asks_who_a_new_meetings_people_are_once_per_session(
    person: Person, make_person: Any, sf_server: Any
):
    colleague = make_person("bob", organization=person.organization)
    person.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    meeting(person, "Globex renewal", "ana@globex.example", colleague.mailbox.address)
    before = len(sf_server.app.requests(tenant=person.sf_org_id))

    run(person)

    soqls = [
        r["query"].get("q", "")
        for r in sf_server.app.requests(tenant=person.sf_org_id)[before:]
        if r["method"] == "GET" and "query" in r["path"]
    ]
    people = [q for q in soqls if "WHERE Email IN" in q or "WHERE Email =" in q]
    assert len(synced_events(person)) == 1
    assert [q.split(" FROM ")[1].split()[0] for q in people] == ["Contact", "Lead", "User"], "asked once each"


def test_it_still_saves_internal_meetings_when_the_org_saves_them(person: Person, make_person: Any):
    colleague = make_person("bob", organization=person.organization)
    domains = ",".join(
        sorted({person.mailbox.address.split("@")[1], colleague.mailbox.address.split("@")[1]})
    )
    SyncSettings.objects.update_or_create(
        organization=person.organization,
        defaults={"internal_domains": domains, "save_internal_meetings": True},
    )
    meeting(person, "Team sync", colleague.mailbox.address)

    run(person)

    assert [e["Subject"] for e in synced_events(person)] == ["Team sync"], "no Contact in it, by nature"
