"""Which emails are saved, end to end: sessions against the Graph and Salesforce sandboxes."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from emails.models import SavedEmail, SavedEmailMailbox
from emails.services import mailbox_auto_save_set
from syncengine.models import SyncCursor
from tests.support.emails import (
    ago,
    crm_world,
    deliver,
    email_counts,
    enable_emails,
    relations,
    saved,
    send,
    subjects,
    sync,
)
from tests.support.people import SYNC_KEY_FIELD, Person

pytestmark = pytest.mark.django_db


def test_it_saves_an_email_tagged_salesforce_linked_to_its_contact_account_and_opportunity(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    tagged = deliver(graph, person, "Renewal terms", categories=["Salesforce"], cc=["bob@acme.example"])
    deliver(graph, person, "Not tagged")

    session = sync(person)

    [email] = saved(sf_server, person)
    assert email["Subject"] == "Renewal terms"
    assert email["RelatedToId"] == world["deal"]
    assert email["FromAddress"] == "ann@acme.example" and email["Incoming"] is True
    assert email["MessageIdentifier"] == tagged["internetMessageId"]
    assert email[SYNC_KEY_FIELD]  # saved by the engine, not by hand
    assert "About Renewal terms" in email["TextBody"]
    assert relations(person, email["Id"]) == {
        ("FromAddress", world["ann"]),
        ("ToAddress", person.sf_user_id),
        ("CcAddress", "bob@acme.example"),
    }
    assert email_counts(session)["saved"] == 1
    assert email_counts(session)["reasons"] == {"category": 1}


def test_it_saves_an_email_once_whatever_happens_to_the_mail_item_later(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    tagged = deliver(graph, person, "Once only", categories=["Salesforce"])
    sync(person)
    graph.mail.set_categories(person.tenant_id, person.graph_user_id, tagged["id"], ["Salesforce", "Red"])
    graph.mail.mark_read(person.tenant_id, person.graph_user_id, tagged["id"])

    session = sync(person)
    sync(person)

    assert subjects(sf_server, person) == ["Once only"]
    assert email_counts(session)["saved"] == 0
    assert SavedEmail.objects.get().crm_id == saved(sf_server, person)[0]["Id"]


def test_it_tags_saved_emails_with_the_salesforce_category(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="inbound")
    email = deliver(graph, person, "Auto-saved")

    sync(person)

    stored = graph.mail.message(person.tenant_id, person.graph_user_id, email["id"])
    assert stored["categories"] == ["Salesforce"]
    masters = graph.mail.categories(person.tenant_id, person.graph_user_id)
    assert [c["color"] for c in masters if c["displayName"] == "Salesforce"] == ["preset7"]
    # The tag coming back in the next delta saves nothing again.
    assert email_counts(sync(person))["saved"] == 0
    assert subjects(sf_server, person) == ["Auto-saved"]


def test_it_saves_an_email_moved_to_the_salesforce_folder_and_moves_it_back(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    graph.mail.create_folder(tenant, user, "Salesforce emails")
    incoming = deliver(graph, person, "Filed by hand")
    graph.mail.move(tenant, user, incoming["id"], "Salesforce emails")
    outgoing = send(graph, person, "Sent and filed", ["ann@acme.example"])
    graph.mail.move(tenant, user, outgoing["id"], "Salesforce emails")

    session = sync(person)

    assert subjects(sf_server, person) == ["Filed by hand", "Sent and filed"]
    assert email_counts(session)["reasons"] == {"folder": 2}
    assert email_counts(session)["moved"] == 2
    assert graph.mail.messages(tenant, user, "Salesforce emails") == []
    inbox = graph.mail.messages(tenant, user, "inbox")
    sent = graph.mail.messages(tenant, user, "sentitems")
    assert [(m["subject"], m["categories"]) for m in inbox] == [("Filed by hand", ["Salesforce"])]
    assert [(m["subject"], m["categories"]) for m in sent] == [("Sent and filed", ["Salesforce"])]
    assert email_counts(sync(person))["saved"] == 0
    assert len(saved(sf_server, person)) == 2


def test_it_auto_saves_nothing_while_auto_save_is_off(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    deliver(graph, person, "From a Contact")
    send(graph, person, "To a Contact", ["ann@acme.example"])

    session = sync(person)

    assert saved(sf_server, person) == []
    assert email_counts(session)["skipped"]["not_selected"] == 2


def test_it_auto_saves_incoming_emails_only_when_a_participant_is_a_contact_or_lead(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    person.salesforce.Lead.create({"LastName": "Lee", "Company": "Gamma", "Email": "lee@gamma.example"})
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="inbound")
    deliver(graph, person, "From a Contact")
    deliver(graph, person, "From a Lead", sender="lee@gamma.example")
    deliver(graph, person, "From a stranger", sender="someone@unknown.example")
    send(graph, person, "Outgoing to a Contact", ["ann@acme.example"])

    session = sync(person)

    assert subjects(sf_server, person) == ["From a Contact", "From a Lead"]
    assert email_counts(session)["reasons"] == {"auto": 2}
    assert email_counts(session)["skipped"]["not_linked"] == 1


def test_it_auto_saves_outgoing_emails_with_the_outbound_setting(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    world = crm_world(person)
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="outbound")
    deliver(graph, person, "Incoming from a Contact")
    send(graph, person, "Outgoing to a Contact", ["ann@acme.example"])

    sync(person)

    [email] = saved(sf_server, person)
    assert email["Subject"] == "Outgoing to a Contact"
    assert email["Incoming"] is False and email["Status"] == "3"
    assert relations(person, email["Id"]) == {
        ("FromAddress", person.sf_user_id),
        ("ToAddress", world["ann"]),
    }


def test_it_saves_every_email_of_a_thread_once_one_of_it_is_saved(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    first = deliver(graph, person, "Proposal", received=ago(1))
    graph.mail.reply(tenant, user, first["id"], {"body": "Thanks, reviewing."})
    other = deliver(graph, person, "Unrelated")
    sync(person)  # nothing tagged yet: nothing saved
    assert saved(sf_server, person) == []

    graph.mail.set_categories(tenant, user, first["id"], ["Salesforce"])
    session = sync(person)

    assert subjects(sf_server, person) == ["Proposal", "RE: Proposal"]
    assert email_counts(session)["reasons"] == {"category": 1, "thread": 1}
    assert email_counts(session)["threads_read"] == 1
    # A later email of the thread is saved too; the unrelated one still is not.
    deliver(graph, person, "RE: Proposal (2)", inReplyTo=first["id"])
    later = sync(person)
    assert email_counts(later)["reasons"] == {"thread": 1}
    assert email_counts(later)["threads_read"] == 0
    assert subjects(sf_server, person) == ["Proposal", "RE: Proposal", "RE: Proposal (2)"]
    assert other["subject"] not in subjects(sf_server, person)


def test_it_saves_a_new_thread_from_what_the_session_read_without_reading_it_again(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    sync(person)  # the folders' cursors are set
    first = deliver(graph, person, "Fresh thread", categories=["Salesforce"], received=ago(0))
    graph.mail.reply(tenant, user, first["id"], {"body": "On it."})

    session = sync(person)

    assert subjects(sf_server, person) == ["Fresh thread", "RE: Fresh thread"]
    assert email_counts(session)["reasons"] == {"category": 1, "thread": 1}
    assert email_counts(session)["threads_read"] == 0


def test_it_backfills_the_last_days_when_auto_save_is_switched_on(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server, backfill_days=6)
    crm_world(person)
    deliver(graph, person, "Three days ago", received=ago(3))
    deliver(graph, person, "Ten days ago", received=ago(10))
    send(graph, person, "Sent yesterday", ["ann@acme.example"], sentDateTime=ago(1))
    sync(person)
    assert saved(sf_server, person) == []

    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="both")
    session = sync(person)

    assert subjects(sf_server, person) == ["Sent yesterday", "Three days ago"]
    assert email_counts(session)["reasons"] == {"auto": 2}
    # Switching off and on again does not backfill (and could not save twice anyway).
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="off")
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="both")
    assert SyncCursor.objects.filter(mailbox=person.mailbox, stream="email_inbox").exists()
    assert email_counts(sync(person))["saved"] == 0
    assert len(saved(sf_server, person)) == 2


def test_it_never_saves_drafts(person: Person, sf_server: Any, graph: Any):
    enable_emails(person, sf_server)
    crm_world(person)
    mailbox_auto_save_set(mailbox=person.mailbox, auto_save="both")
    draft = person.outlook.call(
        "POST",
        "/me/messages",
        {
            "subject": "Draft",
            "toRecipients": [{"emailAddress": {"address": "ann@acme.example"}}],
            "categories": ["Salesforce"],
        },
    )
    # Even filed in the Salesforce folder, a draft is not an email anyone sent or received.
    graph.mail.create_folder(person.tenant_id, person.graph_user_id, "Salesforce emails")
    graph.mail.move(person.tenant_id, person.graph_user_id, draft["id"], "Salesforce emails")
    deliver(graph, person, "Real")

    session = sync(person)

    assert subjects(sf_server, person) == ["Real"]
    assert SavedEmailMailbox.objects.count() == 1
    assert email_counts(session)["skipped"] == {"draft": 1}


def test_it_saves_attachments_within_the_size_limit_as_files_of_the_email(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server, max_attachment_mb=1)
    crm_world(person)
    big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode("ascii")
    deliver(
        graph,
        person,
        "With files",
        categories=["Salesforce"],
        attachments=[{"name": "quote.txt", "text": "Total: 100"}, {"name": "video.bin", "contentBytes": big}],
    )

    session = sync(person)

    [email] = saved(sf_server, person)
    files = person.salesforce.query(
        f"SELECT ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '{email['Id']}'"
    )["records"]
    assert [f["ContentDocument"]["Title"] for f in files] == ["quote.txt"]
    assert email_counts(session)["files_too_large"] == 1


def test_it_saves_no_thread_while_thread_saving_is_off_and_never_resaves_an_email_later(
    person: Person, sf_server: Any, graph: Any
):
    settings = enable_emails(person, sf_server, save_threads=False)
    crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    first = deliver(graph, person, "Question", categories=["Salesforce"])
    answer = graph.mail.reply(tenant, user, first["id"], {"body": "Answer."})["sent"]
    sync(person)
    assert subjects(sf_server, person) == ["Question"]

    settings.save_threads = True
    settings.save()
    graph.mail.set_categories(tenant, user, answer["id"], ["Salesforce"])
    session = sync(person)

    assert subjects(sf_server, person) == ["Question", "RE: Question"]
    assert email_counts(session)["saved"] == 1  # the question, found in the thread, is not saved again
    assert email_counts(session)["threads_read"] == 1


def test_it_links_a_threads_later_emails_to_the_record_of_its_first_saved_email(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    globex = person.salesforce.Account.create({"Name": "Globex", "Website": "globex.example"})["id"]
    carl = person.salesforce.Contact.create(
        {"LastName": "Carl", "Email": "carl@globex.example", "AccountId": globex}
    )["id"]
    first = deliver(graph, person, "Deal terms", categories=["Salesforce"])
    sync(person)
    # Someone new joins the thread: the email belongs to the thread's deal, and Carl is still related.
    deliver(graph, person, "RE: Deal terms", sender="carl@globex.example", inReplyTo=first["id"])

    sync(person)

    later = next(r for r in saved(sf_server, person) if r["Subject"] == "RE: Deal terms")
    assert later["RelatedToId"] == world["deal"]
    assert ("FromAddress", carl) in relations(person, later["Id"])


def test_it_updates_a_saved_email_put_in_the_salesforce_folder_again_and_never_makes_a_second(
    person: Person, sf_server: Any, graph: Any
):
    enable_emails(person, sf_server)
    world = crm_world(person)
    tenant, user = person.tenant_id, person.graph_user_id
    graph.mail.create_folder(tenant, user, "Salesforce emails")
    deliver(graph, person, "Quote", cc=["bo@acme.example"], categories=["Salesforce"])
    sync(person)
    [record] = saved(sf_server, person)
    bo = person.salesforce.Contact.create(
        {"LastName": "Bo", "Email": "bo@acme.example", "AccountId": world["acme"]}
    )["id"]
    [inbox_copy] = [m for m in graph.mail.messages(tenant, user, "inbox") if m["subject"] == "Quote"]

    graph.mail.move(tenant, user, inbox_copy["id"], "Salesforce emails")  # the explicit re-save
    session = sync(person)

    assert [r["Id"] for r in saved(sf_server, person)] == [record["Id"]], "updated, not saved twice"
    assert ("CcAddress", bo) in relations(person, record["Id"])
    assert email_counts(session)["reasons"] == {"resave": 1}
    assert graph.mail.messages(tenant, user, "Salesforce emails") == [], "moved back to the Inbox"
