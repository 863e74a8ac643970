"""Saving emails to Salesforce in batches: Enhanced Email (EmailMessage, its EmailMessageRelation rows and
its files) or a completed Task (TaskSubtype Email). Every write is safe to repeat.

- The record is created once: its sync key (an org-wide key from the InternetMessageId) is looked up
  first (one query per 200 keys), and only missing ones are written, as an upsert on the key, so a crash
  between our Salesforce write and our own commit, or another mailbox of the org saving the same
  email, never makes a twin. Existing records are not rewritten: Salesforce refuses edits to a sent
  EmailMessage, and "saved once" is the rule.
- Relations and files are added only where missing: for emails that already existed, the present
  relations (and file titles) are read first, one query per batch, so a replay adds nothing twice and a
  second mailbox adds its own relations to the one record.
- Writes go in sObject Collections of 200 (files also capped by request size): one call per 200
  records per object, never one per email.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import WriteResult
from connectors.salesforce import queries
from connectors.salesforce.connector import COLLECTION_LIMIT, SalesforceConnector
from connectors.salesforce.once import create_once
from syncengine.core.linking import PersonLink

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # Salesforce's file limit for synced attachments (reference)
UPLOAD_BUDGET = 30 * 1024 * 1024  # base64 characters per non-multipart request (Salesforce: 37.5 MB)
RELATION_TYPES = ("FromAddress", "ToAddress", "CcAddress", "BccAddress")


@dataclass(frozen=True)
class Relation:
    """A sender or recipient: a Contact, Lead or User id, or just an address."""

    relation_type: str  # FromAddress / ToAddress / CcAddress / BccAddress
    relation_id: str = ""
    address: str = ""

    def key(self) -> tuple[str, str]:
        return self.relation_type, self.relation_id[:15] if self.relation_id else self.address.lower()


def relations_from(people: Iterable[PersonLink]) -> list[Relation]:
    """The linker's participants as EmailMessageRelation rows (blocked ones are already left out)."""
    return [Relation(p.relation_type, p.record_id, p.address) for p in people]


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True)
class EmailToSave:
    sync_key: str
    fields: Mapping[str, Any]  # EmailMessage fields, the sync key excluded
    relations: Sequence[Relation] = ()
    attachments: Sequence[Attachment] = ()


@dataclass(frozen=True)
class EmailTaskToSave:
    sync_key: str
    fields: Mapping[str, Any]  # Subject, Description, ActivityDate, WhoId, WhatId...


@dataclass(frozen=True)
class SavedEmail:
    sync_key: str
    ok: bool
    id: str = ""
    created: bool = False  # False: the record was already there (a replay, or another mailbox's save)
    code: str = ""
    message: str = ""
    permanent: bool = True
    problems: tuple[str, ...] = ()  # relations or files that could not be added (the email is saved)


@dataclass
class _Outcome:
    id: str = ""
    created: bool = False
    failure: WriteResult | None = None
    problems: list[str] = field(default_factory=list)


