"""Credentials go only to the provider's own API: a stored cursor or a next-page link naming another
host is never followed with the token (a staff edit of a cursor, or a poisoned answer)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.base import ForeignLinkError, within
from syncengine.services.connectors import salesforce_for
from tests.support.calendar import in_days
from tests.support.connectors import WINDOW, connector_with
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def test_it_tells_the_providers_own_links_from_others():
    base = "https://graph.example/v1.0"
    assert within("https://graph.example/v1.0/me/events/delta?x=1", base)
    assert not within("https://evil.example/v1.0/me/events/delta", base)
    assert not within("https://graph.example:8443/v1.0/me", base)
    assert not within("http://graph.example/v1.0/me", base)
    assert not within("https://user@graph.example/v1.0/me", base)
    assert not within("https://graph.example/v1.0evil/me", base)


def test_it_reads_in_full_instead_of_following_a_stored_delta_link_to_another_host(person: Person):
    person.outlook.create_event(**event_body("Kept", in_days(1), in_days(1, 11)))
    connector = connector_with(person)
    first = connector.read_changes(stream="events", cursor="", window=WINDOW)
    poisoned = json.loads(first.next_cursor) | {"delta": "https://evil.example/v1.0/me/calendarView/delta"}

    again = connector.read_changes(stream="events", cursor=json.dumps(poisoned), window=WINDOW)

    assert again.full and [c.label for c in again.changes] == [c.label for c in first.changes]


def test_it_refuses_a_graph_next_link_to_another_host(person: Person):
    connector = connector_with(person)
    with pytest.raises(ForeignLinkError):
        connector.client.call("next page", "GET", "https://evil.example/v1.0/me/events")


@pytest.mark.parametrize(
    "link", ["@evil.example/services/data/v62.0/query/x", "//evil.example/x", "https://evil.example/x"]
)
def test_it_refuses_a_salesforce_next_records_link_that_names_a_host(person: Person, link: str):
    connector: Any = salesforce_for(person.connection)
    with pytest.raises(ForeignLinkError):
        connector._more(link)
