"""Tokens are encrypted in the database: the raw columns never hold them in clear."""

from __future__ import annotations

from typing import Any

import pytest

from syncengine.models import Mailbox, SalesforceConnection
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.people import Person, event_body
from tests.support.records import raw_credentials

pytestmark = pytest.mark.django_db


def stored(model: Any, pk: int) -> tuple[str, str]:
    """The refresh token of that row as the model reads it, and the credentials column as stored."""
    token = model.objects.get(pk=pk).credentials["refresh_token"]
    assert token
    return token, raw_credentials(model._meta.db_table, pk)


def assert_hidden(credentials: dict[str, Any], raw: str) -> None:
    """No key of the credentials, nor any value long enough to be a secret, is in the raw column."""
    for key, value in credentials.items():
        assert key not in raw
        if isinstance(value, str) and len(value) >= 8:
            assert value not in raw


def test_it_stores_the_mailbox_refresh_token_encrypted(alice: Person):
    token, raw = stored(Mailbox, alice.mailbox.pk)

    assert token not in raw
    assert "refresh_token" not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token


def test_it_stores_the_salesforce_refresh_token_encrypted(alice: Person):
    token, raw = stored(SalesforceConnection, alice.connection.pk)

    assert token not in raw
    assert "refresh_token" not in raw


def test_it_keeps_tokens_encrypted_after_a_session_refreshes_them(alice: Person):
    alice.outlook.create_event(**event_body("Call", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=alice.mailbox.pk)
    mailbox = Mailbox.objects.get(pk=alice.mailbox.pk)
    sf = SalesforceConnection.objects.get(pk=alice.connection.pk)

    raw_mailbox = raw_credentials("syncengine_mailbox", mailbox.pk)
    raw_sf = raw_credentials("syncengine_salesforceconnection", sf.pk)

    assert_hidden(mailbox.credentials, raw_mailbox)
    assert_hidden(sf.credentials, raw_sf)
