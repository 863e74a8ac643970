"""The last four weeks on the dashboard: items synced per day as inline SVG, failed days marked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.history_chart import history_chart
from syncengine.models import Outcome, SyncSession
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import decoded_text_of, url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def test_it_counts_items_per_day_and_marks_the_days_with_a_failed_session(alice: Person):
    for n in range(2):
        alice.outlook.create_event(
            **event_body(f"Demo {n}", in_days(1), in_days(1, 11), categories=["Salesforce"])
        )
    session_run(mailbox_id=alice.mailbox.pk)
    SyncSession.objects.create(
        mailbox=alice.mailbox,
        trigger="schedule",
        outcome=Outcome.FAILED,
        started_at=timezone.now() - timedelta(days=3),
    )
    SyncSession.objects.create(  # beyond the four weeks: not shown
        mailbox=alice.mailbox,
        trigger="schedule",
        outcome=Outcome.FAILED,
        started_at=timezone.now() - timedelta(days=40),
    )

    chart = history_chart(mailbox=alice.mailbox, now=timezone.now())

    assert chart.to_salesforce == 2 and chart.to_mailbox == 0
    assert chart.failed_days == 1
    assert [m.title for m in chart.markers] == [
        f"{timezone.now() - timedelta(days=3):%b %d}: 1 failed session"
    ]
    assert [b.title for b in chart.bars] == [f"{timezone.now():%b %d}: 2 to Salesforce"]
    assert chart.bars[0].x > 600  # today is the last column


def test_it_draws_the_chart_on_the_dashboard(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("Demo", in_days(1), in_days(1, 11), categories=["Salesforce"]))
    session_run(mailbox_id=alice.mailbox.pk)

    html = decoded_text_of(alice_client.get(url("home")))

    assert '<svg class="chart"' in html and "<rect " in html
    assert "1 to Salesforce" in html


def test_it_says_when_there_is_nothing_to_draw_yet(alice_client: Client, alice: Person):
    html = decoded_text_of(alice_client.get(url("home")))

    assert "Nothing synced in the last four weeks yet." in html
    assert '<svg class="chart"' not in html
