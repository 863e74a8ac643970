"""Per-org state: schema extensions, live and deleted records, API usage; validating writes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.salesforce.derived import check_email_update, decode_base64, derive
from sandbox.salesforce.errors import NOT_FOUND_MESSAGE, SalesforceError
from sandbox.salesforce.ids import is_id, new_id, to18
from sandbox.salesforce.schema import (
    ID_TYPES,
    PERSON_TO_CONTACT,
    TEXT_TYPES,
    FieldDef,
    SObjectType,
    person_account_fields,
    standard_objects,
)
from sandbox.salesforce.values import format_datetime, parse_date, parse_datetime, start_of_day

Record = dict[str, Any]
Snapshot = tuple[dict[str, dict[str, Record]], dict[str, dict[str, Record]], int]
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAMED = {"Contact", "Lead", "User"}  # Name is FirstName + LastName
_CHILDREN = {
    # An Account's activities go with it, as in Salesforce (its Contacts too there; not modelled).
    "Account": (("Task", "WhatId"), ("Event", "WhatId")),
    "Event": (("EventRelation", "EventId"), ("ContentDocumentLink", "LinkedEntityId")),
    "EmailMessage": (("EmailMessageRelation", "EmailMessageId"), ("ContentDocumentLink", "LinkedEntityId")),
    "ContentDocument": (
        ("ContentVersion", "ContentDocumentId"),
        ("ContentDocumentLink", "ContentDocumentId"),
    ),
}


@dataclass
class Org:
    id: str
    name: str
    created: datetime
    custom_fields: dict[str, dict[str, FieldDef]] = field(default_factory=dict)
    live: dict[str, dict[str, Record]] = field(default_factory=dict)  # sobject -> id -> record
    deleted: dict[str, dict[str, Record]] = field(default_factory=dict)
    api_used: int = 0
    api_max: int = 100_000
    auto_numbers: dict[str, int] = field(default_factory=dict)  # sobject -> last number given


class Clock:
    """UTC now (shiftable for tests) and strictly increasing write stamps, millisecond precision."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._last: datetime | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def stamp(self) -> datetime:
        now = self.now()
        now = now.replace(microsecond=(now.microsecond // 1000) * 1000)
        if self._last is not None and now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    def rewind(self) -> None:
        self._last = None


@dataclass
class Change:
    """One row written, as Change Data Capture sees it: the record before and after (None: absent)."""

    org_id: str
    sobject: str
    change_type: str  # CREATE, UPDATE, DELETE, UNDELETE
    record_id: str
    before: Record | None
    after: Record | None


class Store:
    def __init__(self) -> None:
        self.standard = standard_objects()
        self.by_prefix = {o.key_prefix: o.name for o in self.standard.values()}
        self.orgs: dict[str, Org] = {}
        self.clock = Clock()
        # The writes of the call under way, while the app collects them (None: nobody listens):
        # the app publishes them once the call succeeded, so a rolled-back write makes no event.
        self.journal: list[Change] | None = None

    def _note(
        self, org: Org, sobject: str, change_type: str, rid: str, before: Record | None, after: Record | None
    ) -> None:
        if self.journal is not None:
            self.journal.append(Change(org.id, sobject, change_type, rid, before, after))

    # -- orgs and schema -------------------------------------------------------------------------
    def create_org(self, name: str, org_id: str | None = None) -> Org:
        org_id = to18(org_id) if org_id else new_id("00D")
        if org_id in self.orgs:
            raise ValueError(f"org {org_id} exists")
        org = Org(org_id, name, self.clock.now())
        self.orgs[org_id] = org
        return org

    def org(self, org_id: str) -> Org:
        found = self.orgs.get(to18(org_id)) if is_id(org_id) else None
        if found is None:
            raise KeyError(f"no org {org_id}")
        return found

    def sobject(self, org: Org, name: str) -> SObjectType | None:
        """The org's view of an sObject type (custom fields included); the name is case-insensitive."""
        base = self.standard.get(name) or next(
            (o for o in self.standard.values() if o.name.lower() == name.lower()), None
        )
        if base is None:
            return None
        extra = org.custom_fields.get(base.name)
        return base.with_fields(list(extra.values())) if extra else base

    def sobject_or_error(self, org: Org, name: str) -> SObjectType:
        found = self.sobject(org, name)
        if found is None:
            raise SalesforceError("NOT_FOUND", NOT_FOUND_MESSAGE, status=404)
        return found

    def add_field(self, org: Org, sobject: str, definition: FieldDef) -> None:
        otype = self.sobject(org, sobject)
        if otype is None:
            raise ValueError(f"no sObject {sobject}")
        org.custom_fields.setdefault(otype.name, {})[definition.name] = definition

    def enable_person_accounts(self, org: Org, user_id: str) -> str:
        """Person Accounts on, as Salesforce support turns them on for an org (for good): the person
        fields on Account and Contact, and the Account record types. Returns the person type's id."""
        for sobject, fields in person_account_fields().items():
            for definition in fields:
                org.custom_fields.setdefault(sobject, {})[definition.name] = definition
        types = self.table(org, "RecordType")
        for record in types.values():
            if record["SobjectType"] == "Account" and record["IsPersonType"]:
                return str(record["Id"])
        business = {"Name": "Business Account", "DeveloperName": "Business_Account", "SobjectType": "Account"}
        self._system_insert(org, "RecordType", {**business, "IsPersonType": False}, user_id)
        person = {"Name": "Person Account", "DeveloperName": "PersonAccount", "SobjectType": "Account"}
        return str(self._system_insert(org, "RecordType", {**person, "IsPersonType": True}, user_id)["Id"])

    def _is_person_type(self, org: Org, record_type_id: Any) -> bool:
        found = (
            self.table(org, "RecordType").get(to18(str(record_type_id)))
            if is_id(str(record_type_id or ""))
            else None
        )
        return bool(found and found["SobjectType"] == "Account" and found["IsPersonType"])

    def _person_account(self, org: Org, otype: SObjectType, record: Record, creating: bool) -> bool:
        """Whether this Account is a person's: then its Name is the person's, its LastName required."""
        if otype.name != "Account" or "IsPersonAccount" not in otype.fields:
            return False
        if creating:
            record["IsPersonAccount"] = self._is_person_type(org, record.get("RecordTypeId"))
        if not record.get("IsPersonAccount"):
            return False
        if not record.get("LastName"):
            raise SalesforceError(
                "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]
            )
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
        return True

    def _person_contact(self, org: Org, account: Record, user_id: str) -> None:
        """The Contact Salesforce keeps for a Person Account: made with it, changed with it."""
        values = {contact: account.get(person) for person, contact in PERSON_TO_CONTACT.items()}
        contact_id = account.get("PersonContactId")
        if contact_id and contact_id in self.table(org, "Contact"):
            contact = dict(self.table(org, "Contact")[contact_id])
            contact.update(values)
            contact["Name"] = account["Name"]
            stamp = format_datetime(self.clock.stamp())
            contact.update(LastModifiedDate=stamp, LastModifiedById=user_id, SystemModstamp=stamp)
            self.table(org, "Contact")[contact_id] = contact
            return
        extra = {"Name": account["Name"], "AccountId": account["Id"], "IsPersonAccount": True}
        contact = self._system_insert(org, "Contact", {**values, **extra}, user_id)
        account["PersonContactId"] = contact["Id"]

    def type_of_id(self, record_id: str) -> str | None:
        return self.by_prefix.get(record_id[:3]) if is_id(record_id) else None

    # -- reads ----------------------------------------------------------------------------------
    def table(self, org: Org, sobject: str) -> dict[str, Record]:
        return org.live.setdefault(sobject, {})

    def graveyard(self, org: Org, sobject: str) -> dict[str, Record]:
        return org.deleted.setdefault(sobject, {})

    def get(self, org: Org, record_id: str) -> tuple[str, Record] | None:
        sobject = self.type_of_id(record_id)
        if sobject is None:
            return None
        record = self.table(org, sobject).get(to18(record_id))
        return (sobject, record) if record is not None else None

    def get_typed(self, org: Org, otype: SObjectType, record_id: str) -> Record:
        """A live record of that type, or the errors Salesforce answers for a bad/unknown/deleted id."""
        if not is_id(record_id) or record_id[:3] != otype.key_prefix:
            raise SalesforceError("NOT_FOUND", NOT_FOUND_MESSAGE, status=404)
        rid = to18(record_id)
        record = self.table(org, otype.name).get(rid)
        if record is None:
            if rid in self.graveyard(org, otype.name):
                raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404)
            raise SalesforceError("NOT_FOUND", NOT_FOUND_MESSAGE, status=404)
        return record

    # -- writes -----------------------------------------------------------------------------------
    def create(self, org: Org, otype: SObjectType, data: Any, user_id: str, collection: bool = False) -> str:
        values = self._coerce(org, otype, data, creating=True, collection=collection)
        record: Record = {f.name: None for f in otype.fields.values()}
        for f in otype.fields.values():
            if f.default is not None:
                record[f.name] = f.default
        if "OwnerId" in otype.fields:
            record["OwnerId"] = user_id
        record.update(values)
        person = self._person_account(org, otype, record, creating=True)
        self._derive(org, otype, record, set(values), creating=True)
        self._check_required(otype, record)
        self._check_unique(org, otype, record, None)
        self._insert(org, otype, record, user_id)
        if otype.name == "ContentVersion":
            self._publish(org, record, user_id)
        if person:
            self._person_contact(org, record, user_id)
        return record["Id"]

    def _insert(self, org: Org, otype: SObjectType, record: Record, user_id: str) -> None:
        stamp = format_datetime(self.clock.stamp())
        record.update(
            Id=new_id(otype.key_prefix),
            IsDeleted=False,
            CreatedDate=stamp,
            CreatedById=user_id,
            LastModifiedDate=stamp,
            LastModifiedById=user_id,
            SystemModstamp=stamp,
        )
        self.table(org, otype.name)[record["Id"]] = record
        self._note(org, otype.name, "CREATE", record["Id"], None, dict(record))

    def _system_insert(self, org: Org, sobject: str, values: Record, user_id: str) -> Record:
        """A record Salesforce makes itself (no field-level checks), e.g. a file's ContentDocument."""
        otype = self.standard[sobject]
        record: Record = {f.name: f.default for f in otype.fields.values()}
        if "OwnerId" in otype.fields:
            record["OwnerId"] = user_id
        record.update(values)
        self._insert(org, otype, record, user_id)
        return record

    def _publish(self, org: Org, version: Record, user_id: str) -> None:
        """A new ContentVersion makes (or versions) its ContentDocument and shares it where it was posted."""
        doc_id = version.get("ContentDocumentId")
        if doc_id:
            for other in self.table(org, "ContentVersion").values():
                if other.get("ContentDocumentId") == doc_id and other["Id"] != version["Id"]:
                    other["IsLatest"] = False
            document = self.table(org, "ContentDocument")[doc_id]
            document.update(
                Title=version["Title"],
                LatestPublishedVersionId=version["Id"],
                FileExtension=version["FileExtension"],
                ContentSize=version["ContentSize"],
            )
            return
        document = self._system_insert(
            org,
            "ContentDocument",
            {
                "Title": version["Title"],
                "LatestPublishedVersionId": version["Id"],
                "FileExtension": version["FileExtension"],
                "ContentSize": version["ContentSize"],
            },
            user_id,
        )
        version["ContentDocumentId"] = document["Id"]
        owner = {"ContentDocumentId": document["Id"], "LinkedEntityId": user_id, "ShareType": "I"}
        self._system_insert(org, "ContentDocumentLink", owner, user_id)
        location = version.get("FirstPublishLocationId")
        if location and location != user_id:
            link = {"ContentDocumentId": document["Id"], "LinkedEntityId": location, "ShareType": "V"}
            self._system_insert(org, "ContentDocumentLink", link, user_id)

    def update(
        self, org: Org, otype: SObjectType, record_id: str, data: Any, user_id: str, collection: bool = False
    ) -> str:
        current = self.get_typed(org, otype, record_id)
        values = self._coerce(org, otype, data, creating=False, collection=collection)
        check_email_update(otype, current, values)
        record = dict(current)  # copy-on-write keeps all-or-none snapshots cheap
        record.update(values)
        person = self._person_account(org, otype, record, creating=False)
        self._derive(org, otype, record, set(values), creating=False)
        self._check_required(otype, record)
        self._check_unique(org, otype, record, record["Id"])
        stamp = format_datetime(self.clock.stamp())
        record.update(LastModifiedDate=stamp, LastModifiedById=user_id, SystemModstamp=stamp)
        self.table(org, otype.name)[record["Id"]] = record
        self._note(org, otype.name, "UPDATE", record["Id"], dict(current), dict(record))
        if person:
            self._person_contact(org, record, user_id)
        return record["Id"]

    def delete(self, org: Org, record_id: str) -> str:
        sobject = self.type_of_id(record_id)
        if sobject is None:
            raise SalesforceError("MALFORMED_ID", f"malformed id {record_id}", status=400)
        rid = to18(record_id)
        record = self.table(org, sobject).get(rid)
        if record is None:
            if rid in self.graveyard(org, sobject):
                raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404)
            raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", status=404)
        del self.table(org, sobject)[rid]
        self.graveyard(org, sobject)[rid] = {
            **record,
            "IsDeleted": True,
            "SystemModstamp": format_datetime(self.clock.stamp()),
        }
        self._note(org, sobject, "DELETE", rid, dict(record), None)
        person_contact = record.get("PersonContactId") if sobject == "Account" else None
        if person_contact and person_contact in self.table(org, "Contact"):
            self.delete(org, person_contact)  # a Person Account's Contact goes with it
        for child_type, parent_field in _CHILDREN.get(sobject, ()):  # children go with their parent
            for child_id, child in list(self.table(org, child_type).items()):
                if child.get(parent_field) == rid:
                    self.delete(org, child_id)
        return rid

    def undelete(self, org: Org, record_id: str, user_id: str) -> str:
        """Bring a deleted record back from the Recycle Bin (Apex ``undelete``, or the UI's Restore)."""
        sobject = self.type_of_id(record_id)
        rid = to18(record_id) if sobject else ""
        record = self.graveyard(org, sobject).pop(rid, None) if sobject else None
        if sobject is None or record is None:
            raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", status=404)
        stamp = format_datetime(self.clock.stamp())
        record.update(IsDeleted=False, LastModifiedDate=stamp, LastModifiedById=user_id, SystemModstamp=stamp)
        self.table(org, sobject)[rid] = record
        self._note(org, sobject, "UNDELETE", rid, None, dict(record))
        return rid

    def find_by(self, org: Org, otype: SObjectType, field_name: str, value: Any) -> list[Record]:
        needle = str(value).lower()
        return [
            r
            for r in self.table(org, otype.name).values()
            if r.get(field_name) is not None and str(r[field_name]).lower() == needle
        ]

    def snapshot(self, org: Org) -> Snapshot:
        journal = len(self.journal) if self.journal is not None else 0
        return (
            {k: dict(v) for k, v in org.live.items()},
            {k: dict(v) for k, v in org.deleted.items()},
            journal,
        )

    def restore(self, org: Org, snap: Snapshot) -> None:
        org.live, org.deleted, journal = snap
        if self.journal is not None:
            del self.journal[journal:]  # rolled back: those writes never happened

    # -- validation -------------------------------------------------------------------------------
    def _coerce(self, org: Org, otype: SObjectType, data: Any, creating: bool, collection: bool) -> Record:
        if not isinstance(data, dict):
            raise SalesforceError("JSON_PARSER_ERROR", "The request body must be a JSON object")
        values: Record = {}
        for key, raw in data.items():
            if key == "attributes":
                continue
            fdef = otype.field(key)
            if fdef is None:
                raise SalesforceError(
                    "INVALID_FIELD", f"No such column '{key}' on sobject of type {otype.name}"
                )
            if fdef.name == "Id":
                if creating:
                    raise SalesforceError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
                continue
            allowed = fdef.createable if creating else fdef.updateable
            if not allowed:
                raise SalesforceError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {fdef.name}. Please check the security settings of "
                    "this field and verify that it is read/write for your profile or permission set.",
                    [fdef.name],
                )
            values[fdef.name] = self._coerce_value(org, fdef, raw, collection)
        return values

    def _coerce_value(self, org: Org, fdef: FieldDef, raw: Any, collection: bool) -> Any:
        def bad_type(kind: str) -> SalesforceError:
            if collection:
                return SalesforceError(
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    f"{fdef.name}: value not of required type: {raw}",
                    [fdef.name],
                )
            token = "VALUE_STRING" if isinstance(raw, str) else "VALUE_" + type(raw).__name__.upper()
            return SalesforceError(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {kind} from {token} value {json.dumps(raw)} "
                "or request may be missing a required field",
            )

        if raw is None or raw == "":
            return False if fdef.type == "boolean" else None
        kind = fdef.type
        if kind in TEXT_TYPES:
            if isinstance(raw, dict | list):
                raise bad_type("string")
            text = str(raw).lower() if isinstance(raw, bool) else str(raw)
            if fdef.length and len(text) > fdef.length:
                raise SalesforceError(
                    "STRING_TOO_LONG",
                    f"{fdef.label or fdef.name}: data value too large: {text[:80]} "
                    f"(max length={fdef.length})",
                    [fdef.name],
                )
            if kind == "email" and not _EMAIL_RE.match(text):
                raise SalesforceError(
                    "INVALID_EMAIL_ADDRESS", f"{fdef.name}: invalid email address: {text}", [fdef.name]
                )
            if kind in {"picklist", "multipicklist"} and fdef.restricted:
                chosen = text.split(";") if kind == "multipicklist" else [text]
                if any(c not in fdef.picklist for c in chosen):
                    raise SalesforceError(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{fdef.name}: bad value for restricted picklist field: {text}",
                        [fdef.name],
                    )
            return text
        if kind == "boolean":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in {"true", "false"}:
                return raw.lower() == "true"
            raise bad_type("boolean")
        if kind == "datetime":
            parsed = parse_datetime(raw) if isinstance(raw, str) else None
            if parsed is None:
                raise bad_type("datetime")
            return format_datetime(parsed)
        if kind == "date":
            if not isinstance(raw, str):
                raise bad_type("date")
            day = parse_date(raw[:10]) if len(raw) == 10 or "T" in raw else None
            if day is None:
                raise bad_type("date")
            return day.isoformat()
        if kind in {"int", "double", "currency"}:
            if isinstance(raw, bool):
                raise bad_type(kind)
            if isinstance(raw, str):
                try:
                    raw = float(raw)
                except ValueError:
                    raise bad_type(kind) from None
            if not isinstance(raw, int | float):
                raise bad_type(kind)
            if kind == "int":
                if float(raw) != int(raw):
                    raise bad_type("int")
                return int(raw)
            return float(raw)
        if kind in ID_TYPES:
            return self._check_reference(org, fdef, raw)
        if kind == "base64":
            return decode_base64(fdef.name, raw)
        return raw

    def _check_reference(self, org: Org, fdef: FieldDef, raw: Any) -> str:
        prefixes = {self.standard[t].key_prefix for t in fdef.reference_to if t in self.standard}
        if not is_id(raw) or raw[:3] not in prefixes:
            label = (fdef.relationship_name or fdef.name) + " ID"
            raise SalesforceError("MALFORMED_ID", f"{label}: id value of incorrect type: {raw}", [fdef.name])
        rid = to18(raw)
        sobject = self.by_prefix[rid[:3]]
        if rid not in self.table(org, sobject):
            if rid in self.graveyard(org, sobject):
                raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", [fdef.name])
            raise SalesforceError(
                "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {raw}", [fdef.name]
            )
        return rid

    def _derive(
        self, org: Org, otype: SObjectType, record: Record, changed: set[str], creating: bool
    ) -> None:
        def next_number(sobject: str) -> int:
            org.auto_numbers[sobject] = org.auto_numbers.get(sobject, 1000) + 1
            return org.auto_numbers[sobject]

        derive(otype, record, creating, self.clock.now(), lambda rid: self.get(org, rid), next_number)
        if otype.name in _NAMED:
            record["Name"] = (
                " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p) or None
            )
        if otype.name == "Event":
            _derive_event_times(record, changed)

    def _check_required(self, otype: SObjectType, record: Record) -> None:
        missing = [
            f.name
            for f in otype.fields.values()
            if f.required and f.createable and record.get(f.name) is None and f.name != "OwnerId"
        ]
        if missing:
            raise SalesforceError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )

    def _check_unique(self, org: Org, otype: SObjectType, record: Record, own_id: str | None) -> None:
        for fdef in otype.fields.values():
            if not fdef.unique or record.get(fdef.name) is None:
                continue
            for other in self.find_by(org, otype, fdef.name, record[fdef.name]):
                if other["Id"] != own_id:
                    raise SalesforceError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {fdef.name} duplicates value on record with id: "
                        f"{other['Id']}",
                        [fdef.name],
                    )


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _derive_event_times(record: Record, changed: set[str]) -> None:
    """Keep StartDateTime/ActivityDateTime/ActivityDate and EndDateTime/DurationInMinutes consistent."""
    all_day = bool(record.get("IsAllDayEvent"))
    start: datetime | None
    if "StartDateTime" in changed and record.get("StartDateTime"):
        start = _dt(record["StartDateTime"])
    elif "ActivityDateTime" in changed and record.get("ActivityDateTime"):
        start = _dt(record["ActivityDateTime"])
    elif all_day and "ActivityDate" in changed and record.get("ActivityDate"):
        start = start_of_day(date.fromisoformat(record["ActivityDate"]))
    else:
        start = _dt(record.get("StartDateTime")) or _dt(record.get("ActivityDateTime"))
        if start is None and all_day and record.get("ActivityDate"):
            start = start_of_day(date.fromisoformat(record["ActivityDate"]))
    if start is None:
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [ActivityDateTime]", ["ActivityDateTime"]
        )
    if all_day:
        start = start_of_day(start.date())
    old_end = _dt(record.get("EndDateTime"))
    duration = record.get("DurationInMinutes")
    if "EndDateTime" in changed and old_end is not None:
        end = old_end
    elif duration is not None:  # duration set now, or the start moved: keep the length
        end = start + timedelta(minutes=duration)
    elif old_end is not None:
        end = old_end
    elif all_day:
        end = start + timedelta(days=1)
    else:
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [DurationInMinutes]",
            ["DurationInMinutes"],
        )
    if end < start:
        raise SalesforceError(
            "FIELD_INTEGRITY_EXCEPTION", "End Date Time: End time can't be before start time", ["EndDateTime"]
        )
    record["StartDateTime"] = record["ActivityDateTime"] = format_datetime(start)
    record["EndDateTime"] = format_datetime(end)
    record["DurationInMinutes"] = int((end - start).total_seconds() // 60)
    record["ActivityDate"] = start.date().isoformat()
