"""At use time too, a Salesforce token goes only to hosts we chose: a stored instance URL someone
edited, or a refresh answer naming another host, suspends the mailbox and sends the token nowhere."""

from __future__ import annotations

import pytest

from syncengine.models import Mailbox, Outcome, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.people import Person, event_body


@pytest.mark.django_db
def test_it_suspends_a_mailbox_whose_stored_instance_url_names_a_host_outside_salesforce(
    person: Person, sandboxes
):
    sf_server, _ = sandboxes
    session_run(mailbox_id=person.mailbox.pk)  # the connection now holds an access token too
    SalesforceConnection.objects.filter(pk=person.connection.pk).update(
        instance_url="https://eu42.salesforce.com.attacker.example"
    )
    person.outlook.create_event(**event_body("Kept for later", in_days(1), in_days(1, 11)))
    sf_server.app.clear()

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED
    mailbox = Mailbox.objects.get(pk=person.mailbox.pk)
    assert mailbox.suspended and mailbox.cause_code == "CRM_INSTANCE_REFUSED"
    assert "outside Salesforce" in mailbox.suspended_reason
    assert sf_server.app.requests(kind="api") == []  # the token went nowhere, not even home


@pytest.mark.django_db
def test_it_keeps_no_refreshed_token_whose_answer_names_a_host_outside_salesforce(
    person: Person, sandboxes, monkeypatch: pytest.MonkeyPatch
):
    sf_server, _ = sandboxes
    before = SalesforceConnection.objects.get(pk=person.connection.pk)
    sf_server.app.expire_tokens(person.sf_org_id)
    monkeypatch.setattr(sf_server.app.oauth, "announced_base_url", "https://tokens.attacker.example")

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED
    after = SalesforceConnection.objects.get(pk=person.connection.pk)
    assert after.instance_url == before.instance_url
    assert after.credentials == before.credentials
    assert Mailbox.objects.get(pk=person.mailbox.pk).cause_code == "CRM_INSTANCE_REFUSED"
