"""Every code a person can meet is in plain words with what to do, and the pages show the words: the
code itself only small, beside them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.core.code_words import CODE_WORDS, UNKNOWN_WORDS, words_for
from syncengine.models import MailboxStatus, Outcome, SyncIssue, SyncSession
from syncengine.services.issues import issue_record
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.emitted_codes import email_reasons, emitted_codes, left_out_reasons
from tests.support.pages import decoded_text_of, text_of, url
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def test_it_has_words_for_every_code_the_engine_can_emit():
    found = emitted_codes()

    assert len(found) > 40  # the collector reads the source; an empty set would prove nothing
    assert sorted(found - set(CODE_WORDS)) == []


def test_it_has_words_for_every_reason_an_item_or_an_email_is_left_out():
    reasons = left_out_reasons() | email_reasons()

    assert "internal_or_blocked" in reasons
    assert sorted(reasons - set(CODE_WORDS)) == []


@pytest.mark.parametrize("code", sorted(CODE_WORDS))
def test_it_says_each_code_in_words_not_in_the_code(code: str):
    words = CODE_WORDS[code]
    looks_like_a_code = code != code.lower() or "_" in code  # "draft" may be said as "a draft"

    assert words.text.strip()
    assert not looks_like_a_code or (code not in words.text and code not in words.todo)


def test_it_gives_an_unknown_providers_code_the_general_words():
    assert words_for("ErrorSomethingBrandNew") == UNKNOWN_WORDS


def test_it_shows_an_issue_in_words_with_what_to_do_and_the_code_small(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("Q" * 300, in_days(2), in_days(2, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    issue = SyncIssue.objects.get(mailbox=alice.mailbox)

    html = decoded_text_of(alice_client.get(url("home")))

    words = CODE_WORDS["FIELD_TRUNCATED"]
    assert f'<strong class="issue-words">{words.text}</strong>' in html
    assert f"What to do: {words.todo}" in html
    assert f'<div class="muted small">{issue.message} <code>FIELD_TRUNCATED</code></div>' in html


def test_it_shows_a_providers_own_code_in_general_words(alice_client: Client, alice: Person):
    issue_record(
        mailbox=alice.mailbox,
        session=None,
        stream="events",
        code="ErrorQuotaExceeded",
        message="Mailbox full",
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert f'<strong class="issue-words">{UNKNOWN_WORDS.text}</strong>' in html
    assert "<code>ErrorQuotaExceeded</code>" in html


def test_it_names_the_reasons_emails_were_left_alone_in_words(alice_client: Client, alice: Person):
    SyncSession.objects.create(
        mailbox=alice.mailbox,
        trigger="schedule",
        outcome=Outcome.SUCCEEDED,
        counts={"emails": {"left alone": {"internal_or_blocked": 2, "draft": 1}}},
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert "emails left alone: 2 " + CODE_WORDS["internal_or_blocked"].text.rstrip(".") in html
    assert "internal_or_blocked" not in html and "1 draft" not in html


def test_it_says_why_a_session_failed_in_words(alice_client: Client, alice: Person):
    SyncSession.objects.create(
        mailbox=alice.mailbox,
        trigger="schedule",
        outcome=Outcome.FAILED,
        error="Salesforce call failed: SFError(...)",
        error_code="UNKNOWN",
    )

    html = decoded_text_of(alice_client.get(url("home")))

    assert f'<div class="error-text">{CODE_WORDS["UNKNOWN"].text}</div>' in html
    assert "Salesforce call failed: SFError(...) <code>UNKNOWN</code>" in html


def test_it_advises_on_a_mailbox_cause_in_words_not_in_its_code(alice_client: Client, alice: Person):
    alice.mailbox.status = MailboxStatus.ERROR
    alice.mailbox.cause_code = "SIDE_EMPTY_HALTED"
    alice.mailbox.status_message = "The calendar came back empty"
    alice.mailbox.save()

    html = decoded_text_of(alice_client.get(url("home")))

    assert "The last session failed: " + CODE_WORDS["SIDE_EMPTY_HALTED"].text in html
    assert "(SIDE_EMPTY_HALTED)" not in html


def test_it_offers_retry_now_where_a_new_session_can_help(
    alice_client: Client, alice: Person, q_sync: None, django_capture_on_commit_callbacks
):
    failed = issue_record(
        mailbox=alice.mailbox,
        session=None,
        stream="tasks",
        code="STREAM_FAILED",
        message="Tasks were not synced",
    )
    conflict = issue_record(
        mailbox=alice.mailbox, session=None, stream="events", code="CONFLICT_RESOLVED", message="Both changed"
    )

    html = text_of(alice_client.get(url("home")))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dashboard:retry_issue", args=[failed.pk]))

    assert f'action="{reverse("dashboard:retry_issue", args=[failed.pk])}"' in html
    assert f'action="{reverse("dashboard:retry_issue", args=[conflict.pk])}"' not in html
    assert SyncSession.objects.filter(mailbox=alice.mailbox).count() == 1  # the retry ran a session


def test_it_says_what_to_do_about_an_item_left_out(alice_client: Client, alice: Person):
    alice.outlook.create_event(**event_body("Dentist", in_days(2), in_days(2, 11), sensitivity="private"))
    session_run(mailbox_id=alice.mailbox.pk)

    html = decoded_text_of(alice_client.get(url("home")))

    assert f'<span class="todo">{CODE_WORDS["private"].todo}</span>' in html
