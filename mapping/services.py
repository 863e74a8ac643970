"""Mapping tables: the engine's rules from an org's table, and saving a table after validation."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db import transaction

from mapping import registry
from mapping.defaults import DEFAULT_TABLES, default_rows
from mapping.models import FieldMapping
from mapping.validation import MappingError, Row, validate_table
from syncengine.core.rules import Direction, StreamRules
from syncengine.models import Organization


def rules_for(organization: Organization, base: StreamRules) -> StreamRules:
    """The org's own table for the stream when it has one, else the default table."""
    rows = list(FieldMapping.objects.filter(organization=organization, stream=base.stream))
    if not rows:
        return base
    fields = tuple(
        registry.make_rule(r.mail_field, r.crm_field, r.converter, r.direction, r.max_length, r.crm_type)
        for r in rows
        if r.direction != Direction.NONE
    )
    return dataclasses.replace(base, fields=fields)


def mail_fields_of(stream: str) -> list[str]:
    return [row.mail_field for row in default_rows(stream)]


@transaction.atomic
def mapping_save(
    *, organization: Organization, stream: str, rows: Iterable[Row], describe: dict[str, object]
) -> list[FieldMapping]:
    """Validate the whole table against the org's describe, then replace the stored table."""
    crm_object = DEFAULT_TABLES[stream].crm_object
    checked = validate_table(
        crm_object=crm_object,
        rows=list(rows),
        describe=describe,
        mail_fields=mail_fields_of(stream),
        converters=registry.CONVERTERS,
    )
    FieldMapping.objects.filter(organization=organization, stream=stream).delete()
    return FieldMapping.objects.bulk_create(
        FieldMapping(
            organization=organization,
            stream=stream,
            mail_field=c.row.mail_field,
            crm_field=c.crm_field,
            direction=c.row.direction,
            converter=c.row.converter,
            position=position,
            max_length=c.max_length,
            crm_type=c.crm_type,
        )
        for position, c in enumerate(checked)
    )


def mapping_reset(*, organization: Organization, stream: str) -> None:
    """Back to the default table."""
    FieldMapping.objects.filter(organization=organization, stream=stream).delete()


__all__ = ["MappingError", "Row", "mapping_reset", "mapping_save", "rules_for"]
