"""The converter registry: names, types, guarded errors, rules from data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping import converters as base
from mapping.defaults import EVENT_FIELDS
from mapping.registry import CONVERTERS, ConversionError, Converter, get, make_rule, names
from syncengine.core.rules import Direction, FieldRule

REQUIRED = {
    "text",
    "datetime",
    "date",
    "boolean",
    "show_as",
    "sensitivity_private",
    "task_status",
    "task_priority",
    "categories_text",
    "phone",
}


def test_it_names_the_required_converters() -> None:
    assert not REQUIRED - set(CONVERTERS)
    assert names() == sorted(CONVERTERS)
    for name, converter in CONVERTERS.items():
        assert converter.name == name
        assert converter.description
        assert converter.crm_types


def test_it_lists_valid_names_for_an_unknown_one() -> None:
    with pytest.raises(KeyError, match=r"unknown converter 'nope'; valid names: birthday, boolean, .*text"):
        get("nope")
    with pytest.raises(KeyError, match="unknown converter"):
        get(["not", "hashable"])  # type: ignore[arg-type]


def test_it_reuses_the_existing_converters() -> None:
    assert get("datetime").to_crm.__wrapped__ is base.instant_to_salesforce  # type: ignore[attr-defined]
    assert get("datetime").to_mail.__wrapped__ is base.instant_from_salesforce  # type: ignore[attr-defined]
    assert get("boolean").to_crm.__wrapped__ is base.boolean  # type: ignore[attr-defined]
    assert get("text").to_mail.__wrapped__ is base.text_from_salesforce  # type: ignore[attr-defined]


def test_it_is_frozen() -> None:
    with pytest.raises(AttributeError):
        get("text").name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "crm_type", "writes"),
    [
        ("text", "string", True),
        ("text", "textarea", True),
        ("datetime", "datetime", True),
        ("datetime", "date", False),
        ("date", "date", True),
        ("boolean", "boolean", True),
        ("show_as", "picklist", True),
        ("sensitivity_private", "boolean", True),
        ("task_status", "picklist", True),
        ("task_priority", "boolean", False),
        ("categories_text", "multipicklist", True),
        ("phone", "phone", True),
    ],
)
def test_it_says_which_field_types_a_converter_writes(name: str, crm_type: str, writes: bool) -> None:
    assert get(name).can_write(crm_type) is writes


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("datetime", "not a time"),
        ("date", "31/12/2026"),
        ("datetime", 12),
        ("birthday", 3),
        ("email", 12),
    ],
)
def test_it_turns_odd_input_into_a_conversion_error(name: str, value: Any) -> None:
    with pytest.raises(ConversionError):
        get(name).to_crm(value)


def test_it_converts_dates() -> None:
    assert get("date").to_crm("2026-12-01") == "2026-12-01"
    assert get("date").to_crm("2026-12-01T23:30:00Z") == "2026-12-01"
    assert get("date").to_crm(None) is None
    assert get("date").to_mail("2026-12-01") == "2026-12-01"


def test_it_writes_text_as_text() -> None:
    assert get("text").to_crm("x") == "x"
    assert get("text").to_crm("") is None
    assert get("text").to_crm(5) == "5"
    assert get("text").to_mail(None) == ""


def test_it_builds_rules_from_data_like_the_defaults() -> None:
    stored = [
        ("subject", "Subject", "text", "both", 255),
        ("start", "StartDateTime", "datetime", "both", None),
        ("is_all_day", "IsAllDayEvent", "boolean", "both", None),
        ("show_as", "ShowAs", "show_as", "both", None),
        ("sensitivity", "IsPrivate", "sensitivity_private", "to_crm", None),
    ]
    rules = [make_rule(*row) for row in stored]
    by_key = {rule.key: rule for rule in EVENT_FIELDS}
    samples: dict[str, list[Any]] = {
        "subject": ["Review", "", None, "x" * 300],
        "start": ["2026-12-01T10:00:00Z", None],
        "is_all_day": [True, False, None],
        "show_as": ["free", "busy", "oof", "tentative", None],
        "sensitivity": ["private", "personal", "normal", None],
    }
    for rule in rules:
        assert isinstance(rule, FieldRule)
        default = by_key[rule.key]
        assert (rule.crm_field, rule.direction, rule.max_length) == (
            default.crm_field,
            default.direction,
            default.max_length,
        )
        for value in samples[rule.key]:
            assert rule.crm_value(value) == default.crm_value(value)
            assert rule.crm_readback(value) == default.crm_readback(value)
    assert make_rule("x", "X", "text", Direction.TO_MAIL).direction is Direction.TO_MAIL
    with pytest.raises(KeyError, match="valid names"):
        make_rule("x", "X", "texts")


SAMPLES: dict[str, Any] = {
    "text": st.one_of(st.none(), st.text(max_size=20)),
    "datetime": st.one_of(
        st.none(),
        st.datetimes(min_value=datetime(1900, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ),
    "date": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
    "boolean": st.one_of(st.none(), st.booleans(), st.integers()),
    "show_as": st.one_of(
        st.none(), st.sampled_from(["free", "tentative", "busy", "oof", "workingElsewhere"])
    ),
    "sensitivity_private": st.sampled_from(["normal", "personal", "private", "confidential", None]),
    "task_status": st.one_of(st.none(), st.text(max_size=10)),
    "task_priority": st.one_of(st.none(), st.sampled_from(["low", "normal", "high", "urgent"])),
    "categories_text": st.lists(st.text(max_size=10), max_size=5),
    "phone": st.one_of(st.none(), st.text(max_size=15)),
    "email": st.one_of(st.none(), st.from_regex(r"[A-Za-z]{1,6}@[a-z]{1,6}\.com", fullmatch=True)),
    "last_name": st.one_of(st.none(), st.text(max_size=20)),
    "birthday": st.one_of(st.none(), st.dates().map(lambda d: f"{d.isoformat()}T00:00:00Z")),
}


def test_it_has_a_round_trip_sample_for_every_converter() -> None:
    assert set(SAMPLES) == set(CONVERTERS)


@given(st.sampled_from(sorted(SAMPLES)).flatmap(lambda name: st.tuples(st.just(name), SAMPLES[name])))
def test_it_makes_every_converter_a_fixed_point_after_one_round(case: tuple[str, Any]) -> None:
    name, value = case
    converter: Converter = get(name)
    crm = converter.to_crm(value)
    once = converter.to_mail(crm)
    assert converter.to_crm(once) == crm
    assert converter.to_mail(converter.to_crm(once)) == once
