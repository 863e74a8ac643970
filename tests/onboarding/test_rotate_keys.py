"""Key rotation: tokens written under an old key stay readable, and after the command only the new
key is needed. The command is idempotent and prints counts, never secrets."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command

from syncengine.models import Mailbox, SalesforceConnection
from tests.support.people import Person
from tests.support.records import raw_credentials

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _rotate() -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    return out.getvalue()


@pytest.fixture
def written_under_old_key(settings, make_person) -> Person:
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    return make_person("alice")


def test_it_reads_tokens_written_under_an_old_key_once_a_new_key_is_prepended(
    settings, written_under_old_key: Person
):
    token = written_under_old_key.mailbox.credentials["refresh_token"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    assert Mailbox.objects.get(pk=written_under_old_key.mailbox.pk).credentials["refresh_token"] == token


def test_it_reencrypts_every_token_so_only_the_new_key_is_needed(settings, written_under_old_key: Person):
    alice = written_under_old_key
    mailbox_token = alice.mailbox.credentials["refresh_token"]
    sf_token = alice.connection.credentials["refresh_token"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = _rotate()

    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert Mailbox.objects.get(pk=alice.mailbox.pk).credentials["refresh_token"] == mailbox_token
    assert SalesforceConnection.objects.get(pk=alice.connection.pk).credentials["refresh_token"] == sf_token
    raw = raw_credentials("syncengine_mailbox", alice.mailbox.pk)
    Fernet(NEW.encode()).decrypt(raw.encode())
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(raw.encode())
    assert "syncengine.Mailbox.credentials: re-encrypted 1," in output
    assert "syncengine.SalesforceConnection.credentials: re-encrypted 1," in output


def test_it_changes_nothing_when_run_again(settings, written_under_old_key: Person):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    _rotate()
    raw_before = raw_credentials("syncengine_mailbox", written_under_old_key.mailbox.pk)

    output = _rotate()

    assert raw_credentials("syncengine_mailbox", written_under_old_key.mailbox.pk) == raw_before
    assert "Total: re-encrypted 0, already current 2." in output


def test_it_never_prints_a_secret(settings, written_under_old_key: Person):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    secrets = [
        written_under_old_key.mailbox.credentials["refresh_token"],
        written_under_old_key.connection.credentials["refresh_token"],
        raw_credentials("syncengine_mailbox", written_under_old_key.mailbox.pk),
        NEW,
        OLD,
    ]

    output = _rotate()

    assert not [s for s in secrets if s in output]


def test_it_moves_tokens_off_the_key_derived_from_secret_key(settings, make_person):
    settings.FIELD_ENCRYPTION_KEYS = []
    alice = make_person("alice")
    token = alice.mailbox.credentials["refresh_token"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    _rotate()

    assert Mailbox.objects.get(pk=alice.mailbox.pk).credentials["refresh_token"] == token
    Fernet(NEW.encode()).decrypt(raw_credentials("syncengine_mailbox", alice.mailbox.pk).encode())


def test_it_leaves_values_no_key_opens_and_says_so(settings, written_under_old_key: Person):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key was dropped before rotating
    raw_before = raw_credentials("syncengine_mailbox", written_under_old_key.mailbox.pk)

    with pytest.raises(CommandError, match="2 value\\(s\\) cannot be decrypted"):
        _rotate()

    assert raw_credentials("syncengine_mailbox", written_under_old_key.mailbox.pk) == raw_before
