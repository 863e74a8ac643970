"""A mailbox's health, worst first (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncengine.services.health import mailbox_health

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def health(**changes: Any) -> str:
    facts: dict[str, Any] = {
        "suspended": False,
        "suspended_reason": "",
        "cause_code": "",
        "status_message": "",
        "consecutive_failures": 0,
        "last_synced_at": NOW - timedelta(minutes=10),
        "open_issues": 0,
        "salesforce_connected": True,
        "interval_minutes": 30,
        "now": NOW,
        **changes,
    }
    return mailbox_health(**facts).key


@pytest.mark.parametrize(
    ("facts", "key"),
    [
        ({}, "synced"),
        ({"open_issues": 2}, "issues"),
        ({"consecutive_failures": 3, "status_message": "Graph is down"}, "failing"),
        ({"suspended": True, "cause_code": "MAIL_AUTH_REVOKED"}, "reconnect"),
        ({"suspended": True, "cause_code": "CRM_INSTANCE_REFUSED"}, "reconnect"),
        ({"salesforce_connected": False}, "reconnect"),
        ({"suspended": True, "cause_code": "USER_SUSPENDED"}, "suspended"),
        ({"last_synced_at": None}, "never"),
        ({"last_synced_at": NOW - timedelta(hours=3)}, "stale"),
    ],
)
def test_it_names_the_one_state_a_mailbox_is_in(facts: dict[str, Any], key: str):
    assert health(**facts) == key


def test_it_puts_a_fix_a_person_must_make_before_a_wait():
    assert health(consecutive_failures=4, cause_code="CRM_AUTH_REVOKED", suspended=True) == "reconnect"
    assert health(consecutive_failures=4, open_issues=3) == "failing"
