"""A member of two organizations: each mailbox syncs with its own organization's Salesforce, never with
the one its owner connected last (or for the other organization)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from syncengine.models import Mailbox, Outcome
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.memberships import join_organization
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def beta(make_person: Callable[..., Person]) -> Person:
    """Another organization, with its own Salesforce org and Microsoft 365 tenant."""
    return make_person("beta")


def _meeting_in(sandboxes: Any, tenant_id: str, user_id: str, subject: str) -> None:
    _, graph_server = sandboxes
    graph_server.app.create_event(tenant_id, user_id, event_body(subject, in_days(1), in_days(1, 11)))


def test_it_syncs_each_mailbox_into_its_own_organizations_salesforce(
    person: Person, beta: Person, sandboxes: Any
):
    second = join_organization(person, beta, sandboxes)  # a Salesforce connection in each organization
    person.outlook.create_event(**event_body("Alpha review", in_days(1), in_days(1, 11)))
    _meeting_in(sandboxes, second.tenant_id, second.graph_user_id, "Beta review")

    first = session_run(mailbox_id=person.mailbox.pk)
    other = session_run(mailbox_id=second.mailbox.pk)

    assert first is not None and first.outcome == Outcome.SUCCEEDED
    assert other is not None and other.outcome == Outcome.SUCCEEDED
    assert [e["Subject"] for e in synced_events(person)] == ["Alpha review"]  # Salesforce org of alpha
    assert [e["Subject"] for e in synced_events(beta)] == ["Beta review"]  # Salesforce org of beta


def test_it_fails_a_session_whose_organization_has_no_salesforce_connection_of_the_owner(
    person: Person, beta: Person, sandboxes: Any
):
    second = join_organization(person, beta, sandboxes, salesforce=False)
    _meeting_in(sandboxes, second.tenant_id, second.graph_user_id, "Beta secret")

    session = session_run(mailbox_id=second.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED
    assert session.error_code == "SALESFORCE_NOT_CONNECTED"
    assert f"Connect Salesforce for {beta.organization}" in session.error
    assert synced_events(person) == []  # nothing of beta's mailbox went into alpha's Salesforce
    assert synced_events(beta) == []
    mailbox = Mailbox.objects.get(pk=second.mailbox.pk)
    assert mailbox.suspended and f"Connect Salesforce for {beta.organization}" in mailbox.suspended_reason
    untouched = Mailbox.objects.get(pk=person.mailbox.pk)
    assert not untouched.suspended
