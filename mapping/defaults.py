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
