"""The webhooks cannot be used to flood the database or the logs: a capped, deduplicated batch,
one query for all its channels, one log line per call, and no hooks at all with instant sync off."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from instant.models import NotificationChannel
from tests.support.instant import graph_channel
from tests.support.people import Person

pytestmark = pytest.mark.django_db
SECRET = "the-channel-secret"


@pytest.fixture
def enabled(settings) -> None:
    settings.INSTANT_SYNC_ENABLED = True


@pytest.fixture
def channel(person: Person) -> NotificationChannel:
    return graph_channel(person.mailbox, SECRET)


def _post(items: list[dict[str, str]]):
    return Client().post("/hooks/graph/", json.dumps({"value": items}), content_type="application/json")


def test_it_answers_404_on_every_hook_when_instant_sync_is_off(settings, django_assert_num_queries):
    settings.INSTANT_SYNC_ENABLED = False
    with django_assert_num_queries(0):
        answers = [
            _post([{"subscriptionId": "x", "clientState": "y"}]).status_code,
            Client().post("/hooks/graph/lifecycle/", "{}", content_type="application/json").status_code,
            Client().post("/hooks/google/", headers={"X-Goog-Channel-ID": "x"}).status_code,
        ]
    assert answers == [404, 404, 404]


def test_it_refuses_a_flood_of_37000_items_before_any_query(enabled, django_assert_num_queries):
    flood = [{"subscriptionId": f"fake-{n}", "clientState": "x"} for n in range(37_000)]
    with django_assert_num_queries(0):
        assert _post(flood).status_code == 400


def test_it_reads_every_channel_of_a_batch_in_one_query_and_logs_one_line(
    enabled, channel: NotificationChannel, caplog, django_assert_max_num_queries
):
    fakes = [{"subscriptionId": f"fake-{n}", "clientState": "x"} for n in range(990)]
    real = [{"subscriptionId": "sub-1", "clientState": SECRET}] * 10
    with caplog.at_level(logging.WARNING, logger="instant"), django_assert_max_num_queries(12):
        assert _post(fakes + real).status_code == 202
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "990" in refusals[0].getMessage()
    channel.refresh_from_db()
    assert channel.notifications == 1  # ten copies of one notification count once


def test_it_refuses_a_batch_with_only_forged_items(enabled, channel: NotificationChannel):
    assert _post([{"subscriptionId": "sub-1", "clientState": "wrong"}] * 5).status_code == 403
    channel.refresh_from_db()
    assert channel.notifications == 0
