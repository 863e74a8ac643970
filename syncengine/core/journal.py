"""The session journal: one entry per item a stream decided about, in words a person can follow.

The planner's actions say what was meant; the execution's outcomes say what happened. This module
turns both into entries (pure: data in, data out) that the engine stores with the session, so the
rep's dashboard can name the items of each session and support can trace one item across sessions:
what was decided, which fields were written, what conflicted and with which values, what failed and
what the provider answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncengine.core.linking import Links
from syncengine.core.planner import Action, Conflict, Kind, Plan
from syncengine.core.scope import LEFT_OUT_WHY

# What happened to an item, as a code the pages put in words (see WHAT_HAPPENED).
CREATED_IN_CRM = "created_in_crm"
CREATED_IN_MAIL = "created_in_mail"
UPDATED_IN_CRM = "updated_in_crm"
UPDATED_IN_MAIL = "updated_in_mail"
UPDATED_BOTH = "updated_both"
DELETED_IN_CRM = "deleted_in_crm"
DELETED_IN_MAIL = "deleted_in_mail"
LINKED = "linked"  # a new mail item matched a record that existed: linked, not created again
JOINED = "joined"  # another attendee's mailbox had saved the meeting: this mailbox joined it
UNLINKED = "unlinked"
LET_GO = "let_go"
REMEMBERED_DELETED = "remembered_deleted"
CONFLICT = "conflict"
HELD = "held"
WAITING = "waiting"
FAILED = "failed"
LEFT_OUT = "left_out"  # read, and not saved: the scope's reason says why
RELATED = "related"  # a new record got its business record (WhatId): which rule, what it passed over
# The email step's (syncengine/core/email_journal.py): emails are saved one way, once.
EMAIL_SAVED = "email_saved"
EMAIL_GAVE_UP = "email_gave_up"  # could not be saved, and no longer retried: its issue says what to do

WHAT_HAPPENED = {
    CREATED_IN_CRM: "Created in Salesforce",
    CREATED_IN_MAIL: "Created in the mailbox",
    UPDATED_IN_CRM: "Updated in Salesforce",
    UPDATED_IN_MAIL: "Updated in the mailbox",
    UPDATED_BOTH: "Updated on both sides",
    DELETED_IN_CRM: "Deleted in Salesforce",
    DELETED_IN_MAIL: "Deleted in the mailbox",
    LINKED: "Linked to a Salesforce record that already existed",
    JOINED: "Joined the meeting another attendee had saved",
    UNLINKED: "No longer synced (left the sync's scope); neither side was changed",
    LET_GO: "The attendee's copy went; the Salesforce Event stays",
    REMEMBERED_DELETED: "Deleted in Salesforce; the mailbox item stays and is not saved again",
    CONFLICT: "Changed on both sides: one value won",
    HELD: "Deletion held: it waits for a person's decision",
    WAITING: "Waits for its organizer's mailbox to save it first",
    FAILED: "Could not be written; it is tried again next session",
    LEFT_OUT: "Not saved to Salesforce",
    RELATED: "Related to its business record",
    EMAIL_SAVED: "Saved to Salesforce",
    EMAIL_GAVE_UP: "Could not be saved; it is no longer tried (see its issue)",
}

# The same, for a plan not carried out yet (a preview).
WOULD_HAPPEN = {
    CREATED_IN_CRM: "Would be created in Salesforce",
    CREATED_IN_MAIL: "Would be created in the mailbox",
    UPDATED_IN_CRM: "Would be updated in Salesforce",
    UPDATED_IN_MAIL: "Would be updated in the mailbox",
    UPDATED_BOTH: "Would be updated on both sides",
    DELETED_IN_CRM: "Would be deleted in Salesforce",
    DELETED_IN_MAIL: "Would be deleted in the mailbox",
    LINKED: "Would be linked to a Salesforce record that already exists (no twin)",
    JOINED: "Would join the meeting another attendee saved",
    UNLINKED: "Would no longer be synced; neither side changed",
    LET_GO: "The attendee's copy would be let go; the Event stays",
    REMEMBERED_DELETED: "Deleted in Salesforce; the mailbox item would stay",
    CONFLICT: "Changed on both sides: one value would win",
    HELD: "A deletion would be held for a person's decision",
    WAITING: "Would wait for its organizer's mailbox",
    LEFT_OUT: "Would not be saved to Salesforce",
}


@dataclass(frozen=True)
class Entry:
    sync_key: str
    what: str  # one of the codes above
    label: str = ""
    mail_id: str = ""
    crm_id: str = ""
    fields: tuple[str, ...] = ()  # the fields written (neutral names)
    message: str = ""  # a failure's answer, a conflict's sentence
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcomes:
    """What the execution reported: failures by sync key (the provider's answer), and the sync keys
    whose create joined another attendee's meeting. A create's new ids are on its action's state."""

    failed: Mapping[str, str] = field(default_factory=dict)
    joined: frozenset[str] = frozenset()


_WRITTEN = {
    Kind.CREATE_CRM: CREATED_IN_CRM,
    Kind.CREATE_MAIL: CREATED_IN_MAIL,
    Kind.DELETE_CRM: DELETED_IN_CRM,
    Kind.DELETE_MAIL: DELETED_IN_MAIL,
    Kind.UNLINK: UNLINKED,
    Kind.LET_GO: LET_GO,
    Kind.TOMBSTONE: REMEMBERED_DELETED,
}


def journal_entries(
    plan: Plan,
    outcomes: Outcomes,
    *,
    waiting: Iterable[Action] = (),
    linked: Iterable[str] = (),
    left_out: Mapping[str, tuple[str, str]] | None = None,
    follow_ups: Iterable[Entry] = (),
) -> list[Entry]:
    """The entries of one stream's session, in the plan's order; ``linked``: the mail ids the final
    plan linked to a matching record; ``left_out``: mail id -> (label, why) of the items the scope
    did not save; ``follow_ups``: the entries the follow-ups made. Bookkeeping (REFRESH, FORGET) is
    left out: nothing a person would call a change happened to the item."""
    entries: list[Entry | None] = [_entry(a, outcomes, set(linked)) for a in plan.actions]
    entries += [_held(a) for a in plan.held]
    entries += [
        Entry(a.sync_key, WAITING, label=a.label, mail_id=a.mail_id, crm_id=a.crm_id) for a in waiting
    ]
    entries += [_conflict(c) for c in plan.conflicts]
    entries += [_left_out(mail_id, label, why) for mail_id, (label, why) in (left_out or {}).items()]
    entries += follow_ups  # what the follow-ups did after the writes (relations chosen)
    return [e for e in entries if e is not None]


def _entry(action: Action, outcomes: Outcomes, linked_updates: set[str]) -> Entry | None:
    what = _what(action, outcomes, linked_updates)
    if what is None:
        return None
    state = action.state
    fields = sorted({*action.crm_writes, *action.mail_writes})
    failure = outcomes.failed.get(action.sync_key)
    return Entry(
        action.sync_key,
        FAILED if failure is not None else what,
        label=action.label,
        mail_id=action.mail_id or (state.mail_id if state else ""),
        crm_id=action.crm_id or (state.crm_id if state else ""),
        fields=tuple(fields),
        message=failure or "",
        details={"meant": what} if failure is not None else {},
    )


def _what(action: Action, outcomes: Outcomes, linked_updates: set[str]) -> str | None:
    if action.kind == Kind.CREATE_CRM:
        return JOINED if action.sync_key in outcomes.joined else CREATED_IN_CRM
    if action.kind == Kind.UPDATE:
        if action.mail_id in linked_updates:
            return LINKED
        if action.crm_writes and action.mail_writes:
            return UPDATED_BOTH
        if action.crm_writes:
            return UPDATED_IN_CRM
        return UPDATED_IN_MAIL if action.mail_writes else None
    return _WRITTEN.get(action.kind)


def _left_out(mail_id: str, label: str, why: str) -> Entry:
    message = LEFT_OUT_WHY.get(why, "")
    return Entry("", LEFT_OUT, label=label, mail_id=mail_id, message=message, details={"why": why})


def _held(action: Action) -> Entry:
    side = "Salesforce" if action.kind == Kind.DELETE_CRM else "the mailbox"
    return Entry(
        action.sync_key,
        HELD,
        label=action.label,
        mail_id=action.mail_id,
        crm_id=action.crm_id,
        message=f"Its deletion in {side} is held with the others of this session.",
    )


def _conflict(conflict: Conflict) -> Entry:
    winner = "mailbox" if conflict.winner == "mail" else "Salesforce"
    return Entry(
        conflict.sync_key,
        CONFLICT,
        label=conflict.label,
        mail_id=conflict.mail_id,
        crm_id=conflict.crm_id,
        fields=(conflict.field,),
        message=f"'{conflict.field}' was changed on both sides; the {winner} value was kept.",
        details={
            "mail_value": conflict.mail_value,
            "crm_value": conflict.crm_value,
            "winner": conflict.winner,
        },
    )


def related_entry(*, crm_id: str, mail_id: str, links: Links) -> Entry:
    """Which business record a new record was related to, by which rule, and which other candidates
    the same rule passed over (the item trace shows it)."""
    others = f"; also found: {', '.join(links.passed_over)}" if links.passed_over else ""
    return Entry(
        "",
        RELATED,
        mail_id=mail_id,
        crm_id=crm_id,
        fields=("what_id",),
        message=f"{links.what_id}, chosen as {links.reason}{others}",
        details={
            "what_id": links.what_id,
            "account_id": links.account_id,
            "who_ids": list(links.who_ids),
            "rule": links.reason,
            "passed_over": list(links.passed_over),
        },
    )
