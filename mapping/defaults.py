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
    rows: tuple[tuple[Row, int | None], ...]  # (row, Salesforce's length limit of the field)


def _rows(*rows: tuple[str, str, str, str, int | None]) -> tuple[tuple[Row, int | None], ...]:
    return tuple(
        (Row(key, crm_field, direction, converter), length)
        for key, crm_field, direction, converter, length in rows
    )


DEFAULT_TABLES: dict[str, DefaultTable] = {
    "events": DefaultTable(
        "Event",
        _rows(
            ("subject", "Subject", "both", "text", 255),
            ("body", "Description", "both", "text", 32000),
            ("start", "StartDateTime", "both", "datetime", None),
            ("end", "EndDateTime", "both", "datetime", None),
            ("is_all_day", "IsAllDayEvent", "both", "boolean", None),
            ("location", "Location", "both", "text", 255),
            ("show_as", "ShowAs", "both", "show_as", None),
            ("sensitivity", "IsPrivate", "to_crm", "sensitivity_private", None),
        ),
    ),
    "tasks": DefaultTable(
        "Task",
        _rows(
            ("subject", "Subject", "both", "text", 255),
            ("body", "Description", "both", "text", 32000),
            ("status", "Status", "both", "task_status", None),
            ("importance", "Priority", "both", "task_priority", None),
            ("due_date", "ActivityDate", "both", "date", None),
            ("reminder_on", "IsReminderSet", "both", "boolean", None),
            ("reminder_at", "ReminderDateTime", "both", "datetime", None),
        ),
    ),
    "contacts": DefaultTable(
        "Contact",
        _rows(
            ("salutation", "Salutation", "both", "text", 40),
            ("first_name", "FirstName", "both", "text", 40),
            ("middle_name", "MiddleName", "both", "text", 40),
            ("last_name", "LastName", "both", "last_name", 80),
            ("suffix", "Suffix", "both", "text", 40),
            ("email", "Email", "both", "email", 80),
            ("phone", "Phone", "both", "phone", 40),
            ("mobile_phone", "MobilePhone", "both", "phone", 40),
            ("home_phone", "HomePhone", "both", "phone", 40),
            ("other_phone", "OtherPhone", "both", "phone", 40),
            ("job_title", "Title", "both", "text", 128),
            ("department", "Department", "both", "text", 80),
            ("assistant_name", "AssistantName", "both", "text", 40),
            ("birthday", "Birthdate", "both", "date", None),
            ("notes", "Description", "both", "text", 32000),
            ("mailing_street", "MailingStreet", "both", "text", 255),
            ("mailing_city", "MailingCity", "both", "text", 40),
            ("mailing_state", "MailingState", "both", "text", 40),
            ("mailing_postal_code", "MailingPostalCode", "both", "text", 20),
            ("mailing_country", "MailingCountry", "both", "text", 80),
            ("other_street", "OtherStreet", "both", "text", 255),
            ("other_city", "OtherCity", "both", "text", 40),
            ("other_state", "OtherState", "both", "text", 40),
            ("other_postal_code", "OtherPostalCode", "both", "text", 20),
            ("other_country", "OtherCountry", "both", "text", 80),
        ),
    ),
}


def default_rows(stream: str) -> list[Row]:
    return [row for row, _ in DEFAULT_TABLES[stream].rows]


def default_fields(stream: str) -> tuple[FieldRule, ...]:
    return tuple(
        make_rule(row.mail_field, row.crm_field, row.converter, row.direction, length)
        for row, length in DEFAULT_TABLES[stream].rows
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
