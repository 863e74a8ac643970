"""Item trace for emails: support finds an email by its Message-ID, subject or an address, saved or not,
and reads what each session decided about it (saved with its record and links, left out and why, refused
with Salesforce's answer); never another organization's."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, new_token, token_digest
from emails.models import SavedEmail
from syncengine.models import Membership, Role
from tests.support.emails import crm_world, day, deliver, enable_emails, set_internal_domain, sync
from tests.support.pages import decoded_text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def trace(client: Client, person: Person, query: str) -> str:
    response = client.get(reverse("console:trace", args=[person.organization.pk]), {"q": query})
    assert response.status_code == 200
    return decoded_text_of(response)


def test_it_tells_a_saved_emails_story_with_its_links_found_by_message_id_and_by_subject(
    person: Person, support: Client, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    older = person.salesforce.Opportunity.create(
        {"Name": "Acme pilot", "StageName": "Prospecting", "CloseDate": day(30), "AccountId": world["acme"]}
    )["id"]
    person.salesforce.Opportunity.update(world["deal"], {"Description": "touched last"})
    email = deliver(graph, person, "Renewal terms", categories=["Salesforce"])
    sync(person)
    record = SavedEmail.objects.get().crm_id

    for query in (email["internetMessageId"], "renewal TERMS"):
        page = trace(support, person, query)

        assert page.count("data-item=") == 1  # its journal and its saved record are one item
        assert f"Saved to Salesforce as EmailMessage {record}" in page
        assert "Saved to Salesforce" in page and "It has the “Salesforce” category." in page
        assert f"Person {world['ann']}, chosen as the Contact with the address ann@acme.example" in page
        assert f"Business record {world['deal']}, chosen as the user's most recent Opportunity" in page
        assert f"also found: {older}" in page
        assert email["internetMessageId"] in page
        assert f"/lightning/r/EmailMessage/{record}/view" in page  # opens the record in Salesforce
        assert "viewmodel=ReadMessageItem" in page  # and the email in Outlook on the web


def test_it_says_why_an_email_was_not_saved_found_by_message_id_subject_or_address(
    person: Person, support: Client, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    set_internal_domain(person.organization, "corp.example")
    email = deliver(graph, person, "Team lunch", sender="boss@corp.example", categories=["Salesforce"])
    sync(person)

    for query in (email["internetMessageId"], "team lunch", "boss@corp.example"):
        page = trace(support, person, query)

        assert "Team lunch" in page, query
        assert "Not saved to Salesforce: Everyone in it is from the company itself" in page
        assert "viewmodel=ReadMessageItem" in page


def test_it_shows_salesforces_answer_to_an_email_it_refused_and_the_emails_issue(
    person: Person, support: Client, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    sf_server.app.add_field(person.sf_org_id, "EmailMessage", "Region__c", "string", length=20, required=True)
    email = deliver(graph, person, "Refused offer", categories=["Salesforce"])
    sync(person)

    page = trace(support, person, email["internetMessageId"])

    assert page.count("data-item=") == 1
    assert "Could not be saved; it is no longer tried" in page
    assert "Salesforce answered: REQUIRED_FIELD_MISSING" in page and "Region__c" in page
    assert "Not saved: no longer tried until it is filed again" in page
    assert "“Refused offer” could not be saved to Salesforce" in page  # the issue, on the same item


def test_it_never_finds_another_organizations_emails(
    person: Person, make_person: Any, support: Client, sf_server: Any, graph: Any
):
    stranger = make_person("zed")
    enable_emails(stranger, sf_server)
    set_internal_domain(stranger.organization, "corp.example")
    crm_world(stranger)
    email = deliver(graph, stranger, "Secret merger", categories=["Salesforce"])
    deliver(graph, stranger, "Secret lunch", sender="boss@corp.example", categories=["Salesforce"])
    sync(stranger)

    for query in (email["internetMessageId"], "Secret", "ann@acme.example", "boss@corp.example"):
        page = trace(support, person, query)

        assert "data-item=" not in page and f"No item of {person.organization} matches" in page


def test_it_answers_the_apis_trace_of_an_email_left_out_with_its_message_id_and_why(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    set_internal_domain(person.organization, "corp.example")
    email = deliver(graph, person, "Team lunch", sender="boss@corp.example", categories=["Salesforce"])
    sync(person)
    support = User.objects.create_user(username="sam")
    Membership.objects.create(user=support, organization=person.organization, role=Role.SUPPORT)
    token = new_token()
    ApiToken.objects.create(user=support, name="script", digest=token_digest(token), hint=token[:10])

    answer = Client(HTTP_AUTHORIZATION=f"Token {token}").get(
        reverse("api:trace", args=[person.organization.pk]), {"q": email["internetMessageId"]}
    )

    [traced] = answer.json()
    assert (traced["stream"], traced["message_id"], traced["mail_id"]) == (
        "emails",
        email["internetMessageId"],
        email["id"],
    )
    assert traced["state"].startswith("Not saved to Salesforce: Everyone in it is from the company itself")
    assert [e["what"] for e in traced["entries"]] == ["left_out"]
