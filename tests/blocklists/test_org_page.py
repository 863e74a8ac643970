"""The org admin's blocklist page: the organization's entries, the free-email-domain list and the
options. Only an org admin of that very organization gets it; everyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from blocklists.models import BlocklistSettings, FreeDomainChange, OrgBlocklistEntry, UserBlocklistEntry
from blocklists.services import (
    blocklist_for,
    free_domains_of,
    org_entries_add,
    user_entries_add,
    user_org_entry_lift,
)
from syncengine.models import Role
from tests.support.members import Member
from tests.support.pages import decoded_text_of

pytestmark = pytest.mark.django_db


def url(name: str, member: Member, *args: Any) -> str:
    return reverse(f"blocklists:{name}", args=[member.organization.pk, *args])


def org_values(member: Member) -> list[str]:
    return list(
        OrgBlocklistEntry.objects.filter(organization=member.organization).values_list("value", flat=True)
    )


def state(member: Member) -> tuple[Any, ...]:
    """Everything an org page can change, to check that a refused request changed nothing."""
    options = BlocklistSettings.objects.filter(organization=member.organization).values_list(
        "free_domains_enabled", "users_may_remove_org_entries"
    )
    return (org_values(member), list(options), free_domains_of(member.organization))


def test_it_shows_the_org_entries_internal_and_free_domains_to_the_org_admin(boss: Member, alice: Member):
    org_entries_add(
        organization=boss.organization, texts=["newsletter.example"], added_by=boss.user, note="spam"
    )
    user_entries_add(user=alice.user, organization=alice.organization, texts=["alices-own.example"])

    page = boss.client.get(url("org_page", boss))

    assert page.status_code == 200
    html = decoded_text_of(page)
    assert f"Blocklist of {boss.organization}" in html
    assert "newsletter.example" in html and "spam" in html and boss.user.username in html
    assert "acme.example" in html and "acme-corp.example" in html
    assert "gmail.com" in html and "default list" in html
    assert "alices-own.example" not in html  # users' own entries are theirs
    assert "<strong>Blocklist</strong>" in html  # the org admin tabs, this one active


def test_it_lets_the_org_admin_add_entries_in_bulk_and_they_apply_to_every_user(
    boss: Member, alice: Member, teammate: Member
):
    response = boss.client.post(
        url("org_add", boss),
        {"entries": "newsletter.example\nNoReply@Vendor.example; acme.example", "note": "noise"},
        follow=True,
    )

    assert response.redirect_chain == [(url("org_page", boss), 302)]
    html = decoded_text_of(response)
    assert (
        f"Added to the blocklist of {boss.organization}: newsletter.example, noreply@vendor.example" in html
    )
    assert "always blocked as the organization's internal domains: acme.example" in html
    assert sorted(org_values(boss)) == ["newsletter.example", "noreply@vendor.example"]
    for member in (alice, teammate):
        assert blocklist_for(member.user, member.organization).reason("x@news.newsletter.example") == "org"


def test_it_refuses_malformed_org_entries_with_clear_messages_and_adds_nothing(boss: Member):
    response = boss.client.post(url("org_add", boss), {"entries": "ok.example\n*.example.com\nexample"})

    assert response.status_code == 200
    html = decoded_text_of(response)
    assert "Nothing was added" in html
    assert "wildcards are not supported" in html
    assert "“example” is not a full domain: include its ending, such as example.com." in html
    assert org_values(boss) == []


def test_it_refuses_a_note_that_is_too_long(boss: Member):
    response = boss.client.post(url("org_add", boss), {"entries": "ok.example", "note": "n" * 201})

    assert "Ensure this value has at most 200 characters" in decoded_text_of(response)
    assert org_values(boss) == []


def test_it_refuses_a_paste_of_too_many_entries(boss: Member):
    many = "\n".join(f"d{i}.example" for i in range(501))

    response = boss.client.post(url("org_add", boss), {"entries": many})

    assert "add at most 500 at a time" in decoded_text_of(response)
    assert org_values(boss) == []


def test_it_lets_the_org_admin_remove_an_entry(boss: Member, alice: Member):
    org_entries_add(organization=boss.organization, texts=["old.example"], added_by=boss.user)
    entry = OrgBlocklistEntry.objects.get()

    response = boss.client.post(url("org_remove", boss, entry.pk), follow=True)

    assert "old.example is no longer on the blocklist" in decoded_text_of(response)
    assert org_values(boss) == []
    assert not blocklist_for(alice.user, alice.organization).blocks("x@old.example")


def test_it_switches_the_free_domain_list_off_and_on(boss: Member, alice: Member):
    off = boss.client.post(url("org_options", boss), {"users_may_remove_org_entries": "on"}, follow=True)

    assert "free email domains are not blocked" in decoded_text_of(off)
    assert "Not blocked" in decoded_text_of(off)
    assert not blocklist_for(alice.user, alice.organization).blocks("joe@gmail.com")

    boss.client.post(
        url("org_options", boss), {"free_domains_enabled": "on", "users_may_remove_org_entries": "on"}
    )

    assert blocklist_for(alice.user, alice.organization).reason("joe@gmail.com") == "free-email domain"


def test_it_forbids_users_to_remove_org_entries_and_their_lifts_stop_applying(boss: Member, alice: Member):
    org_entries_add(organization=boss.organization, texts=["partner.example"], added_by=boss.user)
    user_org_entry_lift(
        user=alice.user, organization=alice.organization, org_entry=OrgBlocklistEntry.objects.get()
    )
    assert not blocklist_for(alice.user, alice.organization).blocks("x@partner.example")

    response = boss.client.post(url("org_options", boss), {"free_domains_enabled": "on"}, follow=True)

    assert "users may not remove org entries" in decoded_text_of(response)
    assert blocklist_for(alice.user, alice.organization).reason("x@partner.example") == "org"
    assert UserBlocklistEntry.objects.filter(user=alice.user).exists()  # kept, in case it is allowed again


def test_it_lets_the_org_admin_edit_the_free_domain_list(boss: Member, alice: Member):
    added = boss.client.post(
        url("org_free_add", boss), {"domains": "freemail.example\ngmail.com"}, follow=True
    )
    removed = boss.client.post(url("org_free_remove", boss), {"domain": "yahoo.com"}, follow=True)

    assert "Added to the free-email-domain list: freemail.example" in decoded_text_of(added)
    assert "Already on the free-email-domain list: gmail.com" in decoded_text_of(added)
    assert "added by" in decoded_text_of(added)
    assert "yahoo.com is off the free-email-domain list" in decoded_text_of(removed)
    assert "Taken out of the default list: yahoo.com" in decoded_text_of(removed)
    blocklist = blocklist_for(alice.user, alice.organization)
    assert blocklist.reason("x@freemail.example") == "free-email domain"
    assert not blocklist.blocks("x@yahoo.com")

    reset = boss.client.post(url("org_free_reset", boss), follow=True)

    assert "back to the default list" in decoded_text_of(reset)
    assert not FreeDomainChange.objects.exists()
    assert blocklist_for(alice.user, alice.organization).blocks("x@yahoo.com")


def test_it_refuses_malformed_free_domains_and_addresses_there(boss: Member):
    before = state(boss)

    response = boss.client.post(url("org_free_add", boss), {"domains": "joe@gmail.com\nfree mail.example"})
    missing = boss.client.post(url("org_free_remove", boss), {"domain": "customer.example"}, follow=True)

    assert response.status_code == 200
    assert "is an address, not a domain" in decoded_text_of(response)
    assert "no spaces" in decoded_text_of(response)
    assert "customer.example is not on the free-email-domain list" in decoded_text_of(missing)
    assert state(boss) == before


@pytest.fixture(params=["alice", "teammate", "helpdesk", "outsider", "otherboss"])
def not_admin_here(request: pytest.FixtureRequest, boss: Member) -> Member:
    """Users and the support member of the organization, a user and the admin of another one."""
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("org_add", {"entries": "sneaky.example"}),
        ("org_options", {}),
        ("org_free_add", {"domains": "sneaky.example"}),
        ("org_free_remove", {"domain": "gmail.com"}),
        ("org_free_reset", {}),
    ],
)
def test_it_answers_404_to_anyone_but_an_org_admin_of_the_organization(
    not_admin_here: Member, boss: Member, name: str, data: dict[str, str]
):
    org_entries_add(organization=boss.organization, texts=["kept.example"], added_by=boss.user)
    before = state(boss)

    seen = not_admin_here.client.get(url("org_page", boss))
    posted = not_admin_here.client.post(url(name, boss), data)
    removed = not_admin_here.client.post(url("org_remove", boss, OrgBlocklistEntry.objects.get().pk))

    assert (seen.status_code, posted.status_code, removed.status_code) == (404, 404, 404)
    assert boss.organization.name not in seen.content.decode()
    assert state(boss) == before


def test_it_answers_404_when_an_admin_removes_another_organizations_entry(boss: Member, otherboss: Member):
    org_entries_add(organization=otherboss.organization, texts=["theirs.example"], added_by=otherboss.user)
    foreign = OrgBlocklistEntry.objects.get()

    response = boss.client.post(url("org_remove", boss, foreign.pk))

    assert response.status_code == 404
    assert org_values(otherboss) == ["theirs.example"]


def test_it_answers_404_for_an_organization_that_does_not_exist(boss: Member):
    assert boss.client.get(reverse("blocklists:org_page", args=[987654])).status_code == 404


def test_it_refuses_an_org_post_without_the_csrf_token(boss: Member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(boss.user)
    before = state(boss)

    response = client.post(url("org_add", boss), {"entries": "x.example"})

    assert response.status_code == 403
    assert state(boss) == before


def test_it_links_the_blocklist_tab_from_the_other_org_admin_pages(boss: Member):
    page = boss.client.get(reverse("dashboard:org_settings", args=[boss.organization.pk]))

    assert f'href="{url("org_page", boss)}"' in page.content.decode()


def test_it_keeps_a_second_admins_view_of_the_same_organization_in_sync(
    boss: Member, make_member: Callable[..., Member]
):
    deputy = make_member("deputy", boss.organization, role=Role.ORG_ADMIN)
    boss.client.post(url("org_add", boss), {"entries": "shared.example"})

    assert "shared.example" in decoded_text_of(deputy.client.get(url("org_page", deputy)))
