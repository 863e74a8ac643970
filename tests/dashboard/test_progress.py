"""A long first sync shows how far it got: items done of items found, per stream, on the dashboard
and in the live status, stored once per stream step, and counted across sessions when one stops
part way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from syncengine.models import Mailbox, Outcome, SyncSession
from syncengine.services.sessions import session_run
from syncengine.stream import execute, run
from tests.support.calendar import in_days
from tests.support.machine import WorkerKilled
from tests.support.pages import decoded_text_of, url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def _tagged(person: Person, count: int) -> None:
    for n in range(count):
        person.outlook.create_event(
            **event_body(f"Client call {n}", in_days(1 + n), in_days(1 + n, 11), categories=["Salesforce"])
        )


def test_it_records_items_done_of_items_found_for_a_first_sync(alice: Person):
    _tagged(alice, 3)

    first = session_run(mailbox_id=alice.mailbox.pk)
    again = session_run(mailbox_id=alice.mailbox.pk)

    assert first is not None and again is not None
    assert first.progress["events"] == {"found": 3, "done": 3, "first": True}
    assert SyncSession.objects.get(pk=first.pk).progress == first.progress  # stored, not only in memory
    assert again.progress["events"]["first"] is False


def test_it_stores_what_was_found_before_the_writes_start(alice: Person, monkeypatch: pytest.MonkeyPatch):
    _tagged(alice, 2)
    seen: list[dict[str, Any]] = []
    real = run.execute

    def watched(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(SyncSession.objects.get(pk=ctx.session.pk).progress.get(ctx.stream, {}))
        return real(ctx, *args, **kwargs)

    monkeypatch.setattr(run, "execute", watched)
    session_run(mailbox_id=alice.mailbox.pk)

    assert seen[0] == {"found": 2, "done": 0, "first": True}  # what another request sees meanwhile


def test_it_counts_the_writes_done_while_the_next_ones_run(alice: Person, monkeypatch: pytest.MonkeyPatch):
    _tagged(alice, 1)  # to Salesforce
    for n in range(2):  # to the mailbox
        alice.salesforce.Event.create(
            {
                "Subject": f"Pricing call {n}",
                "StartDateTime": f"{in_days(3, 9)}Z",
                "EndDateTime": f"{in_days(3, 10)}Z",
            }
        )
    seen: list[dict[str, Any]] = []
    real = execute._mail_creates

    def watched(ctx: Any, *args: Any) -> Any:
        seen.append(SyncSession.objects.get(pk=ctx.session.pk).progress["events"])
        return real(ctx, *args)

    monkeypatch.setattr(execute, "_mail_creates", watched)
    session = session_run(mailbox_id=alice.mailbox.pk)

    assert seen[0] == {"found": 3, "done": 1, "first": True}  # Salesforce's create done, the mailbox's next
    assert session is not None and session.progress["events"] == {"found": 3, "done": 3, "first": True}


def test_it_counts_what_a_stopped_first_sync_wrote_in_the_next_session(alice: Person):
    _tagged(alice, 3)
    with (
        mock.patch("syncengine.stream.run.state_commit", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        session_run(mailbox_id=alice.mailbox.pk)  # the events were written, then the worker died

    carried_on = session_run(mailbox_id=alice.mailbox.pk)

    assert carried_on is not None
    events = carried_on.progress["events"]
    assert events["first"] is True and events["done"] == events["found"] >= 3


def test_it_shows_a_running_sessions_progress_on_the_dashboard_and_in_the_status(
    alice_client: Client, alice: Person
):
    progress = {
        "events": {"found": 300, "done": 120, "first": True},
        "tasks": {"found": 0, "done": 0, "first": True},
    }
    SyncSession.objects.create(
        mailbox=alice.mailbox, trigger="schedule", outcome=Outcome.RUNNING, progress=progress
    )
    Mailbox.objects.filter(pk=alice.mailbox.pk).update(  # a worker holds the mailbox's lease
        lease_token="worker-1", lease_expires_at=timezone.now() + timedelta(minutes=5)
    )

    html = decoded_text_of(alice_client.get(url("home")))
    status = alice_client.get(url("api_status", alice.mailbox.pk)).json()

    assert "Syncing now" in html
    assert '<progress value="120" max="300"></progress> 120 of 300 items done' in html
    assert "tasks: reading…" in html
    assert status["progress"] == progress
    assert "events:120/300" in status["version"]


@pytest.mark.parametrize("outcome", [Outcome.FAILED, Outcome.RUNNING])  # running: its worker died
def test_it_says_a_stopped_first_sync_carries_on(alice_client: Client, alice: Person, outcome: str):
    SyncSession.objects.create(
        mailbox=alice.mailbox,
        trigger="schedule",
        outcome=outcome,
        progress={"events": {"found": 300, "done": 200, "first": True}},
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert "200 of 300 items done" in html
    assert "the next session carries on from there" in html and "Syncing now" not in html


def test_it_shows_no_progress_once_a_session_finished_its_work(alice_client: Client, alice: Person):
    _tagged(alice, 1)
    session_run(mailbox_id=alice.mailbox.pk)

    html = decoded_text_of(alice_client.get(url("home")))

    assert "data-progress" not in html
