"""``blocklist_for`` and the writes: how the layers combine, what users may lift, the free-email
domains, internal domains, and that a change applies to the next call (the next session)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blocklists.core import BlocklistInputError
from blocklists.models import BlocklistSettings, FreeDomainChange, OrgBlocklistEntry, UserBlocklistEntry
from blocklists.services import (
    BlocklistError,
    EntriesError,
    blocklist_for,
    blocklist_for_mailbox,
    blocklist_settings_save,
    free_domain_remove,
    free_domains_add,
    free_domains_of,
    free_domains_reset,
    internal_domains_of,
    org_entries_add,
    user_entries_add,
    user_org_entry_lift,
)
from syncengine.models import SyncSettings
from syncengine.services.mailboxes import mailbox_create
from tests.support.members import Member

pytestmark = pytest.mark.django_db


def org_add(member: Member, *texts: str) -> None:
    org_entries_add(organization=member.organization, texts=texts, added_by=member.user)


def test_it_combines_the_org_layer_and_the_user_layer(alice: Member, teammate: Member, boss: Member):
    org_add(boss, "newsletter.example")
    user_entries_add(user=alice.user, organization=alice.organization, texts=["mum@family.example"])

    for_alice = blocklist_for(alice.user, alice.organization)
    for_teammate = blocklist_for(teammate.user, teammate.organization)

    assert for_alice.reason("news@newsletter.example") == "org"
    assert for_alice.reason("mum@family.example") == "user"
    assert for_teammate.reason("news@mail.newsletter.example") == "org"
    assert for_teammate.reason("mum@family.example") is None  # alice's own layer is hers only


def test_it_keeps_each_organization_to_its_own_entries(alice: Member, boss: Member, outsider: Member):
    org_add(boss, "rival.example")
    user_entries_add(user=outsider.user, organization=outsider.organization, texts=["ally.example"])

    assert not blocklist_for(outsider.user, outsider.organization).blocks("ceo@rival.example")
    assert not blocklist_for(alice.user, alice.organization).blocks("x@ally.example")


def test_it_always_blocks_the_internal_domains_and_their_subdomains(alice: Member, outsider: Member):
    blocklist = blocklist_for(alice.user, alice.organization)

    assert blocklist.reason("colleague@acme.example") == "internal domain"
    assert blocklist.reason("colleague@eu.acme-corp.example") == "internal domain"
    assert not blocklist_for(outsider.user, outsider.organization).blocks("colleague@acme.example")


def test_it_treats_the_organizations_own_mailbox_addresses_as_internal(
    alice: Member, teammate: Member, outsider: Member
):
    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=False, users_may_remove_org_entries=True
    )
    mailbox_create(
        organization=teammate.organization,
        owner=teammate.user,
        address="Teammate.Acme@Gmail.com",
        provider_account={},
        credentials={},
    )

    assert (
        blocklist_for(alice.user, alice.organization).reason("teammate.acme@gmail.com") == "internal address"
    )
    assert not blocklist_for(alice.user, alice.organization).blocks("someone.else@gmail.com")
    assert not blocklist_for(outsider.user, outsider.organization).blocks("x@acme.example")
    assert blocklist_for(outsider.user, outsider.organization).reason("teammate.acme@gmail.com") == (
        "free-email domain"
    )


def test_it_keeps_a_lifted_entry_blocked_once_it_becomes_an_internal_domain(alice: Member, boss: Member):
    org_add(boss, "newco.example")
    user_org_entry_lift(
        user=alice.user, organization=alice.organization, org_entry=OrgBlocklistEntry.objects.get()
    )
    assert not blocklist_for(alice.user, alice.organization).blocks("x@newco.example")

    SyncSettings.objects.filter(organization=alice.organization).update(
        internal_domains="acme.example, newco.example"
    )

    assert blocklist_for(alice.user, alice.organization).reason("x@newco.example") == "internal domain"


def test_it_builds_the_blocklist_of_a_mailboxs_owner(alice: Member):
    user_entries_add(user=alice.user, organization=alice.organization, texts=["mum@family.example"])
    mailbox = mailbox_create(
        organization=alice.organization,
        owner=alice.user,
        address="alice@acme.example",
        provider_account={},
        credentials={},
    )

    assert blocklist_for_mailbox(mailbox) == blocklist_for(alice.user, alice.organization)
    assert blocklist_for_mailbox(mailbox).reason("mum@family.example") == "user"


def test_it_reads_internal_domains_tolerantly_and_skips_malformed_ones(alice: Member):
    SyncSettings.objects.filter(organization=alice.organization).update(
        internal_domains=" @Acme.example ; not a domain, bücher.de,, acme.example"
    )

    assert internal_domains_of(alice.organization) == ["acme.example", "xn--bcher-kva.de"]
    assert blocklist_for(alice.user, alice.organization).reason("kim@bücher.de") == "internal domain"


def test_it_works_for_an_organization_without_sync_settings_and_writes_nothing(outsider: Member):
    blocklist = blocklist_for(outsider.user, outsider.organization)

    assert blocklist.internal_domains == frozenset()
    assert blocklist.reason("joe@gmail.com") == "free-email domain"
    assert not SyncSettings.objects.filter(organization=outsider.organization).exists()
    assert not BlocklistSettings.objects.filter(organization=outsider.organization).exists()


def test_it_blocks_the_free_email_domains_by_default(alice: Member):
    blocklist = blocklist_for(alice.user, alice.organization)

    for address in ("joe@gmail.com", "joe@googlemail.com", "joe@yahoo.com", "joe@outlook.com", "joe@web.de"):
        assert blocklist.reason(address) == "free-email domain", address
    assert not blocklist.blocks("joe@customer.example")


def test_it_stops_blocking_free_email_domains_when_the_org_switches_the_list_off(
    alice: Member, outsider: Member
):
    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=False, users_may_remove_org_entries=True
    )

    assert not blocklist_for(alice.user, alice.organization).blocks("joe@gmail.com")
    assert blocklist_for(outsider.user, outsider.organization).blocks("joe@gmail.com")  # other orgs keep it


def test_it_lets_an_org_edit_its_own_free_domain_list(alice: Member, boss: Member, outsider: Member):
    result = free_domains_add(
        organization=alice.organization, texts=["Freemail.example", "gmail.com"], changed_by=boss.user
    )
    free_domain_remove(organization=alice.organization, domain="yahoo.com", changed_by=boss.user)

    assert (result.added, result.already) == (["freemail.example"], ["gmail.com"])
    blocklist = blocklist_for(alice.user, alice.organization)
    assert blocklist.reason("x@freemail.example") == "free-email domain"
    assert not blocklist.blocks("x@yahoo.com")
    assert blocklist.blocks("x@gmail.com")
    assert blocklist_for(outsider.user, outsider.organization).blocks("x@yahoo.com")  # only this org


def test_it_puts_a_removed_default_back_and_resets_to_the_default_list(alice: Member, boss: Member):
    free_domain_remove(organization=alice.organization, domain="yahoo.com", changed_by=boss.user)
    free_domains_add(organization=alice.organization, texts=["yahoo.com"], changed_by=boss.user)
    assert "yahoo.com" in free_domains_of(alice.organization)
    assert not FreeDomainChange.objects.filter(organization=alice.organization).exists()

    free_domains_add(organization=alice.organization, texts=["freemail.example"], changed_by=boss.user)
    free_domain_remove(organization=alice.organization, domain="gmail.com", changed_by=boss.user)
    free_domain_remove(organization=alice.organization, domain="freemail.example", changed_by=boss.user)
    assert "freemail.example" not in free_domains_of(alice.organization)

    free_domains_reset(organization=alice.organization)
    assert "gmail.com" in free_domains_of(alice.organization)


def test_it_refuses_to_remove_a_domain_that_is_not_on_the_free_list(alice: Member, boss: Member):
    with pytest.raises(BlocklistError, match="not on the free-email-domain list"):
        free_domain_remove(organization=alice.organization, domain="customer.example", changed_by=boss.user)


def test_it_refuses_an_address_on_the_free_domain_list(alice: Member, boss: Member):
    with pytest.raises(EntriesError, match="is an address, not a domain"):
        free_domains_add(organization=alice.organization, texts=["joe@gmail.com"], changed_by=boss.user)


def test_it_lets_a_user_lift_an_org_entry_for_themselves_only(alice: Member, teammate: Member, boss: Member):
    org_add(boss, "partner.example")
    entry = OrgBlocklistEntry.objects.get(organization=boss.organization)

    user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=entry)

    assert not blocklist_for(alice.user, alice.organization).blocks("pat@partner.example")
    assert blocklist_for(teammate.user, teammate.organization).blocks("pat@partner.example")
    assert blocklist_for(None, alice.organization).blocks("pat@partner.example")
    assert OrgBlocklistEntry.objects.filter(pk=entry.pk).exists()


def test_it_refuses_a_lift_where_the_org_does_not_permit_it_and_ignores_earlier_lifts(
    alice: Member, teammate: Member, boss: Member
):
    org_add(boss, "partner.example")
    entry = OrgBlocklistEntry.objects.get(organization=boss.organization)
    user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=entry)

    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=True, users_may_remove_org_entries=False
    )

    assert blocklist_for(alice.user, alice.organization).reason("pat@partner.example") == "org"
    with pytest.raises(BlocklistError, match="does not let users remove entries"):
        user_org_entry_lift(user=teammate.user, organization=teammate.organization, org_entry=entry)
    assert not UserBlocklistEntry.objects.filter(user=teammate.user).exists()

    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=True, users_may_remove_org_entries=True
    )
    assert not blocklist_for(alice.user, alice.organization).blocks("pat@partner.example")


def test_it_lifts_only_the_exact_org_entry_not_a_broader_or_narrower_one(alice: Member, boss: Member):
    org_add(boss, "partner.example", "eu.partner.example", "ceo@partner.example")
    narrow = OrgBlocklistEntry.objects.get(value="eu.partner.example")
    user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=narrow)

    blocklist = blocklist_for(alice.user, alice.organization)

    assert blocklist.reason("pat@eu.partner.example") == "org"  # partner.example still covers it


def test_it_keeps_a_users_own_entry_when_they_lift_the_same_org_entry_refused(alice: Member, boss: Member):
    org_add(boss, "partner.example")
    user_entries_add(user=alice.user, organization=alice.organization, texts=["partner.example"])
    entry = OrgBlocklistEntry.objects.get(organization=boss.organization)

    with pytest.raises(BlocklistError, match=r"You block partner\.example yourself"):
        user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=entry)
    assert blocklist_for(alice.user, alice.organization).reason("pat@partner.example") == "user"


def test_it_turns_a_lift_back_into_a_block_when_the_user_blocks_the_value(alice: Member, boss: Member):
    org_add(boss, "partner.example")
    entry = OrgBlocklistEntry.objects.get(organization=boss.organization)
    user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=entry)

    result = user_entries_add(user=alice.user, organization=alice.organization, texts=["partner.example"])

    assert result.added == ["partner.example"]
    assert blocklist_for(alice.user, alice.organization).reason("pat@partner.example") == "user"


def test_it_refuses_to_lift_another_organizations_entry(alice: Member, otherboss: Member):
    org_add(otherboss, "rival.example")
    foreign = OrgBlocklistEntry.objects.get(organization=otherboss.organization)

    with pytest.raises(BlocklistError, match="not on this organization's blocklist"):
        user_org_entry_lift(user=alice.user, organization=alice.organization, org_entry=foreign)


def test_it_does_not_store_entries_an_internal_domain_already_covers(alice: Member, boss: Member):
    result = org_entries_add(
        organization=boss.organization,
        texts=["acme.example", "eu.acme.example", "ceo@acme-corp.example", "other.example"],
        added_by=boss.user,
    )

    assert result.internal == ["acme.example", "eu.acme.example", "ceo@acme-corp.example"]
    assert result.added == ["other.example"]
    assert list(OrgBlocklistEntry.objects.values_list("value", flat=True)) == ["other.example"]


def test_it_adds_nothing_when_one_entry_of_a_batch_is_malformed(alice: Member, boss: Member):
    with pytest.raises(EntriesError) as refused:
        org_entries_add(
            organization=boss.organization,
            texts=["good.example", "*.bad.example", "worse@", "fine@ok.example"],
            added_by=boss.user,
        )

    assert len(refused.value.problems) == 2
    assert "wildcards are not supported" in refused.value.problems[0]
    assert isinstance(refused.value, BlocklistInputError)
    assert not OrgBlocklistEntry.objects.exists()


def test_it_stores_entries_normalised_once_with_who_and_when(alice: Member, boss: Member):
    result = org_entries_add(
        organization=boss.organization,
        texts=["News@Letter.Example", "news@letter.example", "Bücher.de"],
        added_by=boss.user,
        note=" marketing ",
    )
    again = org_entries_add(organization=boss.organization, texts=["NEWS@letter.example"], added_by=None)

    assert result.added == ["news@letter.example", "xn--bcher-kva.de"]
    assert again.already == ["news@letter.example"]
    entry = OrgBlocklistEntry.objects.get(value="news@letter.example")
    assert (entry.added_by, entry.note) == (boss.user, "marketing")
    assert entry.added_at is not None


def test_it_reads_the_layers_fresh_at_every_call_so_the_next_session_sees_changes(
    alice: Member, boss: Member
):
    before = blocklist_for(alice.user, alice.organization)
    org_add(boss, "late.example")
    user_entries_add(user=alice.user, organization=alice.organization, texts=["mine.example"])
    blocklist_settings_save(
        organization=alice.organization, free_domains_enabled=False, users_may_remove_org_entries=True
    )

    after = blocklist_for(alice.user, alice.organization)

    assert not before.blocks("x@late.example") and after.blocks("x@late.example")
    assert not before.blocks("x@mine.example") and after.blocks("x@mine.example")
    assert before.blocks("x@gmail.com") and not after.blocks("x@gmail.com")


def test_it_builds_a_blocklist_with_a_fixed_small_number_of_queries(alice: Member, boss: Member):
    org_add(boss, *[f"d{i}.example" for i in range(30)])
    user_entries_add(
        user=alice.user, organization=alice.organization, texts=[f"u{i}@x.example" for i in range(30)]
    )

    with CaptureQueriesContext(connection) as queries:
        blocklist_for(alice.user, alice.organization)

    assert len(queries) <= 6


def test_it_refuses_a_note_longer_than_the_column_and_adds_nothing(alice: Member, boss: Member):
    with pytest.raises(EntriesError, match="A note holds at most 200 characters"):
        org_entries_add(
            organization=boss.organization, texts=["x.example"], added_by=boss.user, note="n" * 201
        )
    with pytest.raises(EntriesError, match="A note holds at most 200 characters"):
        user_entries_add(
            user=alice.user, organization=alice.organization, texts=["x.example"], note="n" * 201
        )

    assert not OrgBlocklistEntry.objects.exists() and not UserBlocklistEntry.objects.exists()
