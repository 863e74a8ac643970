"""Changes made on the org pages (settings, blocklist, mappings, ...) are in the audit log with who
made them and the values before and after; the engine's own saves are not."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from audit.page_changes import PageActorMiddleware, acting_for
from blocklists.models import OrgBlocklistEntry
from syncengine.models import SyncSettings
from syncengine.services.streams import sync_settings_for
from tests.support.pages import client_for
from tests.support.people import Person


@pytest.mark.django_db
def test_it_records_an_org_admins_blocklist_entry_from_the_page(person: Person, make_person):
    boss = make_person("boss", organization=person.organization, role="org_admin")

    client_for(boss.user).post(
        reverse("blocklists:org_add", args=[person.organization.pk]), {"entries": "rival.example"}
    )

    entry = AuditEntry.objects.get(source="pages", object_type="blocklists.orgblocklistentry")
    assert entry.actor_name == boss.user.username and entry.organization_id == person.organization.pk
    assert entry.action == "add" and entry.changes["value"] == [None, "rival.example"]
    assert OrgBlocklistEntry.objects.filter(value="rival.example").exists()


@pytest.mark.django_db
def test_it_records_a_settings_change_as_before_and_after(person: Person):
    settings_row = sync_settings_for(person.organization)
    settings_row.save()  # stored, with no one acting: not audited

    with acting_for(person.user):
        stored = SyncSettings.objects.get(pk=settings_row.pk)
        stored.window_days_back = 30
        stored.save()

    entry = AuditEntry.objects.get(source="pages")
    assert entry.action == "change" and entry.changes == {"window_days_back": ["14", "30"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "recorded"), [("/org/1/settings/", 1), ("/admin/syncengine/syncsettings/1/change/", 0)]
)
def test_it_leaves_the_staff_admins_saves_to_its_own_record(person: Person, path: str, recorded: int):
    settings_row = sync_settings_for(person.organization)
    settings_row.save()
    request = RequestFactory().post(path)
    request.user = person.user

    def save_a_change(request: HttpRequest) -> HttpResponse:
        settings_row.window_days_ahead = 90
        settings_row.save()
        return HttpResponse()

    PageActorMiddleware(save_a_change)(request)

    assert AuditEntry.objects.filter(source="pages").count() == recorded
