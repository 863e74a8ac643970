"""The org admin's autoresolve page: the settings saved and checked, Person Accounts offered only where
Salesforce has them, the records the engine made listed with why, and one undone: the record deleted in
Salesforce, the activity it was linked to kept, the audit log told."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from autoresolve.models import AutoresolveSettings, CreatedRecord
from autoresolve.plan import NewPerson
from autoresolve.salesforce import PersonWritten
from autoresolve.services import created_records_intend, created_records_keep
from syncengine.models import Membership, Role
from tests.support.autoresolve import made_record
from tests.support.pages import client_for, text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(person: Person) -> Person:
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    return person


def _page(person: Person) -> str:
    return reverse("autoresolve:org_settings", args=[person.organization.pk])


def test_it_saves_the_settings_with_the_references_defaults_and_names(admin: Person):
    client = client_for(admin.user)

    shown = text_of(client.get(_page(admin)))
    answer = client.post(
        _page(admin),
        {
            "mode": "contacts",
            "auto_create_accounts": "on",
            "auto_lookup_accounts": "on",
            "fixed_account_id": "",
        },
    )

    assert "SalesforceContactAutoCreateAccount" in shown and "SalesforceSmartCreateUnresolvedObjects" in shown
    assert 'value="person_accounts"' not in shown  # the sandbox org has no Person Accounts
    assert answer.status_code == 302
    saved = AutoresolveSettings.objects.get(organization=admin.organization)
    assert (saved.mode, saved.auto_create_accounts, saved.smart_create) == ("contacts", True, False)
    assert AuditEntry.objects.filter(object_type="autoresolve.autoresolvesettings", source="pages").exists()


def test_it_refuses_a_fixed_account_that_is_not_an_account_id_and_saves_nothing(admin: Person):
    answer = client_for(admin.user).post(_page(admin), {"mode": "contacts", "fixed_account_id": "003ABC"})

    assert "Enter an Account&#x27;s id" in text_of(answer) or "Enter an Account's id" in text_of(answer)
    assert not AutoresolveSettings.objects.filter(organization=admin.organization, mode="contacts").exists()


def test_it_undoes_a_created_contact_and_keeps_the_activity_it_was_linked_to(admin: Person):
    sf = admin.salesforce
    contact = sf.Contact.create({"LastName": "Omar", "Email": "omar@acme-corp.example"})["id"]
    task = sf.Task.create({"Subject": "Intro call", "WhoId": contact, "Status": "Completed"})["id"]
    record = made_record(
        admin,
        "Contact",
        contact,
        "omar@acme-corp.example",
        reason="autoresolve makes Contacts",
        source="email 'Intro'",
        signature_fields=["first_name", "title"],
    )
    client = client_for(admin.user)

    listed = text_of(client.get(_page(admin)))
    client.post(reverse("autoresolve:undo", args=[admin.organization.pk, record.pk]))

    assert "omar@acme-corp.example" in listed and "email &#x27;Intro&#x27;" in listed
    assert "first name, title" in listed
    assert sf.query(f"SELECT Id FROM Contact WHERE Id = '{contact}'")["records"] == []
    kept: dict[str, Any] = sf.Task.get(task)
    assert kept["Subject"] == "Intro call" and kept["WhoId"] is None
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == admin.user
    assert AuditEntry.objects.filter(object_type="autoresolve.createdrecord", action="delete").exists()
    # Undone once: a second press changes nothing and says so.
    again = client.post(reverse("autoresolve:undo", args=[admin.organization.pk, record.pk]), follow=True)
    assert "already undone" in text_of(again)


def test_it_follows_a_lead_someone_converted_and_keeps_its_contact_from_undo(admin: Person, sf_server: Any):
    sf = admin.salesforce
    lead = sf.Lead.create({"LastName": "Haddad", "Company": "Fabrikam", "Email": "omar@fabrikam.example"})[
        "id"
    ]
    record = made_record(admin, "Lead", lead, "omar@fabrikam.example", source="meeting 'Intro'")
    account = sf.Account.create({"Name": "Fabrikam"})["id"]
    contact = sf.Contact.create(
        {"LastName": "Haddad", "Email": "omar@fabrikam.example", "AccountId": account}
    )
    sf_server.app.convert_lead(admin.sf_org_id, lead, contact["id"], account)
    client = client_for(admin.user)

    listed = text_of(client.get(_page(admin)))
    undo = client.post(reverse("autoresolve:undo", args=[admin.organization.pk, record.pk]), follow=True)

    record.refresh_from_db()
    assert (record.sobject, record.record_id[:15], record.converted_from) == (
        "Contact",
        contact["id"][:15],
        lead,
    )
    assert "converted in Salesforce from the Lead" in listed and "Kept: a person converted it" in listed
    assert "its Contact is kept" in text_of(undo)
    assert sf.query(f"SELECT Id FROM Contact WHERE Id = '{contact['id']}'")["records"], "not deleted"
    assert record.undone_at is None


def test_it_lists_a_person_made_again_after_an_undo_as_a_new_record(admin: Person):
    record = made_record(
        admin, "Contact", "003000000000001AAA", "omar@fabrikam.example", source="email 'Old'"
    )
    CreatedRecord.objects.filter(pk=record.pk).update(undone_at=timezone.now(), undone_by=admin.user)
    person = NewPerson(record.sync_key, record.address, "Contact", {}, source="meeting 'New'")

    created_records_intend(organization=admin.organization, mailbox=admin.mailbox, people=[person])
    noted = CreatedRecord.objects.get(pk=record.pk)
    assert (noted.record_id, noted.undone_at) == ("", None), (
        "noted as being made again: a crash now is covered"
    )
    created_records_keep(
        organization=admin.organization,
        mailbox=admin.mailbox,
        written=[PersonWritten(person, id="003000000000002AAA", created=True)],
    )

    record.refresh_from_db()
    assert (record.record_id, record.undone_at, record.source) == (
        "003000000000002AAA",
        None,
        "meeting 'New'",
    )
