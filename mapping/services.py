"""Mapping tables: the engine's rules from an org's table, and saving a table after validation."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from mapping import registry
from mapping.defaults import DEFAULT_TABLES, default_rows
from mapping.fixed_values import typed
from mapping.models import FieldMapping, MappingDirection
from mapping.validation import CheckedRow, MappingError, Row, validate_table
from syncengine.core.rules import Direction, StreamRules

if TYPE_CHECKING:
    from syncengine.models import Organization


def rules_for(organization: Organization, base: StreamRules) -> StreamRules:
    """The org's own table for the stream when it has one, else the default table."""
    rows = list(FieldMapping.objects.filter(organization=organization, stream=base.stream))
    if not rows:
        return base
    fields = tuple(
        registry.make_rule(r.mail_field, r.crm_field, r.converter, r.direction, r.max_length, r.crm_type)
        for r in rows
        if r.mail_field and r.direction != Direction.NONE
    )
    fixed = tuple((r.crm_field, typed(r.value, r.crm_type)) for r in rows if not r.mail_field)
    return dataclasses.replace(base, fields=fields, crm_create_values=fixed)


def mail_fields_of(stream: str) -> list[str]:
    return [row.mail_field for row in default_rows(stream)]


def validate_rows(*, stream: str, rows: Iterable[Row], describe: dict[str, object]) -> list[CheckedRow]:
    """The one check every table passes before it is stored (MappingError with every problem)."""
    return validate_table(
        crm_object=DEFAULT_TABLES[stream].crm_object,
        rows=list(rows),
        describe=describe,
        mail_fields=mail_fields_of(stream),
        converters=registry.CONVERTERS,
        sync_key_field=settings.SALESFORCE_SYNC_KEY_FIELD,
    )


@transaction.atomic
def mapping_save(
    *, organization: Organization, stream: str, rows: Iterable[Row], describe: dict[str, object]
) -> list[FieldMapping]:
    """Validate the whole table against the org's describe, then replace the stored table."""
    checked = validate_rows(stream=stream, rows=rows, describe=describe)
    FieldMapping.objects.filter(organization=organization, stream=stream).delete()
    return FieldMapping.objects.bulk_create(
        FieldMapping(
            organization=organization,
            stream=stream,
            mail_field=c.row.mail_field,
            crm_field=c.crm_field,
            # A fixed value is written once, when a record is made: Mailbox -> Salesforce.
            direction=MappingDirection.TO_CRM if c.row.is_fixed else c.row.direction,
            converter="" if c.row.is_fixed else c.row.converter,
            value=c.row.value.strip() if c.row.is_fixed else "",
            position=position,
            max_length=c.max_length,
            crm_type=c.crm_type,
        )
        for position, c in enumerate(checked)
    )


def mapping_reset(*, organization: Organization, stream: str) -> None:
    """Back to the default table."""
    FieldMapping.objects.filter(organization=organization, stream=stream).delete()


__all__ = ["MappingError", "Row", "mapping_reset", "mapping_save", "rules_for", "validate_rows"]
