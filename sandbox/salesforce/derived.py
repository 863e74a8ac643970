"""Fields Salesforce computes itself, and the write rules of a few special objects.

Opportunity IsClosed/IsWon follow the stage; a Case gets an auto-number and IsClosed/ClosedDate from its
Status; an EmailMessageRelation fills RelationObjectType and RelationAddress from the related person; a
sent (non-draft) EmailMessage accepts updates of IsExternallyVisible and custom fields only; a
ContentVersion measures its VersionData.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.schema import SObjectType
from sandbox.salesforce.values import format_datetime

Record = dict[str, Any]
RecordLookup = Callable[[str], tuple[str, Record] | None]

CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}  # stage -> IsWon
MAX_BASE64_CHARS = 39_321_600  # 37.5 MB of base64 in a non-multipart JSON body
DRAFT = "5"
_SENT_EMAIL_EDITABLE = {"IsExternallyVisible"}


def decode_base64(field_name: str, raw: Any) -> str:
    """The base64 text as sent, once checked; raises the error Salesforce gives for bad blob data."""
    if not isinstance(raw, str):
        raise SalesforceError("JSON_PARSER_ERROR", f"{field_name}: base64 data must be a JSON string")
    if len(raw) > MAX_BASE64_CHARS:
        raise SalesforceError(
            "STRING_TOO_LONG",
            f"{field_name}: non-multipart requests are limited to 37.5 MB of base64-encoded data",
            [field_name],
        )
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise SalesforceError(
            "JSON_PARSER_ERROR", f"{field_name}: Illegal base64 character or padding", [field_name]
        ) from None
    return raw


def check_email_update(otype: SObjectType, current: Record, changed: Record) -> None:
    """A non-draft EmailMessage is a record of what happened: only a few fields may change."""
    if otype.name != "EmailMessage" or current.get("Status") == DRAFT:
        return
    refused = []
    for name, value in changed.items():
        fdef = otype.fields.get(name)
        if fdef is None or fdef.custom or name in _SENT_EMAIL_EDITABLE:
            continue
        if name == "Status" and current.get("Status") == "0" and value == "1":
            continue  # New -> Read is the one status change allowed
        refused.append(name)
    if refused:
        raise SalesforceError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to update fields: {', '.join(refused)}. An email message that isn't a draft can only "
            "have its IsExternallyVisible field and custom fields updated.",
            refused,
        )


def derive(
    otype: SObjectType,
    record: Record,
    creating: bool,
    now: datetime,
    lookup: RecordLookup,
    next_number: Callable[[str], int],
) -> None:
    name = otype.name
    if name == "Opportunity":
        stage = record.get("StageName")
        record["IsClosed"] = stage in CLOSED_STAGES
        record["IsWon"] = CLOSED_STAGES.get(stage, False)
    elif name == "Case":
        if creating:
            record["CaseNumber"] = f"{next_number('Case'):08d}"
        closed = record.get("Status") == "Closed"
        if closed and not record.get("IsClosed"):
            record["ClosedDate"] = format_datetime(now)
        elif not closed:
            record["ClosedDate"] = None
        record["IsClosed"] = closed
    elif name == "EmailMessageRelation" and creating:
        _derive_relation(record, lookup)
    elif name == "ContentVersion" and creating:
        _derive_version(record)


def _derive_relation(record: Record, lookup: RecordLookup) -> None:
    relation_id = record.get("RelationId")
    if relation_id is None and not record.get("RelationAddress"):
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [RelationId]", ["RelationId"]
        )
    if relation_id is not None:
        found = lookup(relation_id)
        if found is not None:
            record["RelationObjectType"] = found[0]
            if not record.get("RelationAddress"):
                record["RelationAddress"] = found[1].get("Email")


def _derive_version(record: Record) -> None:
    if record.get("ContentLocation", "S") == "S":
        missing = [f for f in ("PathOnClient", "VersionData") if not record.get(f)]
        if missing:
            raise SalesforceError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
    data = base64.b64decode(record.get("VersionData") or "")
    path = PurePosixPath(str(record.get("PathOnClient") or "").replace("\\", "/"))
    if not record.get("Title"):
        record["Title"] = path.stem or path.name
    record["ContentSize"] = len(data)
    record["Checksum"] = hashlib.md5(data).hexdigest()  # Salesforce's own checksum is MD5
    record["FileExtension"] = path.suffix.lstrip(".").lower() or None
    record["IsLatest"] = True
