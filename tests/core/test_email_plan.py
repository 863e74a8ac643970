"""The email stream's plan, directly on the pure functions: which emails are saved and why not the others,
threads, blocked people, waiting emails and links. No database, no sandbox."""

from __future__ import annotations

import base64
from datetime import date

from syncengine.core.email_plan import (
    EmailInputs,
    EmailPlan,
    SavingRules,
    WaitingEmail,
    email_facts,
    emails_to_search,
    plan_emails,
    plan_threads,
    thread_emails_to_search,
    waiting_threads_to_read,
)
from syncengine.core.email_records import EmailAddress, EmailRecord
from syncengine.core.linking import AccountRow, ContactRow, Found, LinkUser, OpportunityRow

TODAY = date(2026, 11, 27)
ME = "rep@mycorp.example"
USER = LinkUser("005000000000001AAA", frozenset({ME}))
ANN = "ann@acme.example"
ANN_ID = "003000000000001AAA"
ACME = "001000000000001AAA"
DEAL = "006000000000001AAA"
# Ann is a Contact of Acme, which has an open Opportunity the user owns.
FOUND = Found(
    contacts=(ContactRow(ANN_ID, ANN, ACME, USER.id),),
    accounts=(AccountRow(ACME, "Acme", "acme.example"),),
    opportunities=(OpportunityRow(DEAL, ACME, USER.id, close_date=date(2026, 12, 20)),),
)
ROOT_INDEX = base64.b64encode(bytes(22)).decode()  # a thread's first email (Outlook)
REPLY_INDEX = base64.b64encode(bytes(27)).decode()


def internal(address: str) -> bool:
    return address.endswith("@mycorp.example")


def email(key: str, sender: str = ANN, **fields: object) -> EmailRecord:
    values: dict[str, object] = {
        "id": f"graph-{key}",
        "internet_message_id": f"<{key}@acme.example>",
        "conversation_id": f"thread-{key}",
        "folder": "inbox",
        "subject": key.title(),
        "from_": EmailAddress(sender),
        "to": (EmailAddress(ME),),
        "received_at": "2026-11-26T10:00:00Z",
        **fields,
    }
    return EmailRecord(**values)  # type: ignore[arg-type]


def inputs(*emails: EmailRecord, **options: object) -> EmailInputs:
    values: dict[str, object] = {"emails": emails, "is_blocked": internal, "user": USER, "today": TODAY}
    return EmailInputs(**{**values, **options})  # type: ignore[arg-type]


def first(session: EmailInputs, found: Found = FOUND) -> EmailPlan:
    return plan_emails(session, found)


def saved(plan: EmailPlan) -> dict[str, str]:
    return {c.email.subject: c.reason for c in plan.chosen}


def skipped(plan: EmailPlan) -> dict[str, str]:
    return {e.subject or e.id: why for e, why in plan.left_alone}


# -- saving rules ---------------------------------------------------------------------------------------
def test_it_saves_a_tagged_email_and_leaves_an_untagged_one_when_auto_save_is_off():
    plan = first(inputs(email("tagged", categories=("salesforce",)), email("plain")))

    assert saved(plan) == {"Tagged": "category"}
    assert skipped(plan) == {"Plain": "not_selected"}


def test_it_saves_an_email_put_in_the_salesforce_folder_and_one_of_a_saved_thread():
    session = inputs(
        email("filed", folder="salesforce"),
        email("reply", conversation_id="thread-old"),
        saved_threads=frozenset({"thread-old"}),
    )

    assert saved(first(session)) == {"Filed": "folder", "Reply": "thread"}


def test_it_auto_saves_only_what_the_linker_resolved_as_auto_track_asks():
    session = inputs(email("known"), email("stranger", sender="zed@nowhere.example"))

    people = first(inputs(*session.emails, rules=SavingRules(auto_save="inbound", auto_track="people")))
    everyone = first(inputs(*session.emails, rules=SavingRules(auto_save="inbound", auto_track="all")))

    assert saved(people) == {"Known": "auto"} and skipped(people) == {"Stranger": "not_linked"}
    assert saved(everyone) == {"Known": "auto", "Stranger": "auto"}


def test_it_auto_saves_inbox_or_sent_items_as_the_mailbox_chose():
    sent = email("sent", sender=ME, folder="sent", to=(EmailAddress(ANN),))
    received = email("received")

    assert saved(first(inputs(sent, received, rules=SavingRules(auto_save="outbound")))) == {"Sent": "auto"}
    assert saved(first(inputs(sent, received, rules=SavingRules(auto_save="both")))) == {
        "Sent": "auto",
        "Received": "auto",
    }


