"""Autoresolving's state: an organization's settings as the plan's rules, the records the engine made
kept with why, and undoing one (the activities it was linked to stay)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from autoresolve.models import AutoresolveSettings, CreatedRecord
from autoresolve.plan import NewPerson, Rules
from autoresolve.salesforce import PersonWritten
from connectors.salesforce import queries
from connectors.salesforce.connector import SalesforceConnector
from syncengine.models import Mailbox, Organization


def autoresolve_settings_for(organization: Organization) -> AutoresolveSettings:
    found, _ = AutoresolveSettings.objects.get_or_create(organization=organization)
    return found


def rules_of(chosen: AutoresolveSettings, *, person_accounts_available: bool) -> Rules:
    """The plan's rules from an organization's settings."""
    return Rules(
        mode=chosen.mode,  # type: ignore[arg-type]  # the choices are the plan's modes
        auto_create_accounts=chosen.auto_create_accounts,
        auto_lookup_accounts=chosen.auto_lookup_accounts,
        fixed_account_id=chosen.fixed_account_id,
        smart_create=chosen.smart_create,
        person_accounts_available=person_accounts_available,
        lead_source=chosen.lead_source,
    )


def _row(person: NewPerson, mailbox: Mailbox | None) -> dict[str, Any]:
    return {
        "address": person.address,
        "sobject": person.kind,
        "reason": person.reason[:255],
        "source": person.source[:255],
        "signature_fields": list(person.signature_fields),
        "mailbox": mailbox,
    }


def _made_anew(person: NewPerson, mailbox: Mailbox | None) -> dict[str, Any]:
    """A row that was undone, for a person met again: listed as a new record from now."""
    return {
        **_row(person, mailbox),
        "undone_at": None,
        "undone_by": None,
        "converted_from": "",
        "created_at": timezone.now(),
    }


def created_records_intend(
    *, organization: Organization, mailbox: Mailbox | None, people: Iterable[NewPerson]
) -> None:
    """Noted before the Salesforce write, without an id: a worker that dies after the write leaves a
    row that ``created_records_resolve`` completes by the person's key (the record is found, not made
    again: the lookup finds it next session). A person already kept keeps their row."""
    for person in people:  # get_or_create takes a savepoint of its own: one clash spoils no other row
        row, made = CreatedRecord.objects.get_or_create(
            organization=organization, sync_key=person.sync_key, defaults=_row(person, mailbox)
        )
        if not made and row.undone_at is not None:  # undone, met anew: noted as being made again
            CreatedRecord.objects.filter(pk=row.pk).update(**_made_anew(person, mailbox), record_id="")


def created_records_resolve(*, organization: Organization, crm: SalesforceConnector) -> int:
    """Rows noted before a write whose session died: their records found by the person's key (one
    query per object). One not found after a lease's time was never made, and goes. Returns how many
    were completed."""
    waiting = list(CreatedRecord.objects.filter(organization=organization, record_id="", undone_at=None))
    if not waiting:
        return 0
    completed = 0
    objects = {"PersonAccount": "Account"}
    stale = timezone.now() - timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    for sobject in sorted({r.sobject for r in waiting}):
        rows = [r for r in waiting if r.sobject == sobject]
        found = crm.ids_by_sync_key(crm_object=objects.get(sobject, sobject), keys=[r.sync_key for r in rows])
        for row in rows:
            if row.sync_key in found:
                row.record_id = found[row.sync_key]
                row.account_id = row.record_id if sobject == "PersonAccount" else row.account_id
                row.save(update_fields=["record_id", "account_id"])
                completed += 1
            elif row.created_at < stale:
                row.delete()
    return completed


def created_records_keep(
    *, organization: Organization, mailbox: Mailbox | None, written: Iterable[PersonWritten]
) -> list[CreatedRecord]:
    """Keep each record the engine made (or found it had made before), once per person; the row of
    one Salesforce refused goes (it was noted before the write)."""
    kept = []
    for outcome in written:
        person = outcome.person
        if not outcome.id:
            CreatedRecord.objects.filter(
                organization=organization, sync_key=person.sync_key, record_id=""
            ).delete()
            continue
        made = {
            "record_id": outcome.id,
            "account_id": outcome.account_id,
            "account_created": outcome.account_created,
        }
        undone = CreatedRecord.objects.filter(
            organization=organization, sync_key=person.sync_key, undone_at__isnull=False
        ).exclude(record_id=outcome.id)
        if undone.exists():  # undone, then met anew: a new record, listed as one
            made |= _made_anew(person, mailbox)
        record, _ = CreatedRecord.objects.update_or_create(
            organization=organization,
            sync_key=person.sync_key,
            defaults=made,
            create_defaults={
                **_row(person, mailbox),
                "record_id": outcome.id,
                "account_id": outcome.account_id,
                "account_created": outcome.account_created,
            },
        )
        kept.append(record)
    return kept


class UndoRefusedError(Exception):
    pass


def created_records_follow(records: Iterable[CreatedRecord], *, crm: SalesforceConnector) -> int:
    """Of these records, the Leads someone converted in Salesforce since the engine made them: the
    record is their Contact now (and its Account), so the list, the trace and undo speak of that.
    One query for a page of records; returns how many were followed. Sessions need none of this: a
    converted Lead's Contact has its address, so the lookup finds it."""
    leads = {
        r.record_id[:15]: r
        for r in records
        if r.sobject == "Lead" and r.record_id and r.undone_at is None and not r.converted_from
    }
    if not leads:
        return 0
    select = ("Id", "IsConverted", "ConvertedContactId", "ConvertedAccountId")
    followed = 0
    for soql in queries.records_by_id("Lead", select, sorted(r.record_id for r in leads.values())):
        for row in crm.query(soql):
            record = leads.get(str(row["Id"])[:15])
            if record is None or not row.get("IsConverted") or not row.get("ConvertedContactId"):
                continue
            record.converted_from, record.sobject = record.record_id, "Contact"
            record.record_id = str(row["ConvertedContactId"])
            record.account_id = str(row.get("ConvertedAccountId") or "")
            record.save(update_fields=["converted_from", "sobject", "record_id", "account_id"])
            followed += 1
    return followed


