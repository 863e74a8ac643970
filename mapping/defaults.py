"""The default mapping tables, as data (rows with named converters), after the reference patterns.

An org admin can replace a stream's table with their own (``mapping.models.FieldMapping``), checked
against their org's describe; these rows are what a new org starts from.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapping.convert_events import all_day_from_salesforce, all_day_to_salesforce
from mapping.registry import make_rule
from mapping.validation import Row
from syncengine.core.rules import FieldRule, StreamRules


@dataclass(frozen=True)
class DefaultTable:
    crm_object: str
    # (row, Salesforce's length limit of the field, its describe type in a standard org)
    rows: tuple[tuple[Row, int | None, str], ...]


def _rows(*rows: tuple[str, str, str, str, int | None, str]) -> tuple[tuple[Row, int | None, str], ...]:
    return tuple(
        (Row(key, crm_field, direction, converter), length, crm_type)
        for key, crm_field, direction, converter, length, crm_type in rows
    )


DEFAULT_TABLES: dict[str, DefaultTable] = {
    "events": DefaultTable(
        "Event",
        _rows(
            ("subject", "Subject", "both", "text", 255, "combobox"),
            ("body", "Description", "both", "text", 32000, "textarea"),
            ("start", "StartDateTime", "both", "datetime", None, "datetime"),
            ("end", "EndDateTime", "both", "datetime", None, "datetime"),
            ("is_all_day", "IsAllDayEvent", "both", "boolean", None, "boolean"),
            ("location", "Location", "both", "text", 255, "string"),
            ("show_as", "ShowAs", "both", "show_as", None, "picklist"),
            ("sensitivity", "IsPrivate", "to_crm", "sensitivity_private", None, "boolean"),
        ),
    ),
    "tasks": DefaultTable(
        "Task",
        _rows(
            ("subject", "Subject", "both", "text", 255, "combobox"),
            ("body", "Description", "both", "text", 32000, "textarea"),
            ("status", "Status", "both", "task_status", None, "picklist"),
            ("importance", "Priority", "both", "task_priority", None, "picklist"),
            ("due_date", "ActivityDate", "both", "date", None, "date"),
            ("reminder_on", "IsReminderSet", "both", "boolean", None, "boolean"),
            ("reminder_at", "ReminderDateTime", "both", "datetime", None, "datetime"),
        ),
    ),
    "contacts": DefaultTable(
        "Contact",
        _rows(
            ("salutation", "Salutation", "both", "text", 40, "picklist"),
            ("first_name", "FirstName", "both", "text", 40, "string"),
            ("middle_name", "MiddleName", "both", "text", 40, "string"),
            ("last_name", "LastName", "both", "last_name", 80, "string"),
            ("suffix", "Suffix", "both", "text", 40, "string"),
            ("email", "Email", "both", "email", 80, "email"),
            ("phone", "Phone", "both", "phone", 40, "phone"),
            ("mobile_phone", "MobilePhone", "both", "phone", 40, "phone"),
            ("home_phone", "HomePhone", "both", "phone", 40, "phone"),
            ("other_phone", "OtherPhone", "both", "phone", 40, "phone"),
            ("job_title", "Title", "both", "text", 128, "string"),
            ("department", "Department", "both", "text", 80, "string"),
            ("assistant_name", "AssistantName", "both", "text", 40, "string"),
            ("birthday", "Birthdate", "both", "date", None, "date"),
            ("notes", "Description", "both", "text", 32000, "textarea"),
            ("mailing_street", "MailingStreet", "both", "text", 255, "textarea"),
            ("mailing_city", "MailingCity", "both", "text", 40, "string"),
            ("mailing_state", "MailingState", "both", "text", 40, "string"),
            ("mailing_postal_code", "MailingPostalCode", "both", "text", 20, "string"),
            ("mailing_country", "MailingCountry", "both", "text", 80, "string"),
            ("other_street", "OtherStreet", "both", "text", 255, "textarea"),
            ("other_city", "OtherCity", "both", "text", 40, "string"),
            ("other_state", "OtherState", "both", "text", 40, "string"),
            ("other_postal_code", "OtherPostalCode", "both", "text", 20, "string"),
            ("other_country", "OtherCountry", "both", "text", 80, "string"),
        ),
    ),
}


def default_rows(stream: str) -> list[Row]:
    return [row for row, _, _ in DEFAULT_TABLES[stream].rows]


def default_fields(stream: str) -> tuple[FieldRule, ...]:
    return tuple(
        make_rule(row.mail_field, row.crm_field, row.converter, row.direction, length, crm_type)
        for row, length, crm_type in DEFAULT_TABLES[stream].rows
    )


EVENT_FIELDS = default_fields("events")


def event_rules(
    *,
    conflict_policy: str = "newest",
    create_in_mail: bool = False,
    delete_in_mail: bool = False,
    max_delete_share: float = 0.5,
    max_delete_min_count: int = 10,
) -> StreamRules:
    """Calendar items <-> Event. A mail deletion deletes the Event; a Salesforce deletion only
    unlinks unless the org says otherwise (the reference's ServiceEventDeletionStrategy)."""
    return StreamRules(
        stream="events",
        crm_object="Event",
        fields=EVENT_FIELDS,
        write_together=frozenset({"start", "end", "is_all_day"}),
        to_crm_record=all_day_to_salesforce,
        from_crm_record=all_day_from_salesforce,
        extra_crm_fields=("ActivityDate", "DurationInMinutes"),
        create_in_crm=True,
        create_in_mail=create_in_mail,
        delete_in_crm=True,
        delete_in_mail=delete_in_mail,
        conflict_policy=conflict_policy,
        max_delete_share=max_delete_share,
        max_delete_min_count=max_delete_min_count,
    )


def task_rules(
    *, conflict_policy: str = "newest", max_delete_share: float = 0.5, max_delete_min_count: int = 10
) -> StreamRules:
    """The 'Salesforce Tasks' list <-> the user's Salesforce Tasks, both ways, deletions too."""
    return StreamRules(
        stream="tasks",
        crm_object="Task",
        fields=default_fields("tasks"),
        create_in_crm=True,
        create_in_mail=True,
        delete_in_crm=True,
        delete_in_mail=True,
        conflict_policy=conflict_policy,
        max_delete_share=max_delete_share,
        max_delete_min_count=max_delete_min_count,
    )


def contact_rules(
    *,
    auto_removal: bool = False,
    conflict_policy: str = "newest",
    max_delete_share: float = 0.5,
    max_delete_min_count: int = 10,
) -> StreamRules:
    """The 'Salesforce Contacts' folder <-> the user's Salesforce Contacts. A contact deleted in the
    mailbox is deleted in Salesforce only with auto-removal on; otherwise it is put back."""
    return StreamRules(
        stream="contacts",
        crm_object="Contact",
        fields=default_fields("contacts"),
        create_in_crm=True,
        create_in_mail=True,
        delete_in_crm=auto_removal,
        delete_in_mail=True,
        restore_in_mail=not auto_removal,
        conflict_policy=conflict_policy,
        max_delete_share=max_delete_share,
        max_delete_min_count=max_delete_min_count,
    )
