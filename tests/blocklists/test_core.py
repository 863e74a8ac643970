"""The pure matcher and the validation of typed entries (no database)."""

from __future__ import annotations

import dataclasses

import pytest

from blocklists.core import (
    Blocklist,
    BlocklistInputError,
    display_form,
    normalise_address,
    parse_lines,
    validate_domain,
    validate_entry,
)


def test_it_blocks_an_address_entry_whatever_the_case_and_the_display_name():
    blocklist = Blocklist.build(user=["Bob@Example.com"])

    assert blocklist.reason("bob@example.com") == "user"
    assert blocklist.reason("  BOB@EXAMPLE.COM ") == "user"
    assert blocklist.reason('"Smith, Bob" <Bob@Example.Com>') == "user"
    assert blocklist.reason("mailto:bob@example.com") == "user"
    assert blocklist.blocks("Bob <bob@example.com>")


def test_it_blocks_only_that_address_for_an_address_entry():
    blocklist = Blocklist.build(org=["bob@example.com"])

    assert not blocklist.blocks("ann@example.com")
    assert not blocklist.blocks("bob@sales.example.com")
    assert not blocklist.blocks("bob@example.com.evil.test")


def test_it_covers_the_subdomains_of_a_domain_on_label_boundaries():
    blocklist = Blocklist.build(org=["example.com"])

    assert blocklist.reason("ann@example.com") == "org"
    assert blocklist.reason("ann@sales.example.com") == "org"
    assert blocklist.reason("ann@a.b.EXAMPLE.com.") == "org"
    assert blocklist.reason("ann@badexample.com") is None
    assert blocklist.reason("ann@example.com.au") is None


def test_it_does_not_let_a_subdomain_entry_cover_its_parent():
    blocklist = Blocklist.build(org=["sales.example.com"])

    assert blocklist.blocks("ann@sales.example.com")
    assert not blocklist.blocks("ann@example.com")


def test_it_matches_international_domains_in_either_form():
    unicode_entry = Blocklist.build(org=["Bücher.de"])
    punycode_entry = Blocklist.build(org=["xn--bcher-kva.de"])

    for blocklist in (unicode_entry, punycode_entry):
        assert blocklist.blocks("kim@bücher.de")
        assert blocklist.blocks("kim@xn--bcher-kva.de")
        assert blocklist.blocks("kim@shop.BÜCHER.de")
        assert not blocklist.blocks("kim@bucher.de")


def test_it_names_the_layer_in_a_fixed_order_when_several_block_an_address():
    everything = Blocklist.build(
        internal_domains=["acme.example"],
        user=["acme.example", "gmail.com"],
        org=["acme.example", "gmail.com", "ann@gmail.com"],
        free_domains=["gmail.com", "acme.example"],
    )

    assert everything.reason("me@acme.example") == "internal domain"
    assert everything.reason("ann@gmail.com") == "user"
    assert dataclasses.replace(everything, user=frozenset()).reason("ann@gmail.com") == "org"
    assert Blocklist.build(free_domains=["gmail.com"]).reason("ann@gmail.com") == "free-email domain"


def test_it_blocks_internal_addresses_exactly_and_before_the_lifted_layers():
    blocklist = Blocklist.build(internal_addresses=["Colleague@Gmail.com"], free_domains=["gmail.com"])

    assert blocklist.reason("colleague <COLLEAGUE@gmail.com>") == "internal address"
    assert blocklist.reason("stranger@gmail.com") == "free-email domain"
    assert Blocklist.build(internal_addresses=["not an address"]).internal_addresses == frozenset()


def test_it_blocks_nothing_when_empty_and_never_blocks_text_without_an_address():
    blocklist = Blocklist.build(org=["example.com"], free_domains=["gmail.com"])

    assert Blocklist().reason("ann@example.com") is None
    for junk in ("", "   ", "example.com", "undisclosed-recipients:;", "@example.com", "ann@"):
        assert blocklist.reason(junk) is None, junk


def test_it_is_frozen():
    blocklist = Blocklist.build(org=["example.com"])

    with pytest.raises(dataclasses.FrozenInstanceError):
        blocklist.org = frozenset()  # type: ignore[misc]


