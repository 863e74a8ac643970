"""The email step's journal entries, on the pure functions: what the plan weighed is named (saved, related,
failed, left out and why) and the untouched mail is not. No database, no sandbox."""

from __future__ import annotations

from datetime import date

from syncengine.core.email_journal import SaveOutcome, email_journal_entries
from syncengine.core.email_plan import EmailInputs, SavingRules, plan_emails, plan_threads
from syncengine.core.email_records import EmailAddress, EmailRecord
from syncengine.core.journal import Entry
from syncengine.core.linking import ContactRow, Found, LinkUser

TODAY = date(2026, 11, 27)
ME = "rep@mycorp.example"
USER = LinkUser("005000000000001AAA", frozenset({ME}))
ANN_ID = "003000000000001AAA"
ACME = "001000000000001AAA"
FOUND = Found(contacts=(ContactRow(ANN_ID, "ann@acme.example", ACME, USER.id),))
RECORD = "02s000000000001AAA"


def internal(address: str) -> bool:
    return address.endswith("@mycorp.example")


def email(key: str, sender: str = "ann@acme.example", **fields: object) -> EmailRecord:
    values: dict[str, object] = {
        "id": f"graph-{key}",
        "internet_message_id": f"<{key}@acme.example>",
        "folder": "inbox",
        "subject": key.title(),
        "from_": EmailAddress(sender),
        "to": (EmailAddress(ME),),
        **fields,
    }
    return EmailRecord(**values)  # type: ignore[arg-type]


def journal(
    *emails: EmailRecord, outcomes: dict[str, SaveOutcome] | None = None, stopped: str = "", **options: object
) -> list[Entry]:
    values: dict[str, object] = {"emails": emails, "is_blocked": internal, "user": USER, "today": TODAY}
    inputs = EmailInputs(**{**values, **options})  # type: ignore[arg-type]
    plan = plan_emails(inputs, FOUND)
    final = plan_threads(inputs, plan, {}, frozenset(), Found())
    return email_journal_entries(
        plan=plan,
        final=final,
        outcomes=outcomes or {},
        key=lambda m: f"key:{m}",
        folder="Salesforce emails",
        stopped=stopped,
    )


def whats(entries: list[Entry]) -> list[tuple[str, str]]:
    return [(e.label, e.what) for e in entries]


def test_it_names_what_the_step_weighed_and_leaves_the_untouched_mail_out():
    tagged = email("tagged", categories=("Salesforce",))
    internal_only = email("lunch", sender="boss@mycorp.example", categories=("Salesforce",))
    draft = email("draft", categories=("Salesforce",), is_draft=True)
    elsewhere = email("archived", categories=("Salesforce",), folder="other")
    untouched = [email(f"news{n}", sender="news@vendor.example") for n in range(20)]
    again = email("again", categories=("Salesforce",))  # saved last session: its own tag came back
    done = SaveOutcome(ok=True, crm_object="EmailMessage", crm_id=RECORD, created=True)

    entries = journal(
        tagged,
        internal_only,
        draft,
        elsewhere,
        *untouched,
        EmailRecord(id="gone", removed=True),
        again,
        outcomes={tagged.internet_message_id: done},
        saved_here=frozenset({again.internet_message_id}),
    )

    assert whats(entries) == [
        ("Tagged", "email_saved"),
        ("Tagged", "related"),
        ("Lunch", "left_out"),
        ("Draft", "left_out"),
        ("Archived", "left_out"),
    ]
    saved, related = entries[:2]
    assert (saved.sync_key, saved.mail_id, saved.crm_id) == (
        "key:<tagged@acme.example>",
        "graph-tagged",
        RECORD,
    )
    assert saved.message == "It has the “Salesforce” category."
    assert related.message.startswith(
        f"Person {ANN_ID}, chosen as the Contact with the address ann@acme.example"
    )
    assert f"Business record {ACME}, chosen as the Contact's Account." in related.message
    assert [e.details["why"] for e in entries[2:]] == ["internal_or_blocked", "draft", "other_folder"]
    assert "only emails in Inbox, Sent Items and the “Salesforce emails” folder" in entries[4].message
    assert entries[2].details["people"] == ["boss@mycorp.example", ME]


def test_it_says_why_auto_save_passed_an_email_by_once_even_read_in_two_folders():
    stranger = email("pitch", sender="someone@unknown.example")
    entries = journal(stranger, stranger, rules=SavingRules(auto_save="inbound", auto_track="people"))

    [left_out] = entries
    assert left_out.details["why"] == "not_linked"
    assert left_out.message == (
        "Auto-save saves an email only when one of its people is a Contact or Lead; "
        "none was found in Salesforce."
    )


def test_it_gives_salesforces_answer_for_a_failed_email_and_says_whether_it_is_tried_again():
    retried, refused = (
        email("locked", categories=("Salesforce",)),
        email("refused", categories=("Salesforce",)),
    )
    outcomes = {
        retried.internet_message_id: SaveOutcome(ok=False, answer="UNABLE_TO_LOCK_ROW: busy"),
        refused.internet_message_id: SaveOutcome(
            ok=False, answer="REQUIRED_FIELD_MISSING: Region__c", retried=False
        ),
    }

    first, second = journal(retried, refused, outcomes=outcomes)

    assert (first.what, first.message) == (
        "failed",
        "Salesforce answered: UNABLE_TO_LOCK_ROW: busy. It is tried again next session.",
    )
    assert (second.what, second.message) == (
        "email_gave_up",
        "Salesforce answered: REQUIRED_FIELD_MISSING: Region__c. It is no longer tried.",
    )


def test_it_says_an_email_was_added_to_a_record_already_there_and_what_could_not_be_added():
    stranger = email("shared", sender="someone@unknown.example", categories=("Salesforce",))
    outcome = SaveOutcome(ok=True, crm_object="EmailMessage", crm_id=RECORD, problems=("a file was refused",))

    [saved] = journal(stranger, outcomes={stranger.internet_message_id: outcome})

    assert "added to the email Salesforce already held" in saved.message
    assert "Not everything could be added: a file was refused." in saved.message
    assert "None of its people is a Contact or Lead, and no business record was found." in saved.message


def test_it_names_the_emails_a_stopped_step_did_not_reach():
    tagged = email("tagged", categories=("Salesforce",))

    [entry] = journal(tagged, stopped="Salesforce has no field MailSync_Key__c")

    assert entry.what == "failed" and entry.details["meant"] == "email_saved"
    assert entry.message == (
        "The session stopped before it was saved: Salesforce has no field MailSync_Key__c. It is tried again."
    )
