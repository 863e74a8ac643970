"""Field rules: how one neutral field maps to a Salesforce field, and in which direction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    BOTH = "both"
    TO_CRM = "to_crm"
    TO_MAIL = "to_mail"
    NONE = "none"

    @property
    def to_crm(self) -> bool:
        return self in (Direction.BOTH, Direction.TO_CRM)

    @property
    def to_mail(self) -> bool:
        return self in (Direction.BOTH, Direction.TO_MAIL)


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class FieldRule:
    key: str  # the neutral field name, e.g. "subject"
    crm_field: str  # e.g. "Subject"
    direction: Direction = Direction.BOTH
    to_crm: Callable[[Any], Any] = _identity
    to_mail: Callable[[Any], Any] = _identity
    max_length: int | None = None  # Salesforce's limit: longer values are cut, with an issue
    crm_type: str = ""  # the field's describe type: it alone decides how a SOQL literal is written

    def crm_value(self, value: Any) -> tuple[Any, bool]:
        """The value to write to Salesforce and whether it had to be cut to fit."""
        converted = self.to_crm(value)
        if self.max_length is not None and isinstance(converted, str) and len(converted) > self.max_length:
            return converted[: self.max_length], True
        return converted, False

    def crm_readback(self, value: Any) -> Any:
        """What Salesforce will report for this field after we write ``value`` (neutral form)."""
        return self.to_mail(self.crm_value(value)[0])


@dataclass(frozen=True)
class StreamRules:
    """Everything the planner needs to know about one stream (events, tasks, contacts)."""

    stream: str
    crm_object: str
    fields: tuple[FieldRule, ...]
    create_in_crm: bool = True  # new mail items are saved to Salesforce
    create_in_mail: bool = False  # new Salesforce records appear in the mailbox
    delete_in_crm: bool = True  # a mail deletion deletes the paired record (reference behaviour)
    delete_in_mail: bool = False  # a Salesforce deletion deletes the mail item (org setting)
    # A mail deletion that may not reach Salesforce puts the item back in the mailbox instead.
    restore_in_mail: bool = False
    # A Salesforce deletion that may not reach the mailbox puts the record back (one-way to Salesforce).
    restore_in_crm: bool = False
    conflict_policy: str = "newest"  # newest | mail | crm
    # Keys written together (all or none), for a record adapter that needs them all (all-day events).
    write_together: frozenset[str] = frozenset()
    # Whole-record adapters after the field rules, for what no single field maps: an all-day event is
    # a day and a length in Salesforce, two instants in the mailbox. Pure functions.
    to_crm_record: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    from_crm_record: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    extra_crm_fields: tuple[str, ...] = ()  # what the adapters read besides the rules' fields
    # Keys written when a Salesforce record makes a new mail item; None: the to-mail ones. One-way
    # to Salesforce still brings Salesforce-made items down whole, though later edits go up only.
    mail_create_keys: frozenset[str] | None = None
    # Fixed values a new Salesforce record gets (Salesforce field -> value), for fields Salesforce
    # requires that no mailbox field fills (an org's required custom field, say).
    crm_create_values: tuple[tuple[str, Any], ...] = ()
    max_delete_share: float = 0.5
    max_delete_min_count: int = 10

    def direction_of(self, key: str) -> Direction:
        return next((r.direction for r in self.fields if r.key == key), Direction.NONE)

    def creates_in_mail(self, key: str) -> bool:
        """Whether a mail item made from a Salesforce record gets this field."""
        if self.mail_create_keys is not None:
            return key in self.mail_create_keys
        return self.direction_of(key).to_mail

    def crm_fields(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Salesforce field values for the to-Salesforce rules, and the keys that were cut."""
        out: dict[str, Any] = {}
        cut: list[str] = []
        for rule in self.fields:
            if rule.direction.to_crm and rule.key in values:
                out[rule.crm_field], was_cut = rule.crm_value(values[rule.key])
                if was_cut:
                    cut.append(rule.key)
        if self.to_crm_record is not None:
            out = self.to_crm_record(values, out)
        return out, cut

    def neutral_from_crm(self, record: Mapping[str, Any]) -> dict[str, Any]:
        values = {r.key: r.to_mail(record.get(r.crm_field)) for r in self.fields if r.crm_field in record}
        return self.from_crm_record(record, values) if self.from_crm_record is not None else values

    @property
    def read_fields(self) -> list[str]:
        """The Salesforce fields a read asks for."""
        return list(dict.fromkeys([*(r.crm_field for r in self.fields), *self.extra_crm_fields]))

    def crm_readback(self, values: Mapping[str, Any]) -> dict[str, Any]:
        by_key = {r.key: r for r in self.fields}
        return {k: by_key[k].crm_readback(v) if k in by_key else v for k, v in values.items()}


class StreamDirection(StrEnum):
    """A whole stream's direction, an org setting (the reference's one-way synchronization options)."""

    BOTH = "both"
    TO_CRM = "to_crm"  # mailbox -> Salesforce: Salesforce edits and deletions are reverted
    TO_MAIL = "to_mail"  # Salesforce -> mailbox: mailbox edits and deletions are reverted


def one_way(rules: StreamRules, direction: str) -> StreamRules:
    """The stream's rules narrowed to one direction; the other side's changes are put back.

    Mailbox -> Salesforce keeps Salesforce-made items coming down (the reference: "events created
    in Salesforce will be down-synced"), but their later edits and deletions there are reverted.
    Salesforce -> mailbox saves nothing new from the mailbox and restores what the user deleted.
    """
    if direction == StreamDirection.TO_CRM:
        keep = {Direction.BOTH: Direction.TO_CRM, Direction.TO_CRM: Direction.TO_CRM}
        return replace(
            rules,
            fields=tuple(replace(f, direction=keep.get(f.direction, Direction.NONE)) for f in rules.fields),
            mail_create_keys=frozenset(f.key for f in rules.fields if f.direction.to_mail),
            delete_in_crm=True,
            delete_in_mail=False,
            restore_in_mail=False,
            restore_in_crm=True,
        )
    if direction == StreamDirection.TO_MAIL:
        keep = {Direction.BOTH: Direction.TO_MAIL, Direction.TO_MAIL: Direction.TO_MAIL}
        return replace(
            rules,
            fields=tuple(replace(f, direction=keep.get(f.direction, Direction.NONE)) for f in rules.fields),
            create_in_crm=False,
            create_in_mail=True,
            delete_in_crm=False,
            delete_in_mail=True,
            restore_in_mail=True,
            restore_in_crm=False,
        )
    return rules