def _linked(crm: SalesforceConnector, sobject: str, field: str, linked_id: str) -> list[str]:
    return [
        row["Id"]
        for soql in (queries.records_linked_to(sobject, field, linked_id) if linked_id else [])
        for row in crm.query(soql)
    ]


def _let_go(crm: SalesforceConnector, sobject: str, field: str, linked_id: str) -> None:
    """The records whose ``field`` names ``linked_id`` no longer do (deleting it would take them)."""
    ids = _linked(crm, sobject, field, linked_id)
    answers = crm.update(crm_object=sobject, records=[{"Id": i, field: None} for i in ids]) if ids else []
    refused = [a for a in answers if not a.ok]
    if refused:  # deleting now would take those records with it
        raise UndoRefusedError(
            f"Salesforce kept {sobject} links to it: {refused[0].code} {refused[0].message}"
        )


def created_record_undo(*, record: CreatedRecord, actor: Any, crm: SalesforceConnector) -> None:
    """Delete the record the engine made and keep the activities: Salesforce deletes a Lead's or
    Contact's Tasks and Events with it (and an Account's, and a Person Account's emails' link), so
    they are let go of it first."""
    if record.undone_at is not None:
        raise UndoRefusedError("This record was already undone.")
    if not record.record_id:
        raise UndoRefusedError("It is still being made; open this page again in a minute.")
    if record.sobject not in ("Lead", "Contact", "PersonAccount"):
        raise UndoRefusedError(f"Undoing a {record.sobject} is not supported.")
    created_records_follow([record], crm=crm)  # converted since the list was drawn?
    if record.converted_from:
        # A person converted it: the Contact is theirs now, and deleting it is theirs to decide.
        raise UndoRefusedError(
            "Someone converted this Lead in Salesforce; its Contact is kept. Delete it there if it should go."
        )
    person_id = record.record_id
    if record.sobject == "PersonAccount":  # activities name the Contact Salesforce keeps for it
        rows = [
            r
            for q in queries.records_by_id("Account", ("Id", "PersonContactId"), [person_id])
            for r in crm.query(q)
        ]
        person_id = str(rows[0].get("PersonContactId") or "") if rows else ""
    links = [("Task", "WhoId", person_id), ("Event", "WhoId", person_id)]
    if record.sobject == "PersonAccount":
        # A saved email cannot be let go of its Account (Salesforce refuses to change a sent email),
        # and deleting the Account would take it: refused before anything is touched.
        if _linked(crm, "EmailMessage", "RelatedToId", record.record_id):
            raise UndoRefusedError(
                "Emails are saved to this Person Account, and deleting it would delete them too. "
                "Delete it in Salesforce if that is what you mean."
            )
        links += [("Task", "WhatId", record.record_id), ("Event", "WhatId", record.record_id)]
    for sobject, field, linked_id in links:
        _let_go(crm, sobject, field, linked_id)
    (result,) = crm.delete(ids=[record.record_id])
    if not result.ok and result.code != "ENTITY_IS_DELETED":
        raise UndoRefusedError(f"Salesforce did not delete it: {result.code} {result.message}".strip())
    with transaction.atomic():
        record.undone_at, record.undone_by = timezone.now(), actor
        record.save(update_fields=["undone_at", "undone_by"])
        audit_record(
            actor=actor,
            organization_id=record.organization_id,
            action=AuditAction.DELETE,
            obj=record,
            changes={"record": [f"{record.sobject} {record.record_id}", ""]},
            source="pages",
        )
