"""The console's Listeners page: which of the organization's listeners run, where, and how."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from instant.models import ListenerLease, ListenerState
from tests.support.pages import text_of
from tests.support.people import Person


def test_it_shows_each_listener_its_holder_and_what_it_brought(person: Person, support: Client) -> None:
    now = timezone.now()
    ListenerLease.objects.create(
        name=f"salesforce-cdc:org:{person.organization.pk}",
        kind="salesforce-cdc",
        organization=person.organization,
        holder="box-1:4242:abcd",
        expires_at=now + timedelta(seconds=20),
        state=ListenerState.LISTENING,
        events=12,
        wakes=5,
        last_event_at=now,
    )
    page = text_of(support.get(reverse("instant_pages:console_listeners", args=[person.organization.pk])))
    assert "Salesforce change events" in page and "Listening" in page
    assert "box-1:4242:abcd" in page and "<td>12</td><td>5</td>" in page


def test_it_says_when_a_listeners_process_stopped_answering(person: Person, org_admin: Client) -> None:
    ListenerLease.objects.create(
        name=f"salesforce-cdc:org:{person.organization.pk}",
        kind="salesforce-cdc",
        organization=person.organization,
        holder="box-1:4242:abcd",
        expires_at=timezone.now() - timedelta(seconds=5),
        beat_at=timezone.now() - timedelta(minutes=2),
        state=ListenerState.LISTENING,
    )
    page = text_of(org_admin.get(reverse("instant_pages:console_listeners", args=[person.organization.pk])))
    assert "Not running: no listen process holds it" in page
    assert "its process stopped answering" in page and "box-1:4242:abcd" not in page


def test_it_says_how_to_start_listeners_when_none_ran(person: Person, org_admin: Client) -> None:
    page = text_of(org_admin.get(reverse("instant_pages:console_listeners", args=[person.organization.pk])))
    assert "No listener has run for this organization yet" in page


def test_it_shows_the_listeners_on_the_org_admins_instant_sync_page(
    person: Person, org_admin: Client
) -> None:
    ListenerLease.objects.create(
        name=f"salesforce-cdc:org:{person.organization.pk}",
        kind="salesforce-cdc",
        organization=person.organization,
        state=ListenerState.UNAVAILABLE,
        message="Change Data Capture is not on for Events",
    )
    page = text_of(org_admin.get(reverse("instant_pages:org_settings", args=[person.organization.pk])))
    assert "Instant sync from Salesforce" in page
    assert "Change Data Capture is not on for Events" in page


def test_it_names_the_mailbox_of_an_exchange_listener_and_keeps_the_servers_machines_off_the_org_page(
    person: Person, org_admin: Client, support: Client
) -> None:
    ListenerLease.objects.create(
        name=f"ews-streams:mailbox:{person.mailbox.pk}",
        kind="ews-streams",
        organization=person.organization,
        holder="box-7:99:beef",
        expires_at=timezone.now() + timedelta(seconds=20),
        state=ListenerState.LISTENING,
    )
    org_page = text_of(org_admin.get(reverse("instant_pages:org_settings", args=[person.organization.pk])))
    console = text_of(support.get(reverse("instant_pages:console_listeners", args=[person.organization.pk])))
    assert person.mailbox.address in org_page and person.mailbox.address in console
    assert "box-7:99:beef" not in org_page and "box-7:99:beef" in console
