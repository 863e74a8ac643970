"""When a sign-in ends by itself, and when to say so (pure rules of notify/expiry.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notify.expiry import SalesforcePolicy, mailbox_expiry, notice_due, salesforce_expiry

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WEEK, DAY = timedelta(days=7), timedelta(days=1)


def test_it_takes_the_end_google_named_over_its_six_months_unused():
    credentials = {"signed_in_at": NOW.timestamp(), "refresh_expires_at": (NOW + WEEK).timestamp()}
    assert mailbox_expiry("google", credentials, fallback=NOW).at == NOW + WEEK
    assert mailbox_expiry("google", {}, fallback=NOW).at == NOW + timedelta(days=183)


def test_it_counts_microsofts_90_days_from_the_last_renewal_or_sign_in():
    renewed = {"signed_in_at": (NOW - 5 * WEEK).timestamp(), "renewed_at": (NOW - DAY).timestamp()}
    assert mailbox_expiry("graph", renewed, fallback=NOW).at == NOW - DAY + timedelta(days=90)
    assert mailbox_expiry("graph", {}, fallback=NOW - DAY).at == NOW - DAY + timedelta(days=90)
    assert mailbox_expiry("ews", {"password": "x"}, fallback=NOW) is None
    named = {"renewed_at": NOW.timestamp(), "refresh_expires_at": (NOW + DAY).timestamp()}
    assert mailbox_expiry("graph", named, fallback=NOW).at == NOW + DAY  # an end Microsoft names wins


def test_it_tells_a_week_ahead_and_a_day_ahead_for_a_sign_in_that_lives_a_week():
    long = mailbox_expiry("graph", {"renewed_at": NOW.timestamp()}, fallback=NOW)
    assert long is not None
    assert not notice_due(long, now=long.at - WEEK - DAY, signed_in=None, lead=WEEK, short_lead=DAY)
    assert notice_due(long, now=long.at - WEEK, signed_in=None, lead=WEEK, short_lead=DAY)
    assert not notice_due(long, now=long.at, signed_in=None, lead=WEEK, short_lead=DAY)  # ended

    short = mailbox_expiry("google", {"refresh_expires_at": (NOW + WEEK).timestamp()}, fallback=NOW)
    assert short is not None
    assert not notice_due(short, now=NOW + timedelta(days=5), signed_in=NOW, lead=WEEK, short_lead=DAY)
    assert notice_due(short, now=NOW + timedelta(days=6, hours=1), signed_in=NOW, lead=WEEK, short_lead=DAY)


def test_it_follows_the_salesforce_policy_the_operator_states():
    credentials = {"signed_in_at": NOW.timestamp(), "renewed_at": (NOW + 20 * DAY).timestamp()}
    assert salesforce_expiry(credentials, SalesforcePolicy(), connected_at=NOW) is None  # until revoked
    after = salesforce_expiry(credentials, SalesforcePolicy(expire_after_days=30), connected_at=NOW)
    unused = salesforce_expiry(credentials, SalesforcePolicy(expire_unused_days=15), connected_at=NOW)
    both = salesforce_expiry(credentials, SalesforcePolicy(30, 15), connected_at=NOW)
    assert after is not None and after.at == NOW + 30 * DAY
    assert unused is not None and unused.at == NOW + 35 * DAY
    assert both == after  # the earlier end
