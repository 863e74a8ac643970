"""What a mapping table must give Salesforce, and what it must leave to the engine (pure).

Read from the org's describe: a field is required on create when Salesforce lets it be set on
create, does not accept null, and fills in no value of its own (createable, not nillable, not
defaultedOnCreate). The engine writes some fields itself (the sync key, the owner, the links, an
all-day Event's day and length): a row writing them would fight the engine, e.g. a value mapped onto
the sync key makes two items share one record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Every stream: the record's id, and its owner (each user syncs the records they own).
_ALWAYS = {
    "id": "Id is the record's own id; Salesforce gives it",
    "ownerid": "the engine syncs each user's own records (OwnerId), so the owner is never mapped",
}
_LINKS = {
    "whoid": "the engine links activities to people itself (WhoId)",
    "whatid": "the engine links activities to their business record itself (WhatId)",
}
_OWNED_BY_OBJECT: dict[str, dict[str, str]] = {
    "event": {
        **_LINKS,
        # The all-day adapter (mapping.convert_events) writes these from start, end and is_all_day.
        "activitydate": "the engine writes an all-day item's day (ActivityDate) from its start",
        "durationinminutes": "the engine writes an all-day item's length (DurationInMinutes) from its end",
        "activitydatetime": "Salesforce sets ActivityDateTime from StartDateTime",
    },
    "task": dict(_LINKS),
}
# Event fields the engine writes together from one mailbox field each (start, end, all day).
RESERVED_FOR: dict[str, dict[str, str]] = {
    "event": {"startdatetime": "start", "enddatetime": "end", "isalldayevent": "is_all_day"},
}
# The Event's times: Salesforce refuses an Event without a start and an end (or a length), and the
# engine writes them from these rows (an all-day item as its day and length, derived from them).
NEEDED_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "event": (("start", "StartDateTime"), ("end", "EndDateTime")),
}


def engine_owned(crm_object: str, sync_key_field: str) -> dict[str, str]:
    """Lower-cased field name -> why a table may not map it."""
    owned = dict(_ALWAYS) | _OWNED_BY_OBJECT.get(crm_object.lower(), {})
    owned[sync_key_field.lower()] = (
        f"{sync_key_field} is the engine's sync key: it tells one item's record from another's"
    )
    return owned


def label_of(field: Mapping[str, Any]) -> str:
    return f"{field.get('label') or field['name']} ({field['name']})"


def required_on_create(describe: Mapping[str, Any], sync_key_field: str) -> list[Mapping[str, Any]]:
    """The fields a new record must be given a value for, other than those the engine sets itself."""
    engine_sets = {"ownerid", sync_key_field.lower()}
    return [
        field
        for field in describe.get("fields", [])
        if field.get("createable")
        and field.get("nillable") is False
        and not field.get("defaultedOnCreate")
        and str(field["name"]).lower() not in engine_sets
    ]
