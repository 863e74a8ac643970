"""Create records exactly once on their sync key (the engine's External ID): look the keys up first,
one query per 200, and upsert only the missing ones, so a crash between our Salesforce write and our
own commit, or another mailbox of the org writing the same record, never makes a twin. Existing records
are not rewritten."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.base import WriteResult
from connectors.salesforce.connector import SalesforceConnector


@dataclass(frozen=True)
class Written:
    id: str = ""
    created: bool = False  # made by this call (not found, or upserted by another writer meanwhile)
    failure: WriteResult | None = None


def create_once(
    crm: SalesforceConnector, sobject: str, records: Mapping[str, Mapping[str, Any]]
) -> dict[str, Written]:
    """``records``: sync key -> fields (the key field itself left out)."""
    keys = list(records)
    if not keys:
        return {}
    found = crm.ids_by_sync_key(crm_object=sobject, keys=keys)
    outcomes = {key: Written(id=found[key]) for key in keys if key in found}
    missing = [key for key in keys if key not in found]
    key_field = crm.config.sync_key_field
    results = crm.upsert(crm_object=sobject, records=[{**records[k], key_field: k} for k in missing])
    failed: dict[str, WriteResult] = {}
    for key, result in zip(missing, results, strict=True):
        if result.ok:
            outcomes[key] = Written(id=result.id, created=bool(result.created))
        else:
            failed[key] = result
    if failed:  # another writer may have made it between our read and our write
        raced = crm.ids_by_sync_key(crm_object=sobject, keys=list(failed))
        for key, result in failed.items():
            outcomes[key] = Written(id=raced[key]) if key in raced else Written(failure=result)
    return outcomes
