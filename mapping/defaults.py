"""The default mapping tables, as data. Later: editable per org, validated against describe."""

from __future__ import annotations

from mapping import converters as c
from syncengine.core.rules import Direction, FieldRule, StreamRules

EVENT_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("subject", "Subject", Direction.BOTH, c.text_to_salesforce, c.text_from_salesforce, 255),
    FieldRule("body", "Description", Direction.BOTH, c.text_to_salesforce, c.text_from_salesforce, 32000),
    FieldRule("start", "StartDateTime", Direction.BOTH, c.instant_to_salesforce, c.instant_from_salesforce),
    FieldRule("end", "EndDateTime", Direction.BOTH, c.instant_to_salesforce, c.instant_from_salesforce),
    FieldRule("is_all_day", "IsAllDayEvent", Direction.BOTH, c.boolean, c.boolean),
    FieldRule("location", "Location", Direction.BOTH, c.text_to_salesforce, c.text_from_salesforce, 255),
    FieldRule("show_as", "ShowAs", Direction.BOTH, c.show_as_to_salesforce, c.show_as_from_salesforce),
    FieldRule(
        "sensitivity", "IsPrivate", Direction.TO_CRM, c.sensitivity_to_is_private, c.is_private_to_sensitivity
    ),
)


def _text_rule(key: str, crm_field: str, max_length: int, direction: Direction = Direction.BOTH) -> FieldRule:
    return FieldRule(key, crm_field, direction, c.text_to_salesforce, c.text_from_salesforce, max_length)


TASK_FIELDS: tuple[FieldRule, ...] = (
    _text_rule("subject", "Subject", 255),
    _text_rule("body", "Description", 32000),
    FieldRule("status", "Status", Direction.BOTH, c.task_status_to_salesforce, c.task_status_from_salesforce),
    FieldRule("importance", "Priority", Direction.BOTH, c.priority_to_salesforce, c.priority_from_salesforce),
    FieldRule("due_date", "ActivityDate", Direction.BOTH, c.date_to_salesforce, c.date_from_salesforce),
    FieldRule("reminder_on", "IsReminderSet", Direction.BOTH, c.boolean, c.boolean),
    FieldRule(
        "reminder_at", "ReminderDateTime", Direction.BOTH, c.instant_to_salesforce, c.instant_from_salesforce
    ),
)

CONTACT_FIELDS: tuple[FieldRule, ...] = (
    _text_rule("salutation", "Salutation", 40),
    _text_rule("first_name", "FirstName", 40),
    _text_rule("middle_name", "MiddleName", 40),
    FieldRule("last_name", "LastName", Direction.BOTH, c.last_name_to_salesforce, c.text_from_salesforce, 80),
    _text_rule("suffix", "Suffix", 40),
    FieldRule("email", "Email", Direction.BOTH, c.email_to_salesforce, c.email_from_salesforce, 80),
    _text_rule("phone", "Phone", 40),
    _text_rule("mobile_phone", "MobilePhone", 40),
    _text_rule("home_phone", "HomePhone", 40),
    _text_rule("other_phone", "OtherPhone", 40),
    _text_rule("job_title", "Title", 128),
    _text_rule("department", "Department", 80),
    _text_rule("assistant_name", "AssistantName", 40),
    FieldRule("birthday", "Birthdate", Direction.BOTH, c.date_to_salesforce, c.date_from_salesforce),
    _text_rule("notes", "Description", 32000),
    _text_rule("mailing_street", "MailingStreet", 255),
    _text_rule("mailing_city", "MailingCity", 40),
    _text_rule("mailing_state", "MailingState", 40),
    _text_rule("mailing_postal_code", "MailingPostalCode", 20),
    _text_rule("mailing_country", "MailingCountry", 80),
    _text_rule("other_street", "OtherStreet", 255),
    _text_rule("other_city", "OtherCity", 40),
    _text_rule("other_state", "OtherState", 40),
    _text_rule("other_postal_code", "OtherPostalCode", 20),
    _text_rule("other_country", "OtherCountry", 80),
)


def task_rules(
    *, conflict_policy: str = "newest", max_delete_share: float = 0.5, max_delete_min_count: int = 10
) -> StreamRules:
    """The 'Salesforce Tasks' list <-> the user's Salesforce Tasks, both ways, deletions too."""
    return StreamRules(
        stream="tasks",
        crm_object="Task",
        fields=TASK_FIELDS,
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
        fields=CONTACT_FIELDS,
        create_in_crm=True,
        create_in_mail=True,
        delete_in_crm=auto_removal,
        delete_in_mail=True,
        restore_in_mail=not auto_removal,
        conflict_policy=conflict_policy,
        max_delete_share=max_delete_share,
        max_delete_min_count=max_delete_min_count,
    )


def event_rules(
    *,
    conflict_policy: str = "newest",
    create_in_mail: bool = False,
    delete_in_mail: bool = False,
    max_delete_share: float = 0.5,
    max_delete_min_count: int = 10,
) -> StreamRules:
    return StreamRules(
        stream="events",
        crm_object="Event",
        fields=EVENT_FIELDS,
        create_in_crm=True,
        create_in_mail=create_in_mail,
        delete_in_crm=True,
        delete_in_mail=delete_in_mail,
        conflict_policy=conflict_policy,
        max_delete_share=max_delete_share,
        max_delete_min_count=max_delete_min_count,
    )
