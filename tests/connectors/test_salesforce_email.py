"""Saving emails to the Salesforce sandbox: Enhanced Email with relations and files, or completed Tasks,
in collections, each write safe to repeat."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from connectors.base import ConnectorError
from connectors.salesforce.emails import (
    Attachment,
    EmailTaskToSave,
    EmailToSave,
    Relation,
    save_email_messages,
    save_email_tasks,
)
from syncengine.services.connectors import salesforce_for
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf_server(sandboxes: Any) -> Any:
    return sandboxes[0]


@pytest.fixture
def org(person: Person, sf_server: Any) -> Person:
    """The person's org with the engine's External ID on EmailMessage, and one known Contact."""
    sf_server.app.add_field(
        person.sf_org_id, "EmailMessage", SYNC_KEY_FIELD, "string", length=80, external_id=True, unique=True
    )
    return person


def contact(person: Person, email: str = "ann@acme.example") -> str:
    return person.salesforce.Contact.create({"LastName": "Ann", "Email": email})["id"]


def email(key: str, person: Person, contact_id: str, **extra: Any) -> EmailToSave:
    fields = {
        "Subject": f"Hello {key}",
        "TextBody": "Body",
        "FromAddress": "ann@acme.example",
        "ToAddress": person.mailbox.address,
        "MessageDate": "2026-11-20T10:00:00Z",
        "Status": "3",
        "Incoming": True,
        "MessageIdentifier": f"<{key}@acme.example>",
    }
    relations = [
        Relation("FromAddress", contact_id, "ann@acme.example"),
        Relation("ToAddress", person.sf_user_id, person.mailbox.address),
    ]
    return EmailToSave(key, {**fields, **extra.pop("fields", {})}, relations, **extra)


def calls(server: Any, person: Person) -> list[tuple[str, str]]:
    """(method, what) of each API call: 'query' or the written path's tail."""
    out = []
    for c in server.app.requests(tenant=person.sf_org_id, kind="api"):
        what = "query" if "/query" in c["path"] else c["path"].split("/v62.0/")[1]
        out.append((c["method"], what))
    return out


def count(person: Person, soql: str) -> int:
    return person.salesforce.query(soql)["totalSize"]


def test_it_saves_450_emails_with_one_call_per_200_records_per_object(org: Person, sf_server: Any):
    ann = contact(org)
    sf_server.app.clear()
    crm = salesforce_for(org.connection)

    results = save_email_messages(crm, [email(f"k{i}", org, ann) for i in range(450)])

    assert all(r.ok and r.created for r in results) and len({r.id for r in results}) == 450
    assert calls(sf_server, org) == [
        ("GET", "query"),  # which keys exist: one query, as long as it fits Salesforce's URI limit
        *[("PATCH", f"composite/sobjects/EmailMessage/{SYNC_KEY_FIELD}")] * 3,
        *[("POST", "composite/sobjects")] * 5,  # 900 relations; none to read: every email is new
    ]
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 450
    rows = org.salesforce.query_all(
        f"SELECT RelationId, RelationType FROM EmailMessageRelation WHERE EmailMessageId = '{results[0].id}'"
    )["records"]
    assert {(r["RelationId"], r["RelationType"]) for r in rows} == {
        (ann, "FromAddress"),
        (org.sf_user_id, "ToAddress"),
    }


def test_it_repeats_a_save_after_a_crash_without_twins_or_duplicate_relations(org: Person, sf_server: Any):
    ann = contact(org)
    batch = [email(f"k{i}", org, ann, attachments=[Attachment(f"note{i}.txt", b"hi")]) for i in range(3)]
    first = save_email_messages(salesforce_for(org.connection), batch)
    sf_server.app.clear()

    # The session crashed before committing: the next one saves the same emails again.
    again = save_email_messages(salesforce_for(org.connection), batch)
    made = calls(sf_server, org)

    assert [r.id for r in again] == [r.id for r in first]
    assert all(r.ok and not r.created and not r.problems for r in again)
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 3
    assert count(org, "SELECT COUNT() FROM EmailMessageRelation") == 6
    assert count(org, "SELECT COUNT() FROM ContentVersion") == 3
    assert made == [("GET", "query")] * 3  # keys, relations, files: nothing written


def test_it_finishes_the_relations_after_a_crash_between_the_email_and_its_relations(
    org: Person, sf_server: Any
):
    ann = contact(org)
    batch = [email("k1", org, ann), email("k2", org, ann)]
    sf_server.app.add_fault(status=400, method="POST", path=r"/composite/sobjects/?$")
    with pytest.raises(ConnectorError):
        save_email_messages(salesforce_for(org.connection), batch)
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 2
    assert count(org, "SELECT COUNT() FROM EmailMessageRelation") == 0

    results = save_email_messages(salesforce_for(org.connection), batch)

    assert all(r.ok and not r.created for r in results)
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 2
    assert count(org, "SELECT COUNT() FROM EmailMessageRelation") == 4


