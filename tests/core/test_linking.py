"""Initial search and auto-linking rules, directly on the pure linker."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from syncengine.core.linking import (
    AccountRow,
    CaseRow,
    ContactRow,
    Found,
    ItemFacts,
    LeadRow,
    LinkFilters,
    LinkUser,
    OpportunityRow,
    PersonLink,
    case_numbers,
    contact_accounts,
    link_item,
    lookup_request,
    record_links,
    unresolved_domains,
    website_host,
)

TODAY = date(2026, 11, 27)
ME = LinkUser("005000000000001AAA", frozenset({"rep@mycorp.example"}))
OTHER_USER = "005000000000002AAA"
ACME = "001000000000001AAA"
BETA = "001000000000002AAA"


def never(_: str) -> bool:
    return False


FREE = LinkFilters(free_email_domains=frozenset({"gmail.com", "gmx.de"}))  # the org's list, as given


def link(item: ItemFacts, found: Found, **kw: Any):
    kw.setdefault("filters", FREE)
    return link_item(item, user=ME, found=found, is_blocked=kw.pop("is_blocked", never), today=TODAY, **kw)


def inbound(sender: str, subject: str = "Hello", body: str = "", **kw: Any) -> ItemFacts:
    return ItemFacts(sender=sender, to=("rep@mycorp.example",), subject=subject, body=body, **kw)


def contact(n: int, email: str, account: str = "", owner: str = OTHER_USER, modified: str = "") -> ContactRow:
    return ContactRow(f"003{n:015d}", email, account, owner, modified or "2026-01-01T00:00:00.000+0000")


def opp(n: int, account: str = ACME, owner: str = ME.id, closes: int = 30, modified: str = "", **kw: Any):
    return OpportunityRow(
        f"006{n:015d}",
        account,
        owner,
        close_date=TODAY + timedelta(days=closes),
        last_modified=modified or f"2026-11-{n:02d}T00:00:00.000+0000",
        **kw,
    )


# -- people ----------------------------------------------------------------------------------------------
def test_it_prefers_among_several_contacts_the_one_with_an_account_then_the_users_then_the_newest():
    a = contact(1, "ann@acme.example", modified="2026-11-01T00:00:00.000+0000")
    b = contact(2, "ann@acme.example", account=ACME, modified="2026-01-01T00:00:00.000+0000")
    assert link(inbound("ann@acme.example"), Found(contacts=(a, b))).who_id == b.id

    mine = contact(3, "bo@acme.example", owner=ME.id, modified="2026-01-01T00:00:00.000+0000")
    newer = contact(4, "bo@acme.example", modified="2026-11-01T00:00:00.000+0000")
    assert link(inbound("bo@acme.example"), Found(contacts=(newer, mine))).who_id == mine.id

    old = contact(5, "cy@acme.example", modified="2025-01-01T00:00:00.000+0000")
    new = contact(6, "cy@acme.example", modified="2026-06-01T00:00:00.000+0000")
    assert link(inbound("cy@acme.example"), Found(contacts=(old, new))).who_id == new.id


def test_it_links_contacts_before_leads_and_relates_every_participant():
    lead = LeadRow("00Q000000000000001", "lee@beta.example")
    same_address_contact = contact(1, "lee@beta.example", account=BETA)
    item = ItemFacts(sender="lee@beta.example", to=("rep@mycorp.example", "new@gamma.example"))

    links = link(item, Found(contacts=(same_address_contact,), leads=(lead,)))
    assert links.who_id == same_address_contact.id
    assert links.people == (
        PersonLink("lee@beta.example", "FromAddress", same_address_contact.id, "Contact"),
        PersonLink("rep@mycorp.example", "ToAddress", ME.id, "User"),
        PersonLink("new@gamma.example", "ToAddress"),
    )

    # A Lead as sender and a Contact among the recipients: the Contact is the WhoId.
    other = contact(2, "kim@acme.example", account=ACME)
    mixed = ItemFacts(sender="lee@beta.example", to=("kim@acme.example",))
    assert link(mixed, Found(contacts=(other,), leads=(lead,))).who_id == other.id


def test_it_links_a_lead_alone_and_ignores_converted_leads():
    lead = LeadRow("00Q000000000000001", "lee@beta.example")
    alone = link(
        inbound("lee@beta.example"),
        Found(leads=(lead,), accounts=(AccountRow(BETA, "Beta", "beta.example"),)),
    )
    assert (alone.who_id, alone.who_ids, alone.what_id) == (lead.id, (lead.id,), "")
    assert alone.resolved

    converted = LeadRow("00Q000000000000002", "old@beta.example", is_converted=True)
    links = link(inbound("old@beta.example"), Found(leads=(converted,)))
    assert links.who_id == "" and not links.resolved
    assert links.people[0] == PersonLink("old@beta.example", "FromAddress")


def test_it_says_which_rule_chose_the_person_and_which_others_with_the_address_it_passed_over():
    best = contact(1, "ann@acme.example", account=ACME)
    mine = contact(2, "ann@acme.example", owner=ME.id)
    newest = contact(3, "ann@acme.example", modified="2026-11-01T00:00:00.000+0000")
    chosen = link(inbound("ann@acme.example"), Found(contacts=(newest, best, mine)))
    assert chosen.who_id == best.id and chosen.who_passed_over == (mine.id, newest.id)
    assert chosen.who_reason == (
        "the Contact with the address ann@acme.example (the sender), the best of 3 with it "
        "(one with an Account first, then the user's, then the newest)"
    )

    alone = link(ItemFacts(to=("kim@acme.example",)), Found(contacts=(contact(4, "kim@acme.example"),)))
    assert (alone.who_reason, alone.who_passed_over) == ("the Contact with the address kim@acme.example", ())

    lead = LeadRow("00Q000000000000001", "lee@beta.example")
    as_lead = link(inbound("lee@beta.example"), Found(leads=(lead,)))
    assert as_lead.who_reason == (
        "the Lead with the address lee@beta.example (the sender), as none of its people is a Contact"
    )

    named = contact(5, "", account=ACME)
    body = f"See https://acme.lightning.force.com/lightning/r/Contact/{named.id}/view"
    assert link(inbound("x@gamma.example", body=body), Found(contacts=(named,))).who_reason == (
        "the Contact linked in the body"
    )


# -- business records ------------------------------------------------------------------------------------
def test_it_selects_the_users_most_recent_opportunity_that_passes_the_filters():
    ann = contact(1, "ann@acme.example", account=ACME)
    chosen = opp(10, closes=30)
    older = opp(5, closes=10)
    not_mine = opp(20, owner=OTHER_USER)
    long_closed = opp(21, closes=-400, is_closed=True)
    far_ahead = opp(22, closes=200)
    other_account = opp(23, account=BETA)
    found = Found(
        contacts=(ann,), opportunities=(older, not_mine, long_closed, far_ahead, other_account, chosen)
    )

    links = link(inbound("ann@acme.example"), found)

    assert (links.who_id, links.what_id, links.account_id) == (ann.id, chosen.id, ACME)
    assert "Opportunity" in links.reason


def test_it_keeps_a_recently_closed_opportunity_and_falls_back_to_the_account_when_all_are_filtered():
    ann = contact(1, "ann@acme.example", account=ACME)
    recently_closed = opp(3, closes=-100, is_closed=True)
    assert link(
        inbound("ann@acme.example"), Found(contacts=(ann,), opportunities=(recently_closed,))
    ).what_id == (recently_closed.id)

    filtered_out = Found(
        contacts=(ann,), opportunities=(opp(4, closes=-366, is_closed=True), opp(5, closes=181))
    )
    links = link(inbound("ann@acme.example"), filtered_out)
    assert (links.what_id, links.reason) == (ACME, "the Contact's Account")

    no_opps = LinkFilters(link_opportunities=False)
    assert (
        link(
            inbound("ann@acme.example"),
            Found(contacts=(ann,), opportunities=(recently_closed,)),
            filters=no_opps,
        ).what_id
        == ACME
    )


def test_it_finds_the_account_by_website_domain_only_when_no_person_was_found():
    acme = AccountRow(ACME, "Acme", "https://www.acme.example/about")
    beta = AccountRow(BETA, "Beta", "beta.example")
    links = link(inbound("stranger@acme.example"), Found(accounts=(beta, acme)))
    assert (links.who_id, links.what_id) == ("", ACME)
    assert not links.resolved

    known = contact(1, "kim@beta.example")  # a person without an Account: no domain guess
    item = ItemFacts(sender="kim@beta.example", to=("stranger@acme.example",))
    assert link(item, Found(contacts=(known,), accounts=(acme,))).what_id == ""

    gmail = AccountRow("001000000000009AAA", "Someone", "gmail.com")
    assert link(inbound("someone@gmail.com"), Found(accounts=(gmail,))).what_id == ""
    assert (
        link(
            inbound("stranger@acme.example"),
            Found(accounts=(acme,)),
            filters=LinkFilters(account_by_domain=False),
        ).what_id
        == ""
    )


def test_it_treats_as_free_email_exactly_the_domains_the_org_lists():
    gmx = AccountRow("001000000000009AAA", "GMX", "gmx.de")
    listed = link(inbound("ann@gmx.de"), Found(accounts=(gmx,)), filters=FREE)
    removed_by_the_org = link(inbound("ann@gmx.de"), Found(accounts=(gmx,)), filters=LinkFilters())
    assert (listed.what_id, removed_by_the_org.what_id) == ("", gmx.id)
    acme = AccountRow(ACME, "Acme", "acme.example")
    added = LinkFilters(free_email_domains=frozenset({"acme.example"}))
    assert link(inbound("stranger@acme.example"), Found(accounts=(acme,)), filters=added).what_id == ""


def test_it_links_the_case_named_in_the_subject_when_it_is_open_and_recent():
    ann = contact(1, "ann@acme.example", account=ACME)
    recent = datetime(2026, 11, 1, tzinfo=UTC)
    case = CaseRow("500000000000000001", "00001234", created=recent, account_id=ACME)
    found = Found(contacts=(ann,), cases=(case,), opportunities=(opp(2),))

    links = link(inbound("ann@acme.example", subject="RE: [Case 00001234] printer on fire"), found)
    assert (links.what_id, links.who_id) == (case.id, ann.id)
    assert link(inbound("ann@acme.example", subject="Case #1234 follow-up"), found).what_id == case.id

    closed = CaseRow(case.id, "00001234", is_closed=True, created=recent)
    old = CaseRow(case.id, "00001234", created=recent - timedelta(days=120))
    for row in (closed, old):
        fallback = link(
            inbound("ann@acme.example", subject="Case 00001234"), Found(contacts=(ann,), cases=(row,))
        )
        assert fallback.what_id == ACME


def test_it_follows_salesforce_record_links_in_the_body():
    ann = contact(1, "ann@acme.example", account=ACME)
    linked = opp(7, owner=OTHER_USER, closes=-900)  # an explicit link needs no filter
    body = (
        "See https://acme.lightning.force.com/lightning/r/Opportunity/" + linked.id + "/view and "
        "https://evil.example/" + BETA + " (not Salesforce)"
    )
    links = link(inbound("ann@acme.example", body=body), Found(contacts=(ann,), opportunities=(linked,)))
    assert (links.what_id, links.reason) == (linked.id, "Opportunity linked in the body")

    account_body = f"Account: https://acme.my.salesforce.com/{BETA[:15]}?tab=1"
    beta = AccountRow(BETA, "Beta")
    assert link(inbound("x@nowhere.example", body=account_body), Found(accounts=(beta,))).what_id == BETA

    person = contact(2, "kim@beta.example", account=BETA)
    via_link = link(
        inbound("x@nowhere.example", body=f"https://na1.salesforce.com/{person.id}"),
        Found(contacts=(person,)),
    )
    assert (via_link.who_id, via_link.what_id) == (person.id, BETA)


def test_it_never_links_or_searches_a_blocked_address():
    blocked_contact = contact(1, "ann@acme.example", account=ACME)
    acme = AccountRow(ACME, "Acme", "acme.example")
    found = Found(contacts=(blocked_contact,), accounts=(acme,), opportunities=(opp(2),))

    def is_blocked(address: str) -> bool:
        return address.endswith("@acme.example")

    item = ItemFacts(sender="ann@acme.example", to=("rep@mycorp.example", "bob@acme.example"))
    links = link(item, found, is_blocked=is_blocked)
    assert (links.who_id, links.what_id, links.who_ids) == ("", "", ())
    assert [p.address for p in links.people] == ["rep@mycorp.example"]

    request = lookup_request([item], user=ME, is_blocked=is_blocked)
    assert request.addresses == frozenset()

    # Named by a record link instead: still a blocked person, still not linked.
    named = ItemFacts(sender="x@nowhere.example", body=f"https://na1.salesforce.com/{blocked_contact.id}")
    assert link(named, found, is_blocked=is_blocked).who_id == ""


# -- the session's questions ------------------------------------------------------------------------------
def test_it_gathers_one_request_for_a_whole_session():
    items = [
        ItemFacts(sender="Ann@Acme.example", to=("rep@mycorp.example",), subject="Case 00001234"),
        ItemFacts(
            sender="rep@mycorp.example",
            to=("ann@acme.example", "bo@beta.example"),
            cc=("spam@blocked.example",),
            body=f"https://acme.my.salesforce.com/{ACME}",
        ),
    ]
    request = lookup_request(items, user=ME, is_blocked=lambda a: a.endswith("@blocked.example"))
    assert request.addresses == {"ann@acme.example", "bo@beta.example"}
    assert request.case_numbers == {"00001234"}
    assert request.ids("Account") == {ACME} and request.ids("Case") == frozenset()

    found = Found(contacts=(contact(1, "ann@acme.example", account=ACME),))
    assert unresolved_domains(request.addresses | {"x@gmail.com"}, found, FREE) == {"beta.example"}
    assert contact_accounts(found) == {ACME}


def test_it_parses_case_numbers_links_and_websites():
    assert case_numbers("Re: Case: 00012345 and case no. 777777 and Case#00012345") == [
        "00012345",
        "00777777",
    ]
    assert case_numbers("showcase 1234567") == []
    assert record_links("x https://a.lightning.force.com/lightning/r/Case/500000000000001AAA/view y") == [
        ("Case", "500000000000001AAA")
    ]
    assert record_links("https://a.my.salesforce.com/apex/Page?id=001000000000001") == []
    assert website_host("HTTP://WWW.Acme.Example:8080/x") == "acme.example"
    assert website_host("acme.example") == "acme.example"


def test_it_exposes_the_references_default_filters_as_frozen_settings():
    filters = LinkFilters()
    assert (filters.opportunity_closed_within_days, filters.opportunity_close_within_days) == (365, 180)
    assert (filters.case_open_only, filters.case_created_within_days) == (True, 90)
    assert filters.free_email_domains == frozenset()  # the org's list is always given by the caller
    assert filters.opportunity_window(TODAY) == (TODAY - timedelta(days=365), TODAY + timedelta(days=180))
    with pytest.raises(FrozenInstanceError):
        filters.case_created_within_days = 1  # type: ignore[misc]
