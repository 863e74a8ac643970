"""The demo's emails: the tagged one from a known Contact reaches Salesforce at the next session, linked
to its Contact, Account and Opportunity; the blocklisted sender's never does; the stranger's becomes a
Contact on a new Account, and a colleague's meeting with her joins that Contact, whichever comes first."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from autoresolve.models import CreatedRecord
from devtools.emails_demo import NEW_PERSON_ADDRESS, DemoEmails, seed_demo_emails
from devtools.world import DemoOrg, DemoPerson, SandboxControl
from emails.services import mailbox_auto_save_set
from tests.support.emails import relations, saved, subjects, sync
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _demo(person: Person) -> DemoPerson:
    return DemoPerson(person.user, person.mailbox, person.connection, person.graph_user_id, person.sf_user_id)


def _seed(person: Person, colleague: Person, sandboxes: Any) -> DemoEmails:
    salesforce, graph = sandboxes
    control = SandboxControl(
        salesforce_url=salesforce.url, graph_url=graph.url, ca_bundle=settings.OUTBOUND_CA_BUNDLE
    )
    org = DemoOrg(person.organization, person.sf_org_id, person.tenant_id, "org.example")
    return seed_demo_emails(control, org, _demo(person), colleague=_demo(colleague))


def _priya(person: Person) -> dict[str, Any]:
    (priya,) = person.salesforce.query(
        f"SELECT Id, Title, Phone, Account.Name FROM Contact WHERE Email = '{NEW_PERSON_ADDRESS}'"
    )["records"]
    return priya


def _kickoff_people(person: Person, sf_server: Any) -> set[str]:
    (event,) = person.salesforce.query(
        "SELECT Id FROM Event WHERE Subject = 'Brightwave pilot: kickoff call'"
    )["records"]
    return {
        r["RelationId"]
        for r in sf_server.app.records(person.sf_org_id, "EventRelation")
        if r["EventId"] == event["Id"]
    }


def test_it_seeds_emails_that_appear_in_salesforce_at_the_next_session(
    person: Person, make_person: Any, sandboxes: Any, sf_server: Any
):
    bob = make_person("bob", organization=person.organization)
    seeded = _seed(person, bob, sandboxes)
    sync(person)

    email, stranger = saved(sf_server, person)
    assert email["Subject"] == "Our order for 200 seats"
    assert email["RelatedToId"] == seeded.opportunity_id
    assert ("FromAddress", seeded.contact_id) in relations(person, email["Id"])

    # The stranger's email: saved linked to the Contact made for her, on a new Account.
    assert stranger["Subject"] == "Pricing for 50 seats"
    priya = _priya(person)
    assert (priya["Title"], priya["Phone"]) == ("Head of Operations", "+442079460321")
    assert priya["Account"]["Name"] == "Brightwave Analytics Ltd"
    assert ("FromAddress", priya["Id"]) in relations(person, stranger["Id"])

    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="inbound")
    sync(person)
    assert subjects(sf_server, person) == [
        "Delivery address",
        "Our order for 200 seats",
        "Pricing for 50 seats",
    ]

    # bob's meeting with her, at his next session, is related to the same Contact.
    sync(bob)
    assert priya["Id"] in _kickoff_people(person, sf_server)
    assert CreatedRecord.objects.filter(organization=person.organization, sobject="Contact").count() == 1


def test_it_makes_the_same_contact_when_the_colleagues_meeting_comes_first(
    person: Person, make_person: Any, sandboxes: Any, sf_server: Any
):
    bob = make_person("bob", organization=person.organization)
    _seed(person, bob, sandboxes)

    sync(bob)  # her invitation carries her signature: the Contact is the same as from her email
    sync(person)

    priya = _priya(person)
    assert (priya["Title"], priya["Phone"]) == ("Head of Operations", "+442079460321")
    assert priya["Account"]["Name"] == "Brightwave Analytics Ltd"
    assert priya["Id"] in _kickoff_people(person, sf_server)
    stranger = next(e for e in saved(sf_server, person) if e["Subject"] == "Pricing for 50 seats")
    assert ("FromAddress", priya["Id"]) in relations(person, stranger["Id"])
    (record,) = CreatedRecord.objects.filter(organization=person.organization, sobject="Contact")
    assert record.source == "meeting 'Brightwave pilot: kickoff call'" and record.mailbox == bob.mailbox
