"""Autoresolving in the email step, over the sandboxes: a tagged email from someone Salesforce does not
know is saved linked to a new Contact (their signature's title and phone) on a new Account, in the same
session; the same new person met by two mailboxes becomes one record; nothing is made when it is off, for
blocklisted or free-email senders, or for auto-saved emails unless the org says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from autoresolve import making
from autoresolve.models import AutoresolveSettings, CreatedRecord
from blocklists.models import OrgBlocklistEntry
from emails.models import MailboxEmailSettings
from syncengine.models import Membership, Role, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.autoresolve import add_people_keys
from tests.support.emails import deliver, enable_emails, relations, saved, sync
from tests.support.machine import WorkerKilled
from tests.support.pages import client_for
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db

SIGNED = (
    "<p>Hello,</p><p>here is our offer for the pilot.</p><p>Best regards,<br>Nina North<br>"
    "Head of Procurement<br>Northwind Traders Inc.<br>T +1 415 555 0134 | M +1 415 555 0199</p>"
)


def autoresolving(person: Person, sf_server: Any, **options: Any) -> None:
    enable_emails(person, sf_server)
    add_people_keys(person, sf_server)
    AutoresolveSettings.objects.update_or_create(organization=person.organization, defaults=options)


def from_nina(graph: Any, person: Person, subject: str, **extra: Any) -> None:
    deliver(
        graph,
        person,
        subject,
        sender="nina.north@northwind.example",
        body=SIGNED,
        categories=["Salesforce"],
        **extra,
    )


def test_it_saves_a_tagged_email_from_a_stranger_linked_to_a_new_contact_on_a_new_account(
    person: Person, sf_server: Any, graph: Any
):
    autoresolving(person, sf_server, mode="contacts")
    from_nina(graph, person, "Pilot offer")

    sync(person)

    sf = person.salesforce
    (contact,) = sf.query(
        "SELECT Id, FirstName, LastName, Title, Phone, MobilePhone, AccountId, Email FROM Contact"
    )["records"]
    (account,) = sf.query("SELECT Id, Name, Website FROM Account")["records"]
    (email,) = saved(sf_server, person)
    assert (contact["FirstName"], contact["LastName"], contact["Title"]) == (
        "Nina",
        "North",
        "Head of Procurement",
    )
    assert (contact["Phone"], contact["MobilePhone"]) == ("+14155550134", "+14155550199")
    assert (account["Name"], account["Website"]) == ("Northwind Traders Inc.", "northwind.example")
    assert contact["AccountId"] == account["Id"]
    assert ("FromAddress", contact["Id"]) in relations(person, email["Id"])
    record = CreatedRecord.objects.get(organization=person.organization)
    assert (record.sobject, record.record_id, record.mailbox) == ("Contact", contact["Id"], person.mailbox)
    assert record.source == "email 'Pilot offer'" and "title" in record.signature_fields


def test_it_makes_one_lead_for_a_stranger_two_mailboxes_of_the_org_hear_from(
    person: Person, make_person: Any, sf_server: Any, graph: Any
):
    autoresolving(person, sf_server, mode="leads")
    bob = make_person("bob", organization=person.organization)
    from_nina(graph, person, "Pilot offer")
    from_nina(graph, bob, "Pilot offer, for Bob too")

    sync(person)
    sync(bob)
    sync(person)  # and again: nothing more

    leads = person.salesforce.query("SELECT Id, Company, Email FROM Lead")["records"]
    assert [(lead["Company"], lead["Email"]) for lead in leads] == [
        ("Northwind Traders Inc.", "nina.north@northwind.example")
    ]
    assert CreatedRecord.objects.filter(organization=person.organization).count() == 1
    for email in saved(sf_server, person):
        assert ("FromAddress", leads[0]["Id"]) in relations(person, email["Id"])


def test_it_makes_nobody_when_off_or_for_blocklisted_and_free_email_senders(
    person: Person, sf_server: Any, graph: Any
):
    autoresolving(person, sf_server, mode="off")
    from_nina(graph, person, "Pilot offer")
    sync(person)
    AutoresolveSettings.objects.filter(organization=person.organization).update(mode="contacts")
    ann = person.salesforce.Contact.create({"LastName": "Ann", "Email": "ann@acme.example"})["id"]
    blocked = "someone@newsletter.example"
    OrgBlocklistEntry.objects.create(organization=person.organization, value="newsletter.example")
    deliver(
        graph,
        person,
        "Hi from my phone",
        sender="nina.private@gmail.com",
        cc=["ann@acme.example", blocked],
        categories=["Salesforce"],
    )

    sync(person)

    assert [c["Id"] for c in person.salesforce.query("SELECT Id FROM Contact")["records"]] == [ann]
    assert person.salesforce.query("SELECT Id FROM Lead")["records"] == []
    assert len(saved(sf_server, person)) == 2  # saved all the same, without new people
    assert not CreatedRecord.objects.exists()


def test_it_leaves_auto_saved_emails_people_alone_unless_the_org_creates_for_all(
    person: Person, sf_server: Any, graph: Any
):
    autoresolving(person, sf_server, mode="leads")
    # Ann is a Contact, so auto-save takes the emails; Nina, on cc, is nobody in Salesforce.
    person.salesforce.Contact.create({"LastName": "Ann", "Email": "ann@acme.example"})
    MailboxEmailSettings.objects.update_or_create(mailbox=person.mailbox, defaults={"auto_save": "inbound"})
    deliver(graph, person, "Both of us", sender="ann@acme.example", cc=["nina.north@northwind.example"])

    sync(person)
    assert person.salesforce.query("SELECT Id FROM Lead")["records"] == []

    AutoresolveSettings.objects.filter(organization=person.organization).update(
        create_for_all_unresolved_recipients=True
    )
    deliver(graph, person, "Both of us again", sender="ann@acme.example", cc=["nina.north@northwind.example"])
    sync(person)

    assert len(person.salesforce.query("SELECT Id FROM Lead")["records"]) == 1


def test_it_saves_the_email_and_says_why_when_salesforce_is_not_set_up_for_new_people(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)  # no sync key on Lead
    AutoresolveSettings.objects.create(organization=person.organization, mode="leads")
    from_nina(graph, person, "Pilot offer")

    sync(person)

    assert len(saved(sf_server, person)) == 1
    issue = SyncIssue.objects.get(mailbox=person.mailbox, code="AUTORESOLVE_FAILED")
    assert SYNC_KEY_FIELD in issue.message and "Lead" in issue.message


def test_it_makes_no_twin_when_the_worker_dies_after_writing_the_new_person(
    person: Person, sf_server: Any, graph: Any, monkeypatch: pytest.MonkeyPatch
):
    autoresolving(person, sf_server, mode="contacts")
    from_nina(graph, person, "Pilot offer")
    written = making.create_planned

    def write_then_die(*args: Any, **kwargs: Any) -> Any:
        written(*args, **kwargs)  # Salesforce has the Contact and its Account...
        raise WorkerKilled  # ...and the worker dies before it keeps them or saves the email

    monkeypatch.setattr(making, "create_planned", write_then_die)
    with pytest.raises(WorkerKilled):
        session_run(mailbox_id=person.mailbox.pk)
    (noted,) = CreatedRecord.objects.filter(organization=person.organization)
    assert noted.record_id == "", "noted before the write, without its id"
    monkeypatch.setattr(making, "create_planned", written)

    sync(person)  # the next session: Nina is a Contact now, found, not made again

    sf = person.salesforce
    (contact,) = sf.query("SELECT Id FROM Contact")["records"]
    assert len(sf.query("SELECT Id FROM Account")["records"]) == 1
    (email,) = saved(sf_server, person)
    assert ("FromAddress", contact["Id"]) in relations(person, email["Id"])
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    client_for(person.user).get(reverse("autoresolve:org_settings", args=[person.organization.pk]))
    noted.refresh_from_db()
    assert noted.record_id == contact["Id"], "the org admin's list completes it by the person's key"