def save_email_messages(
    crm: SalesforceConnector,
    emails: Sequence[EmailToSave],
    *,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> list[SavedEmail]:
    """Save emails as Enhanced Email; one result per distinct sync key, in input order."""
    merged = _merge(emails)
    records = {key: dict(e.fields) for key, e in merged.items()}
    outcomes = _create_once(crm, "EmailMessage", records)
    saved = {key: o for key, o in outcomes.items() if o.failure is None}
    existing = [o.id for o in saved.values() if not o.created]
    _add_relations(crm, merged, saved, existing)
    _add_files(crm, merged, saved, existing, max_attachment_bytes)
    return [_result(key, outcomes[key]) for key in merged]


def save_email_tasks(crm: SalesforceConnector, tasks: Sequence[EmailTaskToSave]) -> list[SavedEmail]:
    """Save emails as completed Tasks (TaskSubtype Email), each once."""
    records: dict[str, dict[str, Any]] = {}
    for task in tasks:
        records.setdefault(
            task.sync_key,
            {"Status": "Completed", "TaskSubtype": "Email", "Priority": "Normal", **task.fields},
        )
    outcomes = _create_once(crm, "Task", records)
    return [_result(key, outcomes[key]) for key in records]


# -- the record, once ---------------------------------------------------------------------------------------
def _create_once(
    crm: SalesforceConnector, sobject: str, records: Mapping[str, Mapping[str, Any]]
) -> dict[str, _Outcome]:
    written = create_once(crm, sobject, records)
    return {key: _Outcome(id=w.id, created=w.created, failure=w.failure) for key, w in written.items()}


def _merge(emails: Iterable[EmailToSave]) -> dict[str, EmailToSave]:
    """One entry per sync key: the first fields win, relations and attachments are pooled."""
    merged: dict[str, EmailToSave] = {}
    for email in emails:
        first = merged.get(email.sync_key)
        if first is None:
            merged[email.sync_key] = email
            continue
        merged[email.sync_key] = EmailToSave(
            email.sync_key,
            first.fields,
            [*first.relations, *email.relations],
            [*first.attachments, *email.attachments],
        )
    return merged


def _result(key: str, outcome: _Outcome) -> SavedEmail:
    if outcome.failure is not None:
        failure = outcome.failure
        return SavedEmail(key, False, code=failure.code, message=failure.message, permanent=failure.permanent)
    return SavedEmail(key, True, outcome.id, outcome.created, problems=tuple(outcome.problems))


# -- relations ----------------------------------------------------------------------------------------------
def _add_relations(
    crm: SalesforceConnector,
    emails: Mapping[str, EmailToSave],
    saved: Mapping[str, _Outcome],
    existing_ids: Sequence[str],
) -> None:
    present: set[tuple[str, str, str]] = set()
    for soql in queries.email_relations(existing_ids):
        for known in crm.query(soql):
            relation = Relation(
                known["RelationType"], known.get("RelationId") or "", known.get("RelationAddress") or ""
            )
            present.add((known["EmailMessageId"][:15], *relation.key()))
            if relation.relation_id and relation.address:  # also known by its address
                present.add((known["EmailMessageId"][:15], relation.relation_type, relation.address.lower()))
    rows: list[dict[str, Any]] = []
    owners: list[str] = []
    for key, outcome in saved.items():
        for relation in emails[key].relations:
            marker = (outcome.id[:15], *relation.key())
            if marker in present or relation.relation_type not in RELATION_TYPES:
                continue
            present.add(marker)
            row: dict[str, Any] = {"EmailMessageId": outcome.id, "RelationType": relation.relation_type}
            if relation.relation_id:
                row["RelationId"] = relation.relation_id
            if relation.address:
                row["RelationAddress"] = relation.address
            rows.append(row)
            owners.append(key)
    results = crm.create(crm_object="EmailMessageRelation", records=rows) if rows else []
    for key, row, result in zip(owners, rows, results, strict=True):
        if not result.ok:
            who = row.get("RelationId") or row.get("RelationAddress")
            saved[key].problems.append(f"Could not relate {who} to the email: {result.message}")


# -- files ------------------------------------------------------------------------------------------------
def _add_files(
    crm: SalesforceConnector,
    emails: Mapping[str, EmailToSave],
    saved: Mapping[str, _Outcome],
    existing_ids: Sequence[str],
    max_bytes: int,
) -> None:
    present: set[tuple[str, str]] = set()
    with_files = {o.id for k, o in saved.items() if emails[k].attachments}
    wanted = [i for i in existing_ids if i in with_files]
    for soql in queries.linked_file_titles(wanted):
        for row in crm.query(soql):
            title = (row.get("ContentDocument") or {}).get("Title") or ""
            present.add((row["LinkedEntityId"][:15], title))
    uploads: list[tuple[str, dict[str, Any]]] = []
    for key, outcome in saved.items():
        for attachment in emails[key].attachments:
            if (outcome.id[:15], attachment.name) in present:
                continue
            present.add((outcome.id[:15], attachment.name))
            if len(attachment.content) > max_bytes:
                outcome.problems.append(
                    f"File {attachment.name} not saved: {len(attachment.content)} bytes is over the "
                    f"{max_bytes}-byte limit"
                )
                continue
            record = {
                "Title": attachment.name,
                "PathOnClient": attachment.name,
                "VersionData": base64.b64encode(attachment.content).decode("ascii"),
                "FirstPublishLocationId": outcome.id,
            }
            uploads.append((key, record))
    for batch in _upload_batches(uploads):
        results = crm.create(crm_object="ContentVersion", records=[r for _, r in batch])
        for (key, record), result in zip(batch, results, strict=True):
            if not result.ok:
                saved[key].problems.append(f"File {record['Title']} not saved: {result.message}")


def _upload_batches(uploads: list[tuple[str, dict[str, Any]]]) -> list[list[tuple[str, dict[str, Any]]]]:
    """Up to 200 files per call, and no more base64 than one non-multipart request may carry."""
    batches: list[list[tuple[str, dict[str, Any]]]] = []
    size = 0
    for upload in uploads:
        length = len(upload[1]["VersionData"])
        if not batches or len(batches[-1]) >= COLLECTION_LIMIT or size + length > UPLOAD_BUDGET:
            batches.append([])
            size = 0
        batches[-1].append(upload)
        size += length
    return batches
