"""The user's blocklist page: their own entries, the org entries that apply to them, and lifting an
org entry for themselves where the organization permits it. Nobody sees anyone else's entries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from blocklists.models import OrgBlocklistEntry, UserBlocklistEntry, UserEntryAction
from blocklists.services import blocklist_for, blocklist_settings_save, org_entries_add, user_entries_add
from syncengine.models import Membership, Organization, Role
from syncengine.services.mailboxes import mailbox_create
from tests.support.members import Member
from tests.support.pages import client_for, decoded_text_of

pytestmark = pytest.mark.django_db


def page_url(member: Member) -> str:
    return reverse("blocklists:user_page", args=[member.organization.pk])


def add_url(member: Member) -> str:
    return reverse("blocklists:user_add", args=[member.organization.pk])


def own_values(member: Member) -> list[str]:
    return list(
        UserBlocklistEntry.objects.filter(user=member.user, action=UserEntryAction.BLOCK).values_list(
            "value", flat=True
        )
    )


def org_entry(boss: Member, text: str) -> OrgBlocklistEntry:
    org_entries_add(organization=boss.organization, texts=[text], added_by=boss.user, note="from the boss")
    return OrgBlocklistEntry.objects.get(organization=boss.organization, value=text)


def test_it_shows_the_users_own_entries_the_org_entries_and_what_is_always_blocked(
    alice: Member, teammate: Member, boss: Member
):
    org_entry(boss, "newsletter.example")
    user_entries_add(user=alice.user, organization=alice.organization, texts=["mum@family.example"])
    user_entries_add(
        user=teammate.user, organization=teammate.organization, texts=["secret@teammate.example"]
    )

    page = alice.client.get(reverse("blocklists:mine"))

    assert page.status_code == 200
    html = decoded_text_of(page)
    assert f"Your blocklist in {alice.organization}" in html
    assert "mum@family.example" in html
    assert "newsletter.example" in html and "from the boss" in html
    assert "acme.example" in html and "acme-corp.example" in html
    assert "gmail.com" in html
    assert "secret@teammate.example" not in html


def test_it_lets_a_user_add_several_entries_at_once(alice: Member):
    response = alice.client.post(
        add_url(alice),
        {"entries": "Mum@Family.example\nfriends.example, bücher.de", "note": "personal"},
        follow=True,
    )

    assert response.redirect_chain == [(page_url(alice), 302)]
    assert "Added to your blocklist: mum@family.example, friends.example, bücher.de" in decoded_text_of(
        response
    )
    assert sorted(own_values(alice)) == ["friends.example", "mum@family.example", "xn--bcher-kva.de"]
    assert blocklist_for(alice.user, alice.organization).reason("x@bücher.de") == "user"


def test_it_refuses_malformed_input_with_clear_messages_adds_nothing_and_keeps_what_was_typed(alice: Member):
    typed = "good.example\n*.wild.example\nbob@@example.com"

    response = alice.client.post(add_url(alice), {"entries": typed})

    assert response.status_code == 200
    html = decoded_text_of(response)
    assert "Nothing was added" in html
    assert "“*.wild.example”: wildcards are not supported" in html
    assert "“bob@@example.com” is not a valid email address" in html
    assert "good.example\n*.wild.example" in response.content.decode()  # the textarea keeps the input
    assert own_values(alice) == []


def test_it_asks_for_an_entry_when_the_box_is_empty(alice: Member):
    response = alice.client.post(add_url(alice), {"entries": " \n , "})

    assert "Enter an address (name@example.com) or a domain (example.com)." in decoded_text_of(response)


def test_it_says_which_entries_were_already_there_or_internal(alice: Member):
    user_entries_add(user=alice.user, organization=alice.organization, texts=["friends.example"])

    response = alice.client.post(
        add_url(alice), {"entries": "friends.example\nsales.acme.example"}, follow=True
    )

    html = decoded_text_of(response)
    assert "Already on your blocklist: friends.example" in html
    assert "always blocked as the organization's internal domains: sales.acme.example" in html


def test_it_lets_a_user_remove_their_own_entry(alice: Member):
    user_entries_add(user=alice.user, organization=alice.organization, texts=["friends.example"])
    entry = UserBlocklistEntry.objects.get(user=alice.user)

    response = alice.client.post(
        reverse("blocklists:user_remove", args=[alice.organization.pk, entry.pk]), follow=True
    )

    assert "friends.example is no longer on your blocklist" in decoded_text_of(response)
    assert own_values(alice) == []


def test_it_answers_404_when_removing_a_teammates_entry(alice: Member, teammate: Member):
    user_entries_add(user=teammate.user, organization=teammate.organization, texts=["private.example"])
    entry = UserBlocklistEntry.objects.get(user=teammate.user)

    response = alice.client.post(reverse("blocklists:user_remove", args=[alice.organization.pk, entry.pk]))

    assert response.status_code == 404
    assert own_values(teammate) == ["private.example"]


def test_it_lets_a_user_lift_an_org_entry_for_themselves_and_put_it_back(
    alice: Member, teammate: Member, boss: Member
):
    entry = org_entry(boss, "partner.example")
    lift_url = reverse("blocklists:user_lift", args=[alice.organization.pk, entry.pk])

    lifted = alice.client.post(lift_url, follow=True)

    assert "partner.example no longer blocks your emails" in decoded_text_of(lifted)
    assert "removed for you" in decoded_text_of(lifted)
    assert not blocklist_for(alice.user, alice.organization).blocks("pat@partner.example")
    assert blocklist_for(teammate.user, teammate.organization).blocks("pat@partner.example")

    lift = UserBlocklistEntry.objects.get(user=alice.user, action=UserEntryAction.ALLOW)
    back = alice.client.post(
        reverse("blocklists:user_remove", args=[alice.organization.pk, lift.pk]), follow=True
    )

    assert "The organization's entry partner.example applies to you again" in decoded_text_of(back)
    assert blocklist_for(alice.user, alice.organization).blocks("pat@partner.example")


def test_it_refuses_a_lift_and_hides_the_button_where_the_org_does_not_permit_it(alice: Member, boss: Member):
    entry = org_entry(boss, "partner.example")
    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=True, users_may_remove_org_entries=False
    )
    lift_url = reverse("blocklists:user_lift", args=[alice.organization.pk, entry.pk])

    page = alice.client.get(page_url(alice))
    response = alice.client.post(lift_url, follow=True)

    assert lift_url not in page.content.decode()
    assert "does not let users remove these entries" in decoded_text_of(page)
    assert "does not let users remove entries of the organization's blocklist" in decoded_text_of(response)
    assert not UserBlocklistEntry.objects.filter(user=alice.user).exists()
    assert blocklist_for(alice.user, alice.organization).blocks("pat@partner.example")


def test_it_answers_404_when_lifting_another_organizations_entry(alice: Member, otherboss: Member):
    foreign = org_entry(otherboss, "rival.example")

    response = alice.client.post(reverse("blocklists:user_lift", args=[alice.organization.pk, foreign.pk]))

    assert response.status_code == 404
    assert not UserBlocklistEntry.objects.exists()


def test_it_answers_404_for_an_organization_the_user_is_not_in(alice: Member, outsider: Member):
    user_entries_add(user=outsider.user, organization=outsider.organization, texts=["theirs.example"])

    seen = alice.client.get(page_url(outsider))
    added = alice.client.post(add_url(outsider), {"entries": "sneaky.example"})

    assert (seen.status_code, added.status_code) == (404, 404)
    assert not UserBlocklistEntry.objects.filter(user=alice.user).exists()


def test_it_shows_a_user_in_two_organizations_each_blocklist_separately(alice: Member, globex: Organization):
    Membership.objects.create(user=alice.user, organization=globex, role=Role.USER)
    user_entries_add(user=alice.user, organization=globex, texts=["globex-only.example"])

    acme_page = decoded_text_of(alice.client.get(page_url(alice)))
    globex_page = decoded_text_of(alice.client.get(reverse("blocklists:user_page", args=[globex.pk])))

    assert "globex-only.example" not in acme_page
    assert reverse("blocklists:user_page", args=[globex.pk]) in acme_page
    assert "globex-only.example" in globex_page
    assert not blocklist_for(alice.user, alice.organization).blocks("x@globex-only.example")


def test_it_tells_a_user_without_an_organization_there_is_nothing_to_manage(db: None):
    client = client_for(User.objects.create_user(username="loner", password="pw-for-tests-only"))

    page = client.get(reverse("blocklists:mine"))

    assert page.status_code == 200
    assert "not a member of any organization" in decoded_text_of(page)


def test_it_checks_which_layer_blocks_an_address(alice: Member, boss: Member):
    org_entry(boss, "newsletter.example")

    def verdict(address: str) -> str:
        return decoded_text_of(alice.client.get(page_url(alice), {"address": address}))

    assert "blocked by the organization's blocklist" in verdict("news@newsletter.example")
    assert "in one of the organization's internal domains" in verdict("me@acme.example")
    assert "on a free email provider's domain" in verdict("Joe <joe@gmail.com>")
    assert "not blocked" in verdict("pat@customer.example")

    mailbox_create(
        organization=alice.organization,
        owner=alice.user,
        address="alice.home@gmail.com",
        provider_account={},
        credentials={},
    )
    assert "the address of a mailbox of the organization" in verdict("alice.home@gmail.com")


def test_it_links_the_org_page_only_for_an_org_admin(alice: Member, boss: Member):
    org_url = reverse("blocklists:org_page", args=[alice.organization.pk])

    assert org_url in boss.client.get(page_url(boss)).content.decode()
    assert org_url not in alice.client.get(page_url(alice)).content.decode()


def test_it_links_the_users_blocklist_from_the_header(alice: Member):
    page = alice.client.get(page_url(alice)).content.decode()

    assert f'href="{reverse("blocklists:mine")}"' in page


def test_it_sends_an_anonymous_visitor_to_the_login_page(alice: Member):
    for response in (
        Client().get(reverse("blocklists:mine")),
        Client().post(add_url(alice), {"entries": "x.io"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not UserBlocklistEntry.objects.exists()


def test_it_refuses_a_post_without_the_csrf_token(alice: Member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)

    response = client.post(add_url(alice), {"entries": "friends.example"})

    assert response.status_code == 403
    assert own_values(alice) == []


def test_it_refuses_to_change_anything_on_a_get(alice: Member, boss: Member):
    entry = org_entry(boss, "partner.example")

    response = alice.client.get(reverse("blocklists:user_lift", args=[alice.organization.pk, entry.pk]))

    assert response.status_code == 405
    assert not UserBlocklistEntry.objects.exists()
