"""Each organization's instant sync: on or off (InstantSyncEnabled; off closes its channels and opens
none), which changes start a session (TriggerSyncOnAdd / Update / Delete, from Graph's changeType),
and the least time between two instant sessions of a mailbox; the org admin's page, audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from instant.models import InstantSettings, MailboxWake, NotificationChannel
from instant.services.maintenance import instant_maintain, mailboxes_lacking_channels
from instant.services.wake import Wake, mailbox_wake, wakes_flush
from syncengine.models import Mailbox, Membership, Role, SyncSession, Trigger
from tests.support.instant import graph_channel, queued_sessions
from tests.support.pages import client_for, text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "the-channel-secret"


@pytest.fixture
def channel(settings, person: Person) -> NotificationChannel:
    settings.INSTANT_SYNC_ENABLED = True
    return graph_channel(person.mailbox, SECRET)


def notify(change_type: str) -> int:
    item = {"subscriptionId": "sub-1", "clientState": SECRET, "changeType": change_type}
    answer = Client().post("/hooks/graph/", json.dumps({"value": [item]}), content_type="application/json")
    return answer.status_code


def test_it_starts_a_session_only_for_the_kinds_of_change_the_org_chose(person: Person, channel):
    InstantSettings.objects.create(organization=person.organization, trigger_on_add=False)

    assert notify("created") == 202  # accepted, so Graph does not retry it, and nothing queued
    assert queued_sessions(person.mailbox.pk) == []
    assert notify("updated") == 202
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION]


def test_it_wakes_no_mailbox_of_an_org_that_turned_instant_sync_off_and_closes_its_channels(
    person: Person, channel, graph_server
):
    InstantSettings.objects.create(organization=person.organization, enabled=False)
    Mailbox.objects.filter(pk=person.mailbox.pk).update(last_synced_at=timezone.now())

    assert notify("updated") == 202
    assert queued_sessions(person.mailbox.pk) == []
    assert mailboxes_lacking_channels() == [], "no channel is opened for it either"
    report = instant_maintain()
    assert report["closed"] == 1 and not NotificationChannel.objects.filter(mailbox=person.mailbox).exists()


def test_it_keeps_the_orgs_least_time_between_two_instant_sessions(person: Person):
    InstantSettings.objects.create(organization=person.organization, min_seconds_between=300)
    started = timezone.now() - timedelta(seconds=120)
    assert mailbox_wake(mailbox_id=person.mailbox.pk, now=started) == Wake.QUEUED
    SyncSession.objects.create(mailbox=person.mailbox, trigger=Trigger.NOTIFICATION)  # it ran since

    assert mailbox_wake(mailbox_id=person.mailbox.pk) == Wake.DEFERRED, "two minutes is within five"
    assert wakes_flush() == 0, "owed, and not yet due"
    MailboxWake.objects.filter(mailbox=person.mailbox).update(
        queued_at=timezone.now() - timedelta(seconds=301)
    )
    assert wakes_flush() == 1
    assert queued_sessions(person.mailbox.pk) == [Trigger.NOTIFICATION, Trigger.NOTIFICATION]


def test_it_lets_the_org_admin_choose_on_a_page_of_its_own_and_audits_it(person: Person):
    Membership.objects.filter(user=person.user).update(role=Role.ORG_ADMIN)
    client = client_for(person.user)
    page = reverse("instant_pages:org_settings", args=[person.organization.pk])

    shown = text_of(client.get(page))
    refused = client.post(page, {"enabled": "on", "min_seconds_between": "5"})
    saved = client.post(page, {"enabled": "on", "trigger_on_update": "on", "min_seconds_between": "120"})

    assert "InstantSyncEnabled" in shown and "TriggerSyncOnDelete" in shown
    assert "does not receive change notifications" in shown, "this server has no public address in tests"
    assert refused.status_code == 200 and "greater than or equal to 15" in text_of(refused)
    assert saved.status_code == 302
    chosen = InstantSettings.objects.get(organization=person.organization)
    assert (chosen.trigger_on_add, chosen.trigger_on_update, chosen.min_seconds_between) == (False, True, 120)
    assert AuditEntry.objects.filter(object_type="instant.instantsettings").exists()


def test_it_answers_404_to_a_rep_of_the_org(person: Person):
    page = reverse("instant_pages:org_settings", args=[person.organization.pk])

    assert client_for(person.user).get(page).status_code == 404


def test_it_reads_a_change_kind_only_from_an_item_that_carries_the_secret(person: Person, channel):
    InstantSettings.objects.create(organization=person.organization, trigger_on_update=False)
    real = {"subscriptionId": "sub-1", "clientState": SECRET, "changeType": "updated"}
    forged = {"subscriptionId": "sub-1", "clientState": "guessed", "changeType": "created"}

    answer = Client().post(
        "/hooks/graph/", json.dumps({"value": [real, forged]}), content_type="application/json"
    )

    assert answer.status_code == 202
    assert queued_sessions(person.mailbox.pk) == [], "the forged 'created' wakes nothing"
