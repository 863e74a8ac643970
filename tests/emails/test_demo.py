"""The demo's emails: the tagged one from a known Contact reaches Salesforce at the next session, linked
to its Contact, Account and Opportunity; the blocklisted sender's never does."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from devtools.emails_demo import NEW_PERSON_ADDRESS, seed_demo_emails
from devtools.world import DemoOrg, DemoPerson, SandboxControl
from emails.services import mailbox_auto_save_set
from tests.support.emails import relations, saved, subjects, sync
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def test_it_seeds_emails_that_appear_in_salesforce_at_the_next_session(
    person: Person, sandboxes: Any, sf_server: Any
):
    salesforce, graph = sandboxes
    control = SandboxControl(
        salesforce_url=salesforce.url, graph_url=graph.url, ca_bundle=settings.OUTBOUND_CA_BUNDLE
    )
    org = DemoOrg(person.organization, person.sf_org_id, person.tenant_id, "org.example")
    demo_person = DemoPerson(
        person.user, person.mailbox, person.connection, person.graph_user_id, person.sf_user_id
    )

    seeded = seed_demo_emails(control, org, demo_person)
    sync(person)

    email, stranger = saved(sf_server, person)
    assert email["Subject"] == "Our order for 200 seats"
    assert email["RelatedToId"] == seeded.opportunity_id
    assert ("FromAddress", seeded.contact_id) in relations(person, email["Id"])

    # The stranger's email: saved linked to the Contact made for her, on a new Account.
    assert stranger["Subject"] == "Pricing for 50 seats"
    (priya,) = person.salesforce.query(
        f"SELECT Id, Title, Phone, Account.Name FROM Contact WHERE Email = '{NEW_PERSON_ADDRESS}'"
    )["records"]
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
