"""Pure data for the planner's tests: event values and a pair already in sync."""

from __future__ import annotations

from typing import Any

from mapping.defaults import event_rules
from syncengine.core.records import PairState, content_hash, make_sync_key

SCOPE = "mailbox:1"


def values(**overrides: Any) -> dict[str, Any]:
    base = {
        "subject": "Quarterly review",
        "body": "Agenda",
        "start": "2026-12-01T10:00:00Z",
        "end": "2026-12-01T11:00:00Z",
        "is_all_day": False,
        "location": "Room 1",
        "show_as": "busy",
        "sensitivity": "normal",
    }
    base.update(overrides)
    return base


def synced_pair(mail_id: str = "m1", crm_id: str = "00U000000000001AAA", **overrides: Any) -> PairState:
    rules = event_rules()
    v = values(**overrides)
    crm_view = rules.crm_readback(v)
    return PairState(
        sync_key=make_sync_key(SCOPE, mail_id),
        mail_id=mail_id,
        crm_id=crm_id,
        mail_version="ck1",
        crm_version="2026-11-27T00:00:00.000+0000",
        mail_hash=content_hash(v),
        crm_hash=content_hash(crm_view),
        synced={"mail": v, "crm": crm_view},
    )
