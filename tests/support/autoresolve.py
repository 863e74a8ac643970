"""Setting an org up for autoresolving in the Salesforce sandbox."""

from __future__ import annotations

from typing import Any

from autoresolve.models import CreatedRecord
from tests.support.people import SYNC_KEY_FIELD, Person


def add_people_keys(person: Person, sf_server: Any) -> None:
    """The engine's External ID on Lead and Account (Contact has it already: tests/conftest.py)."""
    for sobject in ("Lead", "Account"):
        sf_server.app.add_field(
            person.sf_org_id, sobject, SYNC_KEY_FIELD, "string", length=80, external_id=True, unique=True
        )


def made_record(person: Person, sobject: str, record_id: str, address: str, **extra: Any) -> CreatedRecord:
    """A record the engine made for ``address``, as the people maker keeps it (for the page and undo)."""
    return CreatedRecord.objects.create(
        organization=person.organization,
        address=address,
        sync_key=f"k-{address}",
        sobject=sobject,
        record_id=record_id,
        **extra,
    )
