"""Tokens are encrypted in the database: the raw columns never hold them in clear."""

from __future__ import annotations

import pytest
from django.db import connection

from syncengine.models import Mailbox, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.people import Person, event_body

pytestmark = pytest.mark.django_db


def _raw_credentials(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_it_stores_the_mailbox_refresh_token_encrypted(alice: Person):
    token = Mailbox.objects.get(pk=alice.mailbox.pk).credentials["refresh_token"]
    assert token

    raw = _raw_credentials("syncengine_mailbox", alice.mailbox.pk)

    assert token not in raw
    assert "refresh_token" not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token


def test_it_stores_the_salesforce_refresh_token_encrypted(alice: Person):
    token = SalesforceConnection.objects.get(pk=alice.connection.pk).credentials["refresh_token"]
    assert token

    raw = _raw_credentials("syncengine_salesforceconnection", alice.connection.pk)

    assert token not in raw
    assert "refresh_token" not in raw


def test_it_keeps_tokens_encrypted_after_a_session_refreshes_them(alice: Person):
    alice.outlook.create_event(**event_body("Call", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    mailbox = Mailbox.objects.get(pk=alice.mailbox.pk)
    sf = SalesforceConnection.objects.get(pk=alice.connection.pk)

    raw_mailbox = _raw_credentials("syncengine_mailbox", mailbox.pk)
    raw_sf = _raw_credentials("syncengine_salesforceconnection", sf.pk)

    for key, value in mailbox.credentials.items():
        assert key not in raw_mailbox
        if isinstance(value, str) and len(value) >= 8:
            assert value not in raw_mailbox
    for key, value in sf.credentials.items():
        assert key not in raw_sf
        if isinstance(value, str) and len(value) >= 8:
            assert value not in raw_sf
