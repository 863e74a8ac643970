"""The blocklist models in the Django admin: every one opens, and a malformed entry is refused there too."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from blocklists.models import FreeDomainChange, OrgBlocklistEntry, UserBlocklistEntry
from blocklists.services import (
    blocklist_settings_save,
    free_domain_remove,
    org_entries_add,
    user_entries_add,
)
from tests.support.members import Member
from tests.support.pages import client_for, decoded_text_of

pytestmark = pytest.mark.django_db
MODELS = list(apps.get_app_config("blocklists").get_models())


@pytest.fixture
def support_client(db: None) -> Client:
    return client_for(User.objects.create_superuser("support", "support@example.com", "pw-for-tests-only"))


def test_it_registers_every_blocklist_model():
    assert MODELS and all(admin.site.is_registered(model) for model in MODELS)


def test_it_opens_every_list_and_change_page(support_client: Client, alice: Member, boss: Member):
    org_entries_add(organization=boss.organization, texts=["news.example"], added_by=boss.user)
    user_entries_add(user=alice.user, organization=alice.organization, texts=["mum@family.example"])
    free_domain_remove(organization=boss.organization, domain="gmail.com", changed_by=boss.user)
    blocklist_settings_save(
        organization=boss.organization, free_domains_enabled=False, users_may_remove_org_entries=False
    )

    for model in MODELS:
        meta = model._meta
        listing = support_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        row = model.objects.get()
        change = support_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
        )
        assert (listing.status_code, change.status_code) == (200, 200), meta.model_name


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (OrgBlocklistEntry, {"value": "*.spam.example"}, "wildcards are not supported"),
        (OrgBlocklistEntry, {"value": "Spam.Example"}, "Enter it as spam.example."),
        (
            UserBlocklistEntry,
            {"value": "bob@@example.com", "action": "block"},
            "is not a valid email address",
        ),
        (FreeDomainChange, {"domain": "joe@gmail.com", "included": "on"}, "is an address, not a domain"),
    ],
)
def test_it_refuses_a_malformed_entry_in_the_admin(
    support_client: Client, alice: Member, model: type, data: dict[str, str], message: str
):
    meta = model._meta
    form = {"organization": alice.organization.pk, "user": alice.user.pk, **data}
    form.setdefault("added_at_0", "2026-01-01")
    form.setdefault("added_at_1", "10:00:00")
    form.setdefault("changed_at_0", "2026-01-01")
    form.setdefault("changed_at_1", "10:00:00")

    response = support_client.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"), form)

    assert response.status_code == 200
    assert message in decoded_text_of(response)
    assert not model.objects.exists()


def test_it_saves_a_well_formed_entry_from_the_admin(support_client: Client, alice: Member):
    response = support_client.post(
        reverse("admin:blocklists_orgblocklistentry_add"),
        {
            "organization": alice.organization.pk,
            "value": "spam.example",
            "added_at_0": "2026-01-01",
            "added_at_1": "10:00:00",
        },
    )

    assert response.status_code == 302
    assert OrgBlocklistEntry.objects.get().value == "spam.example"
