"""Provider-neutral records that connectors return and the planner consumes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ItemChange:
    """One item as a side reports it in a change read, values already in the neutral vocabulary."""

    id: str
    version: str = ""  # the side's version marker: Graph changeKey, Salesforce SystemModstamp
    values: Mapping[str, Any] = field(default_factory=dict)
    deleted: bool = False
    modified_at: str = ""  # ISO-8601 UTC, for the "newest change wins" conflict policy
    label: str = ""  # what a person would call it (subject), for issues
    sync_key: str = ""  # crm side: the External ID value the engine stamped on the record
    # mail side: the item left the read's scope (deleted or moved out of the window): the engine
    # confirms which before acting, because Graph reports both as "@removed".
    removed: bool = False
    # What decides scope but is not synced field by field (categories, attendees, response...).
    # Not part of the content hash.
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Items several mailboxes hold (a meeting's iCalUId within an org) share one Salesforce record.
    shared_key: str = ""


@dataclass(frozen=True)
class ChangeSet:
    """What a side changed since a cursor, and the cursor to store once those changes are applied."""

    changes: list[ItemChange]
    next_cursor: str
    full: bool = False  # a full read (first sync or resync after an invalid cursor), not a delta


@dataclass
class PairState:
    """The stored link between a mail item and a Salesforce record."""

    sync_key: str
    mail_id: str = ""
    crm_id: str = ""
    origin: str = "mail"  # which side the item was first created on
    mail_version: str = ""
    crm_version: str = ""
    mail_hash: str = ""
    crm_hash: str = ""
    # False while the engine's own mail-side create has not come back in a delta: a mail delta
    # only reports deletions of items it has shown, so such an item is checked by id instead.
    mail_seen: bool = True
    # A Salesforce deletion remembered on a pair whose mail item stays (its record id is gone): ""
    # while both live; "untag": the "Salesforce" category is still to be taken off the item; "quiet":
    # it was, so the user giving it back means "save it again"; "kept": the category could not be
    # taken off alone (an occurrence: it lives on its series), so the item is simply never saved again.
    tombstone: str = ""
    # Set (when) while the engine creates this pair's mail item: the create may have happened though
    # the session died before its commit. The item carries the sync key (a stamp the engine owns), so
    # the next session finds it instead of making a twin (see syncengine/stream/gather.py).
    mail_intent_at: datetime | None = None
    # What each side held after the last sync, per field rule key: {"mail": {...}, "crm": {...}}.
    synced: dict[str, dict[str, Any]] = field(default_factory=lambda: {"mail": {}, "crm": {}})


@dataclass(frozen=True)
class CreateIntent:
    """A mail item the engine set out to create: what a connector looks for after a crash."""

    sync_key: str  # stamped on the item at its create
    values: Mapping[str, Any]  # the neutral values the create wrote (for providers with no stamp)
    since: datetime  # the create came after this moment


def content_hash(values: Mapping[str, Any]) -> str:
    """A stable hash of neutral values: equal content means no change, whatever the version says."""
    blob = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def make_sync_key(scope: str, mail_id: str) -> str:
    """The External ID stamped on records the engine creates: stable, short, no personal data."""
    return hashlib.sha256(f"{scope}\x00{mail_id}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Problem:
    """What a step could not do, for a person to see as an issue (one per item where it is one).
    ``retry``: the item is read again at the next session (``details["pending"]`` says which)."""

    code: str
    message: str
    mail_id: str = ""
    crm_id: str = ""
    label: str = ""
    details: Mapping[str, Any] | None = None
    retry: bool = False
