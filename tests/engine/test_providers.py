"""Every mailbox provider through the whole engine: an event both ways, for Google and Exchange (EWS)
mailboxes, next to the Microsoft 365 ones the other engine tests use."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.base import SandboxServer
from syncengine.models import Outcome
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days, synced_events
from tests.support.emails import enable_emails
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def synced(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    return session


def test_it_syncs_a_google_calendar_event_both_ways(on_google: Person, google_server: SandboxServer):
    app = google_server.app
    made = app.create_event(
        on_google.mailbox.address,
        {
            "summary": "Globex pricing",
            "location": "Meet",
            "start": {"dateTime": in_days(2, 15) + "Z"},
            "end": {"dateTime": in_days(2, 16) + "Z"},
        },
    )
    first = synced(on_google)

    [event] = synced_events(on_google)
    assert (event["Subject"], event["Location"]) == ("Globex pricing", "Meet")
    assert event["StartDateTime"].startswith(in_days(2, 15))
    assert first.counts["events"]["to_crm"] == {"created": 1}

    on_google.salesforce.Event.update(event["Id"], {"Subject": "Globex pricing (final)"})
    synced(on_google)

    [after] = [e for e in app.events(on_google.mailbox.address) if e["id"] == made["id"]]
    assert after["summary"] == "Globex pricing (final)"
    quiet = synced(on_google)
    assert quiet.api_calls["mail"] == 3 and quiet.api_calls["crm"] == 3, "one read per stream per side"


def test_it_syncs_an_exchange_calendar_item_both_ways(on_exchange: Person, ews_server: SandboxServer):
    app = ews_server.app
    address = on_exchange.mailbox.address
    made = app.create_item(
        address,
        "calendar",
        {
            "Subject": "Initech QBR",
            "Start": in_days(3, 9) + "Z",
            "End": in_days(3, 10) + "Z",
            "Location": "HQ",
        },
    )
    synced(on_exchange)

    [event] = synced_events(on_exchange)
    assert (event["Subject"], event["Location"]) == ("Initech QBR", "HQ")

    on_exchange.salesforce.Event.update(event["Id"], {"Location": "Board room"})
    synced(on_exchange)

    assert app.item(address, made["id"])["Location"] == "Board room"
    quiet = synced(on_exchange)
    assert quiet.api_calls["mail"] == 3 and quiet.api_calls["crm"] == 3, "one read per stream per side"


def test_it_suspends_an_exchange_mailbox_whose_password_no_longer_works(
    on_exchange: Person, ews_server: SandboxServer
):
    ews_server.app.set_password(on_exchange.mailbox.address, "Changed-by-IT-1!")

    session = session_run(mailbox_id=on_exchange.mailbox.pk)

    assert session is not None and session.outcome == Outcome.FAILED
    on_exchange.mailbox.refresh_from_db()
    assert on_exchange.mailbox.suspended
    assert "reconnect" in on_exchange.mailbox.suspended_reason.lower()


def saved_emails(person: Person) -> list[dict[str, Any]]:
    return person.salesforce.query_all("SELECT Id, Subject, FromAddress FROM EmailMessage")["records"]


def test_it_saves_an_email_labelled_salesforce_in_gmail(
    on_google: Person, google_server: SandboxServer, sandboxes
):
    enable_emails(on_google, sandboxes[0])
    on_google.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    app = google_server.app
    address = on_google.mailbox.address
    synced(on_google)
    label = app.create_mail_label(address, "Salesforce")  # the rep makes the label in Gmail
    message = app.deliver_mail(address, "ana@globex.example", "Globex order", "Please find the PO")
    app.label_mail(address, message["id"], add=[label])

    session = synced(on_google)

    [email] = saved_emails(on_google)
    assert (email["Subject"], email["FromAddress"]) == ("Globex order", "ana@globex.example")
    assert session.counts["emails"]
    synced(on_google)
    quiet = synced(on_google)
    assert saved_emails(on_google) == [email], "saved once"
    assert quiet.api_calls["mail"] == 4, "a read per stream, and one Gmail history read for all three folders"


def test_it_saves_an_email_categorised_salesforce_in_exchange(
    on_exchange: Person, ews_server: SandboxServer, sandboxes
):
    enable_emails(on_exchange, sandboxes[0])
    on_exchange.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    ews_server.app.create_item(
        on_exchange.mailbox.address,
        "inbox",
        {
            "Subject": "Globex order",
            "Body": {"BodyType": "HTML", "text": "<p>Please find the PO</p>"},
            "From": "ana@globex.example",
            "ToRecipients": [on_exchange.mailbox.address],
            "Categories": ["Salesforce"],
        },
    )

    synced(on_exchange)

    [email] = saved_emails(on_exchange)
    assert (email["Subject"], email["FromAddress"]) == ("Globex order", "ana@globex.example")
    synced(on_exchange)
    assert saved_emails(on_exchange) == [email], "saved once"
