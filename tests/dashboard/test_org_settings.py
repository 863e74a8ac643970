"""An org admin sets the organization's sync settings; nobody else can, and the engine honours them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from syncengine.models import Role, SyncSettings
from syncengine.services.streams import stream_specs, sync_settings_for
from tests.support.pages import client_for, text_of, url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def settings_url(person: Person) -> str:
    return reverse("dashboard:org_settings", args=[person.organization.pk])


def form_data(**changes: Any) -> dict[str, str]:
    """What the page posts: ticked boxes are sent as "on", unticked ones are not sent at all."""
    values: dict[str, Any] = {
        "sync_events": True,
        "sync_tasks": True,
        "sync_contacts": True,
        "conflict_policy": "newest",
        "events_direction": "both",
        "tasks_direction": "both",
        "contacts_direction": "both",
        "events_from_salesforce": True,
        "events_deleted_in_salesforce_leave_mailbox": True,
        "contacts_auto_removal": False,
        "save_unresponded_invitations": False,
        "save_internal_meetings": False,
        "internal_domains": "",
        "tag_synced_items": True,
        "sync_attendees_continuously": True,
        "window_days_back": 14,
        "window_days_ahead": 60,
        "max_delete_share": 0.5,
        **changes,
    }
    return {k: ("on" if v is True else str(v)) for k, v in values.items() if v is not False}


def stored(person: Person) -> dict[str, Any]:
    return model_to_dict(sync_settings_for(person.organization))


def test_it_lets_an_org_admin_save_the_settings_and_the_engine_honours_them(
    boss_client: Client, boss: Person
):
    page = boss_client.get(settings_url(boss))
    assert page.status_code == 200
    assert "Sync settings of" in text_of(page)

    response = boss_client.post(
        settings_url(boss),
        form_data(
            sync_contacts=False,
            conflict_policy="crm",
            tasks_direction="to_mail",
            contacts_auto_removal=True,
            window_days_back=7,
            window_days_ahead=30,
            max_delete_share=0.25,
        ),
        follow=True,
    )

    assert response.redirect_chain == [(settings_url(boss), 302)]
    assert "sync settings of" in text_of(response) and "are saved" in text_of(response)
    options = SyncSettings.objects.get(organization=boss.organization)
    assert (options.sync_events, options.sync_tasks, options.sync_contacts) == (True, True, False)
    assert options.conflict_policy == "crm"
    assert options.contacts_auto_removal is True
    assert (options.window_days_back, options.window_days_ahead, options.max_delete_share) == (7, 30, 0.25)
    specs = stream_specs(boss.organization)
    assert [spec.stream for spec in specs] == ["events", "tasks"]
    assert specs[0].window_days == (7, 30)
    assert specs[0].rules.conflict_policy == "crm"
    assert options.tasks_direction == "to_mail"
    assert specs[1].rules.create_in_crm is False, "one way to the mailbox saves nothing new upwards"
    assert {rule.direction for rule in specs[1].rules.fields} == {"to_mail"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("window_days_back", -1), ("window_days_ahead", 366), ("window_days_back", "two weeks")],
)
def test_it_rejects_a_window_out_of_bounds_and_changes_nothing(
    boss_client: Client, boss: Person, field: str, value: Any
):
    before = stored(boss)

    response = boss_client.post(settings_url(boss), form_data(sync_tasks=False, **{field: value}))

    assert response.status_code == 200
    assert "Enter a number of days from 0 to 365." in text_of(response)
    assert "Nothing was saved" in text_of(response)
    assert stored(boss) == before


def test_it_rejects_a_mistyped_internal_domain_and_tidies_good_ones(boss_client: Client, boss: Person):
    refused = boss_client.post(settings_url(boss), form_data(internal_domains="acme.example, acme"))
    assert "Not an e-mail domain: acme" in text_of(refused)
    assert stored(boss)["internal_domains"] == ""

    boss_client.post(
        settings_url(boss), form_data(internal_domains=" @Acme.example,acme.co.uk ,acme.example")
    )
    assert stored(boss)["internal_domains"] == "acme.example, acme.co.uk"
    scope = stream_specs(boss.organization)[0].scope
    assert scope is not None and scope.internal_domains == frozenset({"acme.example", "acme.co.uk"})


@pytest.mark.parametrize("value", [0, 0.01, 1.5, "half", "nan"])
def test_it_rejects_a_delete_share_out_of_bounds_with_a_clear_message(
    boss_client: Client, boss: Person, value: Any
):
    before = stored(boss)

    response = boss_client.post(settings_url(boss), form_data(max_delete_share=value, sync_events=False))

    assert response.status_code == 200
    assert "Enter a share from 0.05 to 1.0" in text_of(response)
    assert stored(boss) == before


@pytest.mark.parametrize("value", ["0.05", "1"])
def test_it_accepts_the_bounds_of_the_delete_share(boss_client: Client, boss: Person, value: str):
    response = boss_client.post(settings_url(boss), form_data(max_delete_share=value))

    assert response.status_code == 302
    assert stored(boss)["max_delete_share"] == float(value)


def test_it_answers_404_to_anyone_but_an_org_admin_of_the_organization(not_admin_here: Person, boss: Person):
    client = client_for(not_admin_here.user)
    before = stored(boss)

    seen = client.get(settings_url(boss))
    posted = client.post(settings_url(boss), form_data(sync_events=False, window_days_back=1))

    assert (seen.status_code, posted.status_code) == (404, 404)
    assert boss.organization.name not in seen.content.decode()
    assert stored(boss) == before


def test_it_answers_404_for_an_organization_that_does_not_exist(boss_client: Client):
    assert boss_client.get(reverse("dashboard:org_settings", args=[987654])).status_code == 404


def test_it_sends_an_anonymous_visitor_to_the_login_page(boss: Person):
    before = stored(boss)

    response = Client().post(settings_url(boss), form_data(sync_events=False))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert stored(boss) == before


def test_it_refuses_a_settings_post_without_the_csrf_token(boss: Person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(boss.user)
    before = stored(boss)

    response = client.post(settings_url(boss), form_data(sync_events=False))

    assert response.status_code == 403
    assert stored(boss) == before


def test_it_links_the_admin_pages_from_the_header_only_for_org_admins(
    boss_client: Client, boss: Person, alice_client: Client, make_person: Callable[..., Person]
):
    mappings_url = reverse("dashboard:org_mappings", args=[boss.organization.pk, "events"])

    for_boss = boss_client.get(url("home")).content.decode()
    for_user = alice_client.get(url("home")).content.decode()
    other = make_person("otherboss", role=Role.ORG_ADMIN)
    other_client = client_for(other.user)
    for_other_admin = other_client.get(url("home")).content.decode()

    assert f'href="{settings_url(boss)}"' in for_boss
    assert f'href="{mappings_url}"' in for_boss
    assert "Sync settings" not in for_user and "/org/" not in for_user
    assert f'href="{settings_url(boss)}"' not in for_other_admin
    assert f'href="{settings_url(other)}"' in for_other_admin
