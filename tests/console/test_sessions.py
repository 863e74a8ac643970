"""The organization's sessions, filtered by outcome, and the same view as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from syncengine.services.sessions import session_run
from tests.support.pages import decoded_text_of
from tests.support.people import Person


@pytest.mark.django_db
def test_it_lists_only_the_failed_sessions_when_asked_and_exports_that_view(
    person: Person, make_person: Callable[..., Person], org_admin: Client, sandboxes
):
    _, graph_server = sandboxes
    colleague = make_person("bert", organization=person.organization)
    session_run(mailbox_id=colleague.mailbox.pk)
    graph_server.app.revoke_refresh_tokens(person.tenant_id, person.graph_user_id)
    session_run(mailbox_id=person.mailbox.pk)
    url = reverse("console:sessions", args=[person.organization.pk])

    page = decoded_text_of(org_admin.get(url, {"outcome": "failed"}))
    exported = org_admin.get(url, {"outcome": "failed", "format": "csv"})

    everything = decoded_text_of(org_admin.get(url))
    assert 'data-outcome="succeeded"' in everything and 'data-outcome="failed"' in everything
    assert 'data-outcome="failed"' in page and 'data-outcome="succeeded"' not in page
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [r["outcome"] for r in rows] == ["Failed"]
    assert rows[0]["error code"] == "MAIL_AUTH_REVOKED"