def test_it_never_saves_drafts_removed_emails_other_folders_or_emails_without_a_message_id():
    plan = first(
        inputs(
            email("draft", is_draft=True, categories=("Salesforce",)),
            EmailRecord(id="gone", removed=True),
            email("archived", folder="other", categories=("Salesforce",)),
            email("anonymous", internet_message_id="", categories=("Salesforce",)),
        )
    )

    assert plan.chosen == ()
    assert skipped(plan) == {
        "Draft": "draft",
        "gone": "removed",
        "Archived": "other_folder",
        "Anonymous": "no_message_id",
    }


def test_it_saves_once_and_re_saves_an_email_filed_again():
    tagged = email("tagged", categories=("Salesforce",))
    filed = email("filed", folder="salesforce")
    done = frozenset({tagged.internet_message_id, filed.internet_message_id})

    plan = first(inputs(tagged, filed, saved_here=done))

    assert saved(plan) == {"Filed": "resave"} and skipped(plan) == {"Tagged": "already_saved"}


def test_an_explicit_request_wins_over_auto_save_for_the_same_email_in_two_folders():
    received = email("twice")
    filed = email("twice", folder="salesforce", id="graph-twice-filed")

    plan = first(inputs(received, filed, rules=SavingRules(auto_save="inbound")))

    assert [(c.email.id, c.reason) for c in plan.chosen] == [("graph-twice-filed", "folder")]


# -- blocked people ---------------------------------------------------------------------------------------
def test_it_never_saves_an_email_whose_only_outside_participant_is_blocked_even_when_tagged():
    blocked = frozenset({"news@promo.example"})
    session = inputs(
        email("newsletter", sender="news@promo.example", categories=("Salesforce",)),
        email("colleague", sender="bob@mycorp.example", categories=("Salesforce",)),
        is_blocked=lambda a: a in blocked or internal(a),
    )

    plan = first(session)

    assert plan.chosen == ()
    assert skipped(plan) == {"Newsletter": "internal_or_blocked", "Colleague": "internal_or_blocked"}
    assert emails_to_search(session) == []  # nothing to save: nothing asked of Salesforce


def test_a_blocked_participant_is_neither_searched_for_nor_linked():
    cc = (EmailAddress("spy@rival.example"),)
    blocked = frozenset({"spy@rival.example"}).__contains__
    session = inputs(
        email("deal", categories=("Salesforce",), cc=cc), is_blocked=lambda a: blocked(a) or internal(a)
    )

    links = first(session).chosen[0].links

    assert [p.address for p in links.people] == [ANN, ME]
    assert links.who_id == ANN_ID


def test_a_frozenset_of_blocked_addresses_is_a_people_rule_too():
    # The people rules block the user's own addresses too.
    session = inputs(email("ann", categories=("Salesforce",)), is_blocked=frozenset({ANN, ME}).__contains__)

    assert skipped(first(session)) == {"Ann": "internal_or_blocked"}


# -- linking -------------------------------------------------------------------------------------------------
def test_it_searches_for_every_email_that_may_be_saved_and_links_each_from_the_one_search():
    tagged = email("tagged", categories=("Salesforce",))
    auto = email("auto", sender="zed@nowhere.example")
    session = inputs(tagged, auto, email("draft", is_draft=True), rules=SavingRules(auto_save="inbound"))

    assert emails_to_search(session) == [email_facts(tagged), email_facts(auto)]
    links = first(session).links
    assert (links[tagged.internet_message_id].who_id, links[tagged.internet_message_id].what_id) == (
        ANN_ID,
        DEAL,
    )
    assert links[auto.internet_message_id].who_id == ""


def test_it_links_nothing_from_an_empty_search():
    plan = first(inputs(email("tagged", categories=("Salesforce",))), Found())

    assert plan.chosen[0].links.who_id == "" and plan.chosen[0].links.what_id == ""


# -- threads ---------------------------------------------------------------------------------------------
def test_a_thread_that_starts_being_saved_brings_in_its_other_emails_linked_to_its_first_emails_record():
    tagged = email("tagged", conversation_id="t1", categories=("Salesforce",))
    reply = email(
        "reply", conversation_id="t1", received_at="2026-11-26T11:00:00Z", from_=EmailAddress("x@y.example")
    )
    session = inputs(tagged)
    plan = first(session)
    assert plan.threads_to_read == ("t1",)
    threads = {"t1": (tagged, reply)}

    assert thread_emails_to_search(session, plan, threads, frozenset()) == [email_facts(reply)]
    final = plan_threads(session, plan, threads, frozenset(), Found())

    assert [(c.email.subject, c.reason) for c in final.to_save] == [
        ("Tagged", "category"),
        ("Reply", "thread"),
    ]
    assert final.to_save[1].links.what_id == DEAL and final.to_save[1].links.reason == "the thread's record"
    assert final.thread_records["t1"] == DEAL and final.deferred == frozenset()


