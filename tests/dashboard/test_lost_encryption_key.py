"""A lost or changed encryption key: pages keep working, the sign-ins no key opens ask for a
reconnect, nothing stored is overwritten, and production cannot start without keys of its own."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from onboarding.services import mailbox_connect
from syncengine.checks import check_field_encryption_keys
from syncengine.crypto import is_unreadable
from syncengine.models import ConnectionStatus, Mailbox, SalesforceConnection
from syncengine.services.failures import MAIL_CREDENTIALS_UNREADABLE
from syncengine.services.sessions import session_run
from tests.support.pages import text_of, url
from tests.support.people import Person
from tests.support.records import raw_credentials

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def key_lost(settings, make_person) -> Person:
    """Alice connected under OLD; the server now knows only NEW (OLD was lost)."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    settings.FIELD_ENCRYPTION_DERIVED_KEY = False
    alice = make_person("alice")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    return alice


def _readable_salesforce(settings, person: Person) -> None:
    """Re-encrypt the Salesforce tokens under NEW (as if only the mailbox's had been lost)."""
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    credentials = dict(SalesforceConnection.objects.get(pk=person.connection.pk).credentials)
    SalesforceConnection.objects.filter(pk=person.connection.pk).update(credentials=credentials)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]


def test_it_shows_the_dashboard_and_asks_for_a_reconnect_when_no_key_opens_the_tokens(client, key_lost):
    client.force_login(key_lost.user)

    page = client.get(url("home"))

    assert page.status_code == 200
    text = text_of(page)
    assert key_lost.mailbox.address in text
    assert "Reconnect" in text


def test_it_shows_the_admin_pages_of_mailboxes_whose_tokens_no_key_opens(admin_client, key_lost):
    assert admin_client.get("/admin/syncengine/mailbox/").status_code == 200
    assert admin_client.get(f"/admin/syncengine/mailbox/{key_lost.mailbox.pk}/change/").status_code == 200


def test_it_suspends_the_mailbox_for_a_reconnect_and_keeps_the_stored_value(settings, key_lost):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    _readable_salesforce(settings, key_lost)
    raw_before = raw_credentials("syncengine_mailbox", key_lost.mailbox.pk)

    session_run(mailbox_id=key_lost.mailbox.pk)

    mailbox = Mailbox.objects.get(pk=key_lost.mailbox.pk)
    assert mailbox.suspended
    assert mailbox.cause_code == MAIL_CREDENTIALS_UNREADABLE
    assert "reconnect" in mailbox.suspended_reason.lower()
    assert raw_credentials("syncengine_mailbox", mailbox.pk) == raw_before  # nothing overwritten


def test_it_marks_salesforce_for_a_reconnect_when_its_tokens_cannot_be_read(settings, key_lost):
    # The mailbox is readable again (its key restored); Salesforce's tokens are not.
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    mailbox = Mailbox.objects.get(pk=key_lost.mailbox.pk)
    mailbox.credentials = dict(mailbox.credentials)
    mailbox.save(update_fields=["credentials"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE syncengine_salesforceconnection SET credentials = %s WHERE id = %s",
            [Fernet(Fernet.generate_key()).encrypt(b"{}").decode(), key_lost.connection.pk],
        )

    session_run(mailbox_id=mailbox.pk)

    mailbox.refresh_from_db()
    assert mailbox.suspended
    assert SalesforceConnection.objects.get(pk=key_lost.connection.pk).status == ConnectionStatus.REVOKED


def test_it_writes_an_unreadable_value_back_unchanged_so_restoring_the_key_recovers_it(settings, key_lost):
    raw_before = raw_credentials("syncengine_mailbox", key_lost.mailbox.pk)
    mailbox = Mailbox.objects.get(pk=key_lost.mailbox.pk)
    assert is_unreadable(mailbox.credentials)

    mailbox.save()  # e.g. a status change saved with the whole row

    assert raw_credentials("syncengine_mailbox", mailbox.pk) == raw_before
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert Mailbox.objects.get(pk=mailbox.pk).credentials["refresh_token"]


def test_it_takes_a_new_sign_in_over_an_unreadable_one(settings, key_lost):
    _readable_salesforce(settings, key_lost)
    mailbox = Mailbox.objects.get(pk=key_lost.mailbox.pk)
    session_run(mailbox_id=mailbox.pk)  # suspended: reconnect needed

    mailbox_connect(
        owner=key_lost.user,
        organization=key_lost.organization,
        provider=mailbox.provider,
        address=mailbox.address,
        provider_account=mailbox.provider_account,
        credentials={"access_token": "a", "refresh_token": "fresh"},
        reconnecting=Mailbox.objects.get(pk=mailbox.pk),
    )

    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert mailbox.credentials["refresh_token"] == "fresh"
    assert not mailbox.suspended


def test_it_requires_encryption_keys_of_their_own_in_production(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    assert [m.id for m in check_field_encryption_keys(None)] == ["syncengine.E001"]

    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    settings.FIELD_ENCRYPTION_DERIVED_KEY = False
    assert [m.id for m in check_field_encryption_keys(None)] == ["syncengine.E002"]


def test_it_asks_to_retire_the_key_derived_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    settings.FIELD_ENCRYPTION_DERIVED_KEY = True
    assert [m.id for m in check_field_encryption_keys(None)] == ["syncengine.W001"]

    settings.FIELD_ENCRYPTION_DERIVED_KEY = False
    assert check_field_encryption_keys(None) == []


def test_it_no_longer_reads_values_under_the_derived_key_once_it_is_retired(settings, make_person):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_DERIVED_KEY = True
    alice = make_person("alice")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert Mailbox.objects.get(pk=alice.mailbox.pk).credentials["refresh_token"]

    settings.FIELD_ENCRYPTION_DERIVED_KEY = False

    assert is_unreadable(Mailbox.objects.get(pk=alice.mailbox.pk).credentials)
