"""Links that open an item where its person works (connectors/weblinks.py)."""

from __future__ import annotations

import base64

import pytest

from connectors.weblinks import mail_item_link, salesforce_record_link


def test_it_opens_an_outlook_event_and_email_by_their_graph_id():
    event = mail_item_link(provider="graph", stream="events", mail_id="AAMk/1+2=")
    mail = mail_item_link(provider="graph", stream="emails", mail_id="AAMkm")

    assert event is not None
    assert (
        event.url == "https://outlook.office365.com/owa/?itemid=AAMk%2F1%2B2%3D&exvsurl=1&path=/calendar/item"
    )
    assert event.exact and event.label == "Open in Outlook"
    assert mail is not None and mail.url.startswith("https://outlook.office365.com/owa/?ItemID=AAMkm&")


def test_it_builds_google_calendars_own_event_link_from_the_event_and_calendar():
    link = mail_item_link(provider="google", stream="src3", mail_id="abc123", address="rep@acme.example")

    assert link is not None
    eid = link.url.split("eid=")[1]
    padded = eid + "=" * (-len(eid) % 4)
    assert base64.urlsafe_b64decode(padded).decode() == "abc123 rep@acme.example"


def test_it_opens_gmail_and_google_contacts_in_the_mailboxs_own_account():
    mail = mail_item_link(provider="google", stream="emails", mail_id="18c0f", address="rep@acme.example")
    person = mail_item_link(
        provider="google", stream="contacts", mail_id="people/c42", address="rep@acme.example"
    )

    assert mail is not None and mail.url == "https://mail.google.com/mail/u/rep@acme.example/#all/18c0f"
    assert person is not None and person.url.endswith("/u/rep@acme.example/person/c42")


@pytest.mark.parametrize(
    ("provider", "stream", "endpoint", "url"),
    [
        ("graph", "tasks", "", "https://to-do.office.com/tasks/"),
        (
            "ews",
            "events",
            "https://mail.acme.example/EWS/Exchange.asmx",
            "https://mail.acme.example/owa/#path=/calendar",
        ),
    ],
    ids=["to-do-list", "exchange-owa-calendar"],
)
def test_it_opens_the_list_where_the_provider_has_no_item_link_and_says_so(provider, stream, endpoint, url):
    link = mail_item_link(provider=provider, stream=stream, mail_id="x1", endpoint=endpoint)

    assert link is not None and (link.url, link.exact) == (url, False)


def test_it_gives_no_link_without_an_id_or_a_usable_endpoint():
    assert mail_item_link(provider="graph", stream="events", mail_id="") is None
    assert (
        mail_item_link(provider="ews", stream="events", mail_id="x", endpoint="http://mail.acme.example")
        is None
    )


def test_it_opens_the_salesforce_record_in_lightning():
    link = salesforce_record_link(
        instance_url="https://acme.my.salesforce.com/", crm_object="Event", crm_id="00U1"
    )

    assert link is not None and link.url == "https://acme.my.salesforce.com/lightning/r/Event/00U1/view"
    assert salesforce_record_link(instance_url="", crm_object="Event", crm_id="00U1") is None
