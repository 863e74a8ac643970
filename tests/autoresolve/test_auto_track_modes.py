"""The reference's auto-track modes that rely on autoresolving (SalesforceEmailAutoTrackMode): Forced
auto-saves an email whose outside people Salesforce does not know and makes them; Smart does so only
when their company's Account is there (matched by website). Both need autoresolving on: the settings
page says so, and without it a session reads them as General."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from autoresolve.models import AutoresolveSettings
from emails.models import EmailSettings, MailboxEmailSettings
from syncengine.core.email_rules import auto_track_satisfied
from syncengine.core.linking import Links, PersonLink
from syncengine.models import Membership, Role
from tests.support.autoresolve import add_people_keys
from tests.support.emails import deliver, enable_emails, org_form, saved, sync
from tests.support.pages import client_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db

STRANGER = Links(people=(PersonLink("nina@northwind.example", "FromAddress"),))


def test_it_lets_each_mode_save_what_the_reference_says():
    assert not auto_track_satisfied(STRANGER, "people")
    assert auto_track_satisfied(STRANGER, "forced")
    assert not auto_track_satisfied(STRANGER, "smart")
    assert auto_track_satisfied(STRANGER, "smart", frozenset({"northwind.example"}))
    assert not auto_track_satisfied(Links(), "forced"), "no outsider (all blocked or internal): not saved"
    known = Links(who_id="003X", people=(PersonLink("ann@acme.example", "FromAddress", "003X", "Contact"),))
    assert all(auto_track_satisfied(known, mode) for mode in ("people", "forced", "smart", "records"))


def auto_saving(person: Person, sf_server: Any, auto_track: str, mode: str = "contacts") -> None:
    enable_emails(person, sf_server, auto_track=auto_track)
    add_people_keys(person, sf_server)
    AutoresolveSettings.objects.update_or_create(organization=person.organization, defaults={"mode": mode})
    MailboxEmailSettings.objects.update_or_create(mailbox=person.mailbox, defaults={"auto_save": "inbound"})


def test_it_auto_saves_a_strangers_email_and_makes_them_in_forced_mode(
    person: Person, sf_server: Any, graph: Any
):
    auto_saving(person, sf_server, "forced")
    deliver(graph, person, "Pilot offer", sender="nina.north@northwind.example")

    sync(person)

    (contact,) = person.salesforce.query("SELECT Id, Email FROM Contact")["records"]
    (email,) = saved(sf_server, person)
    assert contact["Email"] == "nina.north@northwind.example" and email["Subject"] == "Pilot offer"


def test_it_leaves_a_strangers_email_alone_in_general_mode(person: Person, sf_server: Any, graph: Any):
    auto_saving(person, sf_server, "people")
    deliver(graph, person, "Pilot offer", sender="nina.north@northwind.example")

    sync(person)

    assert saved(sf_server, person) == []
    assert person.salesforce.query("SELECT Id FROM Contact")["records"] == []


def test_it_auto_saves_in_smart_mode_only_when_the_strangers_company_is_an_account(
    person: Person, sf_server: Any, graph: Any
):
    auto_saving(person, sf_server, "smart")
    account = person.salesforce.Account.create(
        {"Name": "Northwind", "Website": "https://www.northwind.example"}
    )
    deliver(
        graph,
        person,
        "From a known company",
        sender="nina.north@northwind.example",
        cc=["lee@tailspin.example"],
    )
    deliver(graph, person, "From an unknown company", sender="omar@fabrikam.example")

    sync(person)

    assert [e["Subject"] for e in saved(sf_server, person)] == ["From a known company"]
    (contact,) = person.salesforce.query("SELECT Email, AccountId FROM Contact")["records"]
    assert (contact["Email"], contact["AccountId"]) == ("nina.north@northwind.example", account["id"])
    assert len(person.salesforce.query("SELECT Id FROM Account")["records"]) == 1, "no one made for the cc"


def test_it_reads_forced_as_general_once_autoresolving_is_off(person: Person, sf_server: Any, graph: Any):
    auto_saving(person, sf_server, "forced", mode="off")
    deliver(graph, person, "Pilot offer", sender="nina.north@northwind.example")

    sync(person)

    assert saved(sf_server, person) == []


def test_it_refuses_forced_or_smart_on_the_settings_page_while_autoresolving_is_off(person: Person):
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    client = client_for(person.user)
    url = reverse("emails:org_settings", args=[person.organization.pk])

    refused = client.post(url, org_form(auto_track="smart"))

    assert refused.status_code == 200 and "turn on autoresolving" in refused.content.decode()
    AutoresolveSettings.objects.create(organization=person.organization, mode="leads")
    assert client.post(url, org_form(auto_track="smart")).status_code == 302
    assert EmailSettings.objects.get(organization=person.organization).auto_track == "smart"