def test_a_thread_with_no_read_left_waits_and_one_left_by_an_earlier_session_is_read_first():
    tagged = email("tagged", conversation_id="t-new", categories=("Salesforce",))
    session = inputs(tagged, saved_threads=frozenset({"t-old"}), incomplete_threads=frozenset({"t-old"}))
    plan = first(session)
    assert plan.threads_to_read == ("t-old", "t-new")
    old = email("old", conversation_id="t-old")

    final = plan_threads(session, plan, {"t-old": (old,), "t-new": None}, frozenset(), FOUND)

    assert final.deferred == {"t-new"} and final.completed == {"t-old"}
    assert [(c.email.subject, c.reason) for c in final.to_save] == [("Tagged", "category"), ("Old", "thread")]


def test_a_threads_emails_saved_before_or_outside_inbox_and_sent_are_left_alone():
    tagged = email("tagged", conversation_id="t1", categories=("Salesforce",))
    before = email("before", conversation_id="t1")
    archived = email("archived", conversation_id="t1", folder="other")
    session = inputs(tagged)
    plan = first(session)
    threads = {"t1": (tagged, before, archived)}

    final = plan_threads(session, plan, threads, frozenset({before.internet_message_id}), FOUND)

    assert [c.email.subject for c in final.to_save] == ["Tagged"]
    assert [(e.subject, why) for e, why in final.left_alone] == [("Before", "already_saved")]


def test_threads_are_not_read_when_the_org_does_not_save_them():
    session = inputs(email("tagged", categories=("Salesforce",)), rules=SavingRules(save_threads=False))

    plan = first(session)

    assert plan.threads_to_read == ()
    assert [c.email.subject for c in plan_threads(session, plan, {}, frozenset(), Found()).to_save] == [
        "Tagged"
    ]


def test_a_thread_whose_first_email_arrived_since_the_last_read_is_taken_from_this_read():
    opener = email("opener", conversation_id="t1", conversation_index=ROOT_INDEX, categories=("Salesforce",))
    answer = email("answer", conversation_id="t1", conversation_index=REPLY_INDEX)
    older = email("older", conversation_id="t2", conversation_index=REPLY_INDEX, categories=("Salesforce",))

    fresh = first(inputs(opener, answer, older, fresh=frozenset({"inbox"})))
    since = first(inputs(opener, answer, read_since={"inbox": "2026-11-27T00:00:00Z"}))

    assert fresh.local_threads == {"t1": (opener, answer)}  # t2's first email is older: read its thread
    assert since.local_threads == {}  # received before the last read: its replies may be elsewhere


def test_a_new_email_of_a_saved_thread_goes_to_the_threads_record():
    reply = email("reply", conversation_id="t1")
    session = inputs(reply, saved_threads=frozenset({"t1"}), thread_records={"t1": "500000000000001AAA"})
    plan = first(session)

    final = plan_threads(session, plan, {}, frozenset(), FOUND)

    assert final.to_save[0].reason == "thread" and final.to_save[0].links.what_id == "500000000000001AAA"


# -- emails waiting for a retry ----------------------------------------------------------------------------
def test_a_waiting_email_is_retried_from_this_read_or_through_its_thread():
    here = email("here")
    elsewhere = email("elsewhere", conversation_id="t-else")
    waiting = [
        WaitingEmail(here.internet_message_id, "t-here"),
        WaitingEmail(elsewhere.internet_message_id, "t-else"),
    ]
    assert waiting_threads_to_read([here], waiting) == ["t-else"]

    plan = first(inputs(here, waiting=waiting, conversations={"t-else": (elsewhere,)}))

    assert saved(plan) == {"Here": "retry", "Elsewhere": "retry"}
    assert [c.email.subject for c in plan.chosen] == ["Here", "Elsewhere"]  # retries first


def test_a_waiting_email_gone_from_its_thread_or_no_longer_to_save_leaves_the_ledger():
    blocked = email("now-blocked", sender="bob@mycorp.example", conversation_id="t2")
    waiting = [WaitingEmail("<deleted@acme.example>", "t1"), WaitingEmail(blocked.internet_message_id, "t2")]

    plan = first(
        inputs(
            waiting=waiting, conversations={"t1": (email("other", conversation_id="t1"),), "t2": (blocked,)}
        )
    )

    assert plan.retries_gone == ("<deleted@acme.example>", blocked.internet_message_id) and plan.chosen == ()


def test_a_waiting_email_over_the_thread_reads_waits_and_one_without_a_thread_is_unreadable():
    waiting = [WaitingEmail("<later@acme.example>", "t1"), WaitingEmail("<no-thread@acme.example>")]

    plan = first(inputs(waiting=waiting, conversations={"t1": None}))

    assert plan.chosen == () and plan.retries_gone == ()
    assert plan.retries_unreadable == ("<no-thread@acme.example>",)
