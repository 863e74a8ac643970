"""Person Accounts (the reference's "Create Person accounts"), over the sandboxes with them enabled: the
page offers them only where Salesforce has them; a stranger becomes an Account of the person type,
named and filled from their signature, and the email and the meeting link to the Contact Salesforce
keeps for it; nothing is made twice; undo deletes the Account and keeps the activities."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from autoresolve.models import AutoresolveSettings, CreatedRecord
from syncengine.models import Membership, Role
from tests.support.autoresolve import add_people_keys, made_record
from tests.support.calendar import in_days, synced_events
from tests.support.emails import deliver, enable_emails, relations, saved, sync
from tests.support.pages import client_for, text_of
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db

SIGNED = (
    "<p>Hello,</p><p>I would like to book the workshop.</p><p>Kind regards,<br>Omar Haddad<br>"
    "Independent Consultant<br>M +44 7700 900123</p>"
)


def person_accounts(person: Person, sf_server: Any) -> None:
    enable_emails(person, sf_server)
    add_people_keys(person, sf_server)
    sf_server.app.enable_person_accounts(person.sf_org_id)
    AutoresolveSettings.objects.update_or_create(
        organization=person.organization, defaults={"mode": "person_accounts"}
    )


def test_it_offers_person_accounts_only_where_salesforce_has_them(person: Person, sf_server: Any):
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    client = client_for(person.user)
    page = reverse("autoresolve:org_settings", args=[person.organization.pk])
    assert 'value="person_accounts"' not in text_of(client.get(page))

    sf_server.app.enable_person_accounts(person.sf_org_id)

    assert 'value="person_accounts"' in text_of(client.get(page))


def test_it_makes_a_person_account_for_a_stranger_and_links_the_email_to_its_contact(
    person: Person, sf_server: Any, graph: Any
):
    person_accounts(person, sf_server)
    deliver(
        graph,
        person,
        "Workshop",
        sender="omar@haddad-consulting.example",
        body=SIGNED,
        categories=["Salesforce"],
    )

    sync(person)

    sf = person.salesforce
    (account,) = sf.query(
        "SELECT Id, Name, IsPersonAccount, PersonEmail, PersonTitle, PersonMobilePhone, PersonContactId "
        "FROM Account"
    )["records"]
    (email,) = saved(sf_server, person)
    assert (account["Name"], account["IsPersonAccount"]) == ("Omar Haddad", True)
    assert (account["PersonEmail"], account["PersonTitle"]) == (
        "omar@haddad-consulting.example",
        "Independent Consultant",
    )
    assert account["PersonMobilePhone"] == "+447700900123"
    assert ("FromAddress", account["PersonContactId"]) in relations(person, email["Id"])
    record = CreatedRecord.objects.get(organization=person.organization)
    assert (record.sobject, record.record_id) == ("PersonAccount", account["Id"])

    deliver(
        graph, person, "Workshop, again", sender="omar@haddad-consulting.example", categories=["Salesforce"]
    )
    sync(person)
    assert len(sf.query("SELECT Id FROM Account")["records"]) == 1, "met again: the same Person Account"


def test_it_relates_a_meetings_new_person_account(person: Person, sf_server: Any):
    person_accounts(person, sf_server)
    guest = {
        "emailAddress": {"address": "omar@haddad-consulting.example", "name": "Omar Haddad"},
        "type": "required",
    }
    person.outlook.create_event(
        **event_body("Workshop plan", in_days(2, 9), in_days(2, 10), attendees=[guest])
    )

    sync(person)

    (account,) = person.salesforce.query("SELECT Id, PersonContactId FROM Account")["records"]
    (event,) = synced_events(person)
    (who,) = person.salesforce.query(f"SELECT WhoId FROM Event WHERE Id = '{event['Id']}'")["records"]
    assert who["WhoId"] == account["PersonContactId"]


def _made_person_account(person: Person, sf_server: Any) -> tuple[str, str, str]:
    """An org admin's org with a Person Account the engine made, and a Task naming its Contact: the
    Account's, its Contact's and the Task's ids."""
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    person_accounts(person, sf_server)
    person_type = sf_server.app.enable_person_accounts(person.sf_org_id)
    sf = person.salesforce
    account = sf.Account.create(
        {"RecordTypeId": person_type, "LastName": "Haddad", "PersonEmail": "o@h.example"}
    )["id"]
    contact = sf.Account.get(account)["PersonContactId"]
    task = sf.Task.create({"Subject": "Workshop call", "WhoId": contact, "Status": "Completed"})["id"]
    return account, contact, task


def test_it_undoes_a_person_account_and_keeps_its_activities(person: Person, sf_server: Any):
    sf = person.salesforce
    account, _, task = _made_person_account(person, sf_server)
    # Linked to the Person Account as its business record too, as the linker does (the Contact's Account).
    event = sf.Event.create(
        {
            "Subject": "Workshop",
            "WhatId": account,
            "StartDateTime": "2030-01-15T09:00:00Z",
            "DurationInMinutes": 60,
        }
    )["id"]
    record = made_record(person, "PersonAccount", account, "o@h.example", account_id=account)

    client_for(person.user).post(reverse("autoresolve:undo", args=[person.organization.pk, record.pk]))

    assert sf.query(f"SELECT Id FROM Account WHERE Id = '{account}'")["records"] == []
    assert sf.Task.get(task)["WhoId"] is None, "the activity stays, let go of the person"
    assert sf.Event.get(event)["WhatId"] is None, "and the one related to the Account stays too"
    record.refresh_from_db()
    assert record.undone_at is not None


def test_it_refuses_to_undo_a_person_account_its_emails_are_saved_to_and_touches_nothing(
    person: Person, sf_server: Any
):
    sf = person.salesforce
    account, contact, task = _made_person_account(person, sf_server)
    sf.EmailMessage.create({"Subject": "Workshop", "Status": "3", "RelatedToId": account, "TextBody": "Hi"})
    record = made_record(person, "PersonAccount", account, "o@h.example", account_id=account)

    answer = client_for(person.user).post(
        reverse("autoresolve:undo", args=[person.organization.pk, record.pk]), follow=True
    )

    assert "Emails are saved to this Person Account" in text_of(answer)
    assert sf.Account.get(account)["Id"] == account and sf.Task.get(task)["WhoId"] == contact, "untouched"
    record.refresh_from_db()
    assert record.undone_at is None
