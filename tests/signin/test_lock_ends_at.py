"""When a lockout ends, worked out from the failure records alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signin.lockout import lock_ends_at

T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
COOL_OFF = timedelta(minutes=15)


def test_it_ends_when_the_record_that_reached_the_limit_ages_out():
    records = [(T, 1), (T - timedelta(minutes=5), 4), (T - timedelta(minutes=9), 2)]

    assert lock_ends_at([records], limit=5, cool_off=COOL_OFF) == T - timedelta(minutes=5) + COOL_OFF


def test_it_waits_for_the_last_locked_bucket():
    account = [(T - timedelta(minutes=10), 5)]
    address = [(T, 5)]

    assert lock_ends_at([account, address], limit=5, cool_off=COOL_OFF) == T + COOL_OFF


def test_it_ignores_buckets_under_the_limit():
    assert lock_ends_at([[(T, 4)], [(T, 2), (T, 1)]], limit=5, cool_off=COOL_OFF) is None
