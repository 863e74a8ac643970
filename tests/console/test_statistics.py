"""The organization's statistics: sessions per day by outcome, items per stream and direction,
Salesforce API use against the allocation, as charts drawn in the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.stats import organization_stats, stacked_bars
from syncengine.models import SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import decoded_text_of
from tests.support.people import Person, event_body


def test_it_stacks_each_columns_parts_scaled_to_the_tallest():
    bars = stacked_bars(
        [("a", {"x": 2, "y": 2}), ("b", {"x": 1})], {"x": "red", "y": "blue"}, width=100, height=100
    )

    assert [(b.title, round(b.height), round(b.y)) for b in bars] == [
        ("a: 2 x", 50, 50),
        ("a: 2 y", 50, 0),
        ("b: 1 x", 25, 75),
    ]


@pytest.mark.django_db
def test_it_counts_todays_sessions_and_items_per_stream_and_direction(person: Person, org_admin: Client):
    person.outlook.create_event(**event_body("Weekly sync", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    session_run(mailbox_id=person.mailbox.pk)

    stats = organization_stats(organization=person.organization, now=timezone.now())
    page = decoded_text_of(org_admin.get(reverse("console:statistics", args=[person.organization.pk])))

    today = stats.days[-1]
    assert (today.sessions, today.outcomes, today.to_salesforce) == (2, {"succeeded": 2}, {"events": 1})
    assert today.crm_calls > 0
    assert len(stats.days) == 14 and stats.days[0].day == (timezone.now() - timedelta(days=13)).date()
    assert '<tr data-stream="events"><td>events</td><td>1</td><td>0</td></tr>' in page
    assert "<rect" in page  # the chart


@pytest.mark.django_db
def test_it_shows_the_orgs_api_use_against_its_daily_allocation(person: Person, support: Client):
    SalesforceConnection.objects.filter(pk=person.connection.pk).update(api_usage="1234/15000")

    page = decoded_text_of(support.get(reverse("console:statistics", args=[person.organization.pk])))

    assert "has used <strong>1234</strong> of its <strong>15000</strong> daily API calls" in page