def test_it_keeps_the_unblocked_participants_once_each_in_order():
    blocklist = Blocklist.build(internal_domains=["acme.example"], free_domains=["gmail.com"])

    kept = blocklist.allowed(
        [
            "Me <me@acme.example>",
            "Pat@Customer.example",
            "joe@gmail.com",
            "pat@customer.example",
            "x",
            "lee@b.io",
        ]
    )

    assert kept == ["pat@customer.example", "lee@b.io"]


def test_it_normalises_addresses():
    assert normalise_address(" Bob Smith <Bob.Smith@Example.COM> ") == "bob.smith@example.com"
    assert normalise_address("kim@BÜCHER.de") == "kim@xn--bcher-kva.de"
    assert normalise_address("no address here") == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Example.COM", "example.com"),
        ("@example.com", "example.com"),
        ("sales.example.com.", "sales.example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("Bob.Smith@Example.com", "bob.smith@example.com"),
        ("Bob Smith <bob@example.com>", "bob@example.com"),
        ("o'brien+news@example.co.uk", "o'brien+news@example.co.uk"),
        ("kim@bücher.de", "kim@xn--bcher-kva.de"),
        ("mailto:bob@example.com", "bob@example.com"),
    ],
)
def test_it_accepts_well_formed_entries_in_their_stored_form(typed: str, stored: str):
    assert validate_entry(typed) == stored
    assert validate_entry(stored) == stored  # validating the stored form changes nothing


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an address (name@example.com) or a domain (example.com)."),
        ("*.example.com", "wildcards are not supported"),
        ("*@example.com", "wildcards are not supported"),
        ("exa?ple.com", "wildcards are not supported"),
        ("example", "is not a full domain: include its ending"),
        ("exa_mple.com", "use letters, digits and hyphens between the dots"),
        ("-example.com", "cannot start or end with a hyphen"),
        ("a..example.com", "has an empty part between dots"),
        ("http://example.com", "no http://"),
        ("example .com", "no spaces"),
        ("10.0.0.1", "looks like an IP address"),
        ("xn--zz.com", "is not a valid international domain name"),
        ("a" * 64 + ".com", "is longer than 63 characters"),
        (".".join(["abcdefghij"] * 24) + ".com", "is too long for a domain"),
        ("@", "Enter a domain, such as example.com."),
        ("bob@", "it needs a domain after the @"),
        ("bob smith@example.com", "the part before the @ has a character that is not allowed"),
        ("bob..smith@example.com", "the part before the @ has a character that is not allowed"),
        ("bob@@example.com", "the part before the @ has a character that is not allowed"),
        ("bob@example", "the domain is not valid"),
        ("x" * 65 + "@example.com", "the part before the @ is longer than 64 characters"),
        ("x" * 64 + "@" + ".".join(["a" * 47] * 4) + ".com", "is too long for an email address"),
    ],
)
def test_it_refuses_a_malformed_entry_with_a_clear_message(typed: str, message: str):
    with pytest.raises(BlocklistInputError) as refused:
        validate_entry(typed)

    assert message in str(refused.value)


def test_it_quotes_long_input_back_cut_short():
    with pytest.raises(BlocklistInputError) as refused:
        validate_entry("x" * 5000 + ".com/")

    assert len(str(refused.value)) < 300


def test_it_refuses_an_address_where_only_a_domain_may_go():
    with pytest.raises(BlocklistInputError, match="is an address, not a domain"):
        validate_domain("bob@example.com")


def test_it_shows_international_domains_as_people_wrote_them():
    assert display_form("kim@xn--bcher-kva.de") == "kim@bücher.de"
    assert display_form("xn--bcher-kva.de") == "bücher.de"
    assert display_form("example.com") == "example.com"


def test_it_splits_a_paste_on_lines_commas_and_semicolons_but_not_inside_quotes():
    pasted = 'a@example.com, b.example\n\n  "Smith, Bob" <bob@example.com>;c.example  \r\n,'

    assert parse_lines(pasted) == [
        "a@example.com",
        "b.example",
        '"Smith, Bob" <bob@example.com>',
        "c.example",
    ]