def test_it_keeps_one_record_for_an_email_saved_from_two_mailboxes(
    org: Person, make_person: Callable[..., Person], sf_server: Any
):
    ann = contact(org)
    colleague = make_person("bob", organization=org.organization)
    sent = email("shared-key", org, ann)
    received = EmailToSave(
        "shared-key",
        {**sent.fields, "Subject": "as Bob's mailbox saw it"},
        [
            Relation("FromAddress", ann),
            Relation("CcAddress", colleague.sf_user_id, colleague.mailbox.address),
        ],
    )

    [mine] = save_email_messages(salesforce_for(org.connection), [sent])
    [theirs] = save_email_messages(salesforce_for(colleague.connection), [received])

    assert theirs.id == mine.id and mine.created and not theirs.created
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 1
    assert org.salesforce.EmailMessage.get(mine.id)["Subject"] == "Hello shared-key"
    rows = org.salesforce.query(
        f"SELECT RelationId, RelationType FROM EmailMessageRelation WHERE EmailMessageId = '{mine.id}'"
    )
    assert sorted((r["RelationType"], r["RelationId"]) for r in rows["records"]) == sorted(
        [("FromAddress", ann), ("ToAddress", org.sf_user_id), ("CcAddress", colleague.sf_user_id)]
    )


def test_it_saves_attachments_as_files_within_the_size_limit(org: Person, sf_server: Any):
    ann = contact(org)
    files = [Attachment("quote.pdf", b"%PDF quote"), Attachment("video.mp4", b"x" * 2000)]
    sf_server.app.clear()

    [saved] = save_email_messages(
        salesforce_for(org.connection), [email("k1", org, ann, attachments=files)], max_attachment_bytes=1000
    )

    assert saved.ok and len(saved.problems) == 1 and "video.mp4" in saved.problems[0]
    links = org.salesforce.query(
        f"SELECT ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '{saved.id}'"
    )["records"]
    assert [r["ContentDocument"]["Title"] for r in links] == ["quote.pdf"]
    version = org.salesforce.query("SELECT VersionData, FirstPublishLocationId FROM ContentVersion")[
        "records"
    ][0]
    assert version["FirstPublishLocationId"] == saved.id
    blob = org.salesforce.session.get(
        org.salesforce.base_url.split("/services/")[0] + version["VersionData"],
        headers={"Authorization": f"Bearer {org.salesforce.session_id}"},
    )
    assert base64.b64encode(blob.content) == base64.b64encode(b"%PDF quote")
    assert ("POST", "composite/sobjects") in calls(sf_server, org)


def test_it_reports_a_refused_email_without_failing_the_others(org: Person):
    ann = contact(org)
    batch = [
        email("good", org, ann),
        email("bad", org, ann, fields={"Status": "Sent"}),
        email("fine", org, ann),
    ]

    results = save_email_messages(salesforce_for(org.connection), batch)

    assert [r.ok for r in results] == [True, False, True]
    assert results[1].code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" and results[1].permanent
    assert count(org, "SELECT COUNT() FROM EmailMessageRelation") == 4


def test_it_saves_completed_email_tasks_once(org: Person, sf_server: Any):
    ann = contact(org)
    tasks = [
        EmailTaskToSave(
            f"t{i}",
            {
                "Subject": f"Email: Hello {i}",
                "Description": "Body",
                "WhoId": ann,
                "ActivityDate": "2026-11-20",
            },
        )
        for i in range(3)
    ]
    first = save_email_tasks(salesforce_for(org.connection), tasks)
    sf_server.app.clear()
    again = save_email_tasks(salesforce_for(org.connection), tasks)

    assert all(r.ok and r.created for r in first)
    assert [r.id for r in again] == [r.id for r in first] and not any(r.created for r in again)
    assert calls(sf_server, org) == [("GET", "query")]
    row = org.salesforce.Task.get(first[0].id)
    assert (row["Status"], row["TaskSubtype"], row["WhoId"], row[SYNC_KEY_FIELD]) == (
        "Completed",
        "Email",
        ann,
        "t0",
    )


def test_it_takes_the_record_another_writer_made_between_our_read_and_our_write(org: Person, sf_server: Any):
    ann = contact(org)
    mine = email("raced", org, ann)
    sf_server.app.add_fault(method="PATCH", path="/composite/sobjects/EmailMessage/", delay=3.0)
    fault = sf_server.app.faults[-1]

    def other_writer() -> None:  # once our upsert is in flight, someone else saves the same email
        while fault.count:
            time.sleep(0.01)
        org.salesforce.EmailMessage.upsert(f"{SYNC_KEY_FIELD}/raced", {**mine.fields, "Subject": "theirs"})

    thread = threading.Thread(target=other_writer)
    thread.start()
    [result] = save_email_messages(salesforce_for(org.connection), [mine])
    thread.join()

    assert result.ok and not result.created
    assert count(org, "SELECT COUNT() FROM EmailMessage") == 1
    assert org.salesforce.EmailMessage.get(result.id)["Subject"] == "theirs"
    assert count(org, "SELECT COUNT() FROM EmailMessageRelation") == 2
