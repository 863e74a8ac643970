"""The org admin chooses who is told (audited, before -> after); support reads it and cannot change it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from notify.models import NotificationSettings
from tests.support.pages import decoded_text_of
from tests.support.people import Person


@pytest.mark.django_db
def test_it_saves_the_org_admins_choice_and_audits_it(person: Person, org_admin: Client):
    url = reverse("console:notifications", args=[person.organization.pk])

    response = org_admin.post(url, {"tell_owner": "on", "tell_admins": "on", "daily_digest": "on"})

    assert response.status_code == 302
    assert NotificationSettings.objects.get(organization=person.organization).daily_digest
    entry = AuditEntry.objects.get(source="console", object_type="notify.notificationsettings")
    assert entry.actor_name == "olga" and entry.changes["daily_digest"] == [None, "True"]


@pytest.mark.django_db
def test_it_shows_support_the_choices_and_refuses_their_change(person: Person, support: Client):
    url = reverse("console:notifications", args=[person.organization.pk])

    page = decoded_text_of(support.get(url))
    refused = support.post(url, {"daily_digest": "on"})

    assert "The organization's admins change these." in page
    assert refused.status_code == 403
    assert not NotificationSettings.objects.filter(organization=person.organization).exists()
