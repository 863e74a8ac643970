"""Contact converters: names, e-mail, phones, addresses, birthday, whole contacts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping.convert_contacts import (
    ConversionError,
    addresses_from_salesforce,
    addresses_to_salesforce,
    birthday_from_salesforce,
    birthday_to_salesforce,
    contact_from_salesforce,
    contact_to_salesforce,
    derive_last_name,
    email_from_salesforce,
    email_to_salesforce,
    merge_emails,
    names_from_salesforce,
    names_to_salesforce,
    normalize_phone,
    phones_from_salesforce,
    phones_to_salesforce,
    same_phone,
)


def test_it_maps_name_parts() -> None:
    contact = {
        "givenName": "Ada",
        "middleName": "K.",
        "surname": "Lovelace",
        "title": "Dr.",
        "generation": "Jr.",
    }
    record = names_to_salesforce(contact)
    assert record == {
        "FirstName": "Ada",
        "MiddleName": "K.",
        "LastName": "Lovelace",
        "Salutation": "Dr.",
        "Suffix": "Jr.",
    }
    assert names_from_salesforce(record) == contact


@pytest.mark.parametrize(
    ("contact", "last_name"),
    [
        ({"givenName": "Ada", "displayName": "Ada Lovelace"}, "Lovelace"),
        ({"givenName": "Ada", "middleName": "K.", "displayName": "Ada K. Lovelace"}, "Lovelace"),
        ({"givenName": "Ada", "displayName": "Ada"}, "Ada"),
        ({"displayName": "  The   Analytical Engine "}, "The Analytical Engine"),
        ({"emailAddresses": [{"address": ""}, {"address": "ada@example.com"}]}, "ada"),
        ({"companyName": "Babbage & Co"}, "Babbage & Co"),
        ({"surname": "  ", "companyName": "Babbage & Co"}, "Babbage & Co"),
    ],
)
def test_it_derives_an_empty_last_name(contact: dict[str, Any], last_name: str) -> None:
    assert derive_last_name(contact) == last_name
    assert names_to_salesforce(contact)["LastName"] == last_name


def test_it_refuses_a_contact_with_nothing_to_use_as_last_name() -> None:
    with pytest.raises(ConversionError, match="LastName"):
        names_to_salesforce({"givenName": "", "emailAddresses": [], "businessPhones": ["1"]})


def test_it_writes_the_first_email_address() -> None:
    addresses = [
        {"name": "", "address": " "},
        {"name": "Ada", "address": "ada@example.com"},
        {"address": "b@x.org"},
    ]
    assert email_to_salesforce(addresses) == "ada@example.com"
    assert email_to_salesforce([]) is None
    assert email_to_salesforce(None) is None


def test_it_rejects_an_invalid_email_address() -> None:
    with pytest.raises(ConversionError, match="e-mail"):
        email_to_salesforce([{"address": "not an address"}])


def test_it_replaces_only_the_primary_email_when_writing_back() -> None:
    existing = [{"name": "Ada", "address": "ada@old.com"}, {"name": "Home", "address": "ada@home.org"}]
    assert merge_emails(existing, "ada@new.com") == [
        {"address": "ada@new.com", "name": "ada@new.com"},
        {"name": "Home", "address": "ada@home.org"},
    ]


def test_it_keeps_the_entry_for_the_same_primary_email() -> None:
    existing = [{"name": "Ada", "address": "Ada@Example.com"}]
    assert merge_emails(existing, "ada@example.com") == existing


def test_it_moves_an_existing_address_to_first_place_without_duplicates() -> None:
    existing = [{"name": "A", "address": "a@x.com"}, {"name": "B", "address": "b@x.com"}]
    assert merge_emails(existing, "B@x.com") == [{"name": "B", "address": "b@x.com"}]


def test_it_removes_the_primary_email_when_salesforce_clears_it() -> None:
    existing = [{"address": "a@x.com"}, {"address": "b@x.com"}]
    assert merge_emails(existing, None) == [{"address": "b@x.com"}]
    assert merge_emails(None, "") == []
    assert merge_emails(None, "a@x.com") == email_from_salesforce("a@x.com")


def test_it_maps_phone_kinds() -> None:
    contact = {
        "businessPhones": ["+1 555 0100", "+1 555 0101", "+1 555 0102"],
        "mobilePhone": "0170",
        "homePhones": ["h1", "h2"],
    }
    record = phones_to_salesforce(contact)
    assert record == {
        "Phone": "+1 555 0100",
        "OtherPhone": "+1 555 0101",
        "MobilePhone": "0170",
        "HomePhone": "h1",
    }
    assert phones_from_salesforce(record, contact) == contact


def test_it_moves_an_other_phone_without_phone_to_first_place() -> None:
    back = phones_from_salesforce({"Phone": None, "OtherPhone": "555"})
    assert back["businessPhones"] == ["555"]
    assert phones_to_salesforce(back)["Phone"] == "555"


def test_it_skips_blank_phone_entries() -> None:
    assert phones_to_salesforce({"businessPhones": ["", "  ", "555"], "mobilePhone": " "}) == {
        "Phone": "555",
        "OtherPhone": None,
        "MobilePhone": None,
        "HomePhone": None,
    }
    assert phones_to_salesforce({"businessPhones": "555"})["Phone"] is None


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("(555) 123-4567", "555.123.4567"),
        ("+49 30 1234", "0049-30-1234"),
        ("+1 (555) 0100", "+15550100"),
        (None, ""),
    ],
)
def test_it_compares_phones_ignoring_formatting(left: Any, right: Any) -> None:
    assert same_phone(left, right)


def test_it_tells_different_phones_apart() -> None:
    assert not same_phone("555 0100", "555 0101")
    assert not same_phone("+1 555 0100", "1 555 0100")
    assert normalize_phone("tel: +1 (555) 0100 ") == "15550100"


def test_it_maps_business_and_other_addresses() -> None:
    contact = {
        "businessAddress": {
            "street": "1 Main St",
            "city": "Springfield",
            "state": "IL",
            "postalCode": "62701",
            "countryOrRegion": "USA",
        },
        "otherAddress": {"city": "Paris"},
        "homeAddress": {"city": "Home Town"},
    }
    record = addresses_to_salesforce(contact)
    assert record["MailingStreet"] == "1 Main St"
    assert record["MailingCountry"] == "USA"
    assert record["OtherCity"] == "Paris"
    assert record["OtherStreet"] is None
    assert not any(key.startswith("Home") for key in record)  # homeAddress is not synced
    back = addresses_from_salesforce(record)
    assert back["businessAddress"] == contact["businessAddress"]
    assert back["otherAddress"]["city"] == "Paris"
    assert "homeAddress" not in back


@pytest.mark.parametrize(
    ("graph", "day"),
    [
        ("1980-05-17T00:00:00Z", "1980-05-17"),
        ("1980-05-16T22:00:00Z", "1980-05-17"),  # local midnight in Berlin
        ("1980-05-17T05:00:00Z", "1980-05-17"),  # local midnight in Chicago
        ("1980-05-17T11:59:00Z", "1980-05-17"),
        ("1980-05-17T00:00:00.0000000", "1980-05-17"),
        (None, None),
        ("", None),
    ],
)
def test_it_maps_the_birthday_to_the_nearest_day(graph: Any, day: str | None) -> None:
    assert birthday_to_salesforce(graph) == day


def test_it_writes_the_birthday_back_as_midnight_utc() -> None:
    assert birthday_from_salesforce("1980-05-17") == "1980-05-17T00:00:00Z"
    assert birthday_from_salesforce(None) is None
    with pytest.raises(ConversionError):
        birthday_to_salesforce(19800517)
    with pytest.raises(ConversionError):
        birthday_from_salesforce("May 17")


def test_it_maps_a_whole_contact() -> None:
    contact = {
        "givenName": "Ada",
        "surname": "Lovelace",
        "emailAddresses": [{"name": "Ada", "address": "ada@example.com"}],
        "businessPhones": ["555"],
        "birthday": "1815-12-10T00:00:00Z",
        "department": "Research",
        "jobTitle": "Analyst",
        "assistantName": "Charles",
        "personalNotes": "Met at the salon",
    }
    record = contact_to_salesforce(contact)
    assert record["Title"] == "Analyst"
    assert record["Description"] == "Met at the salon"
    assert record["AssistantName"] == "Charles"
    assert record["Department"] == "Research"
    assert record["Birthdate"] == "1815-12-10"
    assert record["Email"] == "ada@example.com"
    back = contact_from_salesforce(record, contact)
    assert back["emailAddresses"] == contact["emailAddresses"]
    assert back["jobTitle"] == "Analyst"
    assert back["personalNotes"] == "Met at the salon"
    assert contact_to_salesforce(back) == record


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|org)", fullmatch=True)
contacts = st.fixed_dictionaries(
    {
        "givenName": words,
        "middleName": words,
        "surname": words,
        "displayName": words,
        "companyName": st.just("Acme"),
        "emailAddresses": st.lists(emails.map(lambda a: {"name": a, "address": a}), max_size=3),
        "businessPhones": st.lists(words, max_size=3),
        "homePhones": st.lists(words, max_size=2),
        "mobilePhone": words,
        "businessAddress": st.fixed_dictionaries({"street": words, "city": words}),
        "birthday": st.one_of(st.none(), st.dates().map(lambda d: f"{d.isoformat()}T00:00:00Z")),
        "department": words,
        "jobTitle": words,
        "personalNotes": words,
    }
)


@given(contacts)
def test_it_makes_a_contact_a_fixed_point_after_one_round(contact: dict[str, Any]) -> None:
    record = contact_to_salesforce(contact)
    once = contact_from_salesforce(record, contact)
    assert contact_to_salesforce(once) == record
    assert contact_from_salesforce(contact_to_salesforce(once), once) == once
