"""The email step's journal: one entry per email the step decided about in a session, in words a person
can follow (pure: data in, data out). Saved (with the record), related (which rule chose the person and
the business record, and what it passed over), failed (the provider's answer) or left out (why).

Only what the step weighed is journalled: an email asked for (the "Salesforce" category or folder, a
retry, a saved thread), or one auto-save looked up. The untouched mail of a mailbox (``not_selected``),
deletions, and a saved email read again (its own category tag coming back) are counted, not journalled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from syncengine.core.email_plan import EmailPlan, ThreadPlan, ToSave
from syncengine.core.email_records import EmailRecord
from syncengine.core.email_rules import AutoTrackMode, Skip
from syncengine.core.journal import EMAIL_GAVE_UP, EMAIL_SAVED, FAILED, LEFT_OUT, RELATED, Entry
from syncengine.core.linking import Links
from syncengine.core.scope import SALESFORCE_CATEGORY

MOST_PEOPLE = 20  # addresses kept with an entry, for the trace's search by address

# Why an email was saved, in words (email_rules.Reason); "{folder}": the org's Salesforce folder.
SAVED_BECAUSE = {
    "folder": "It was put in the “{folder}” folder.",
    "category": "It has the “Salesforce” category.",
    "thread": "Another email of its thread is saved, and threads are saved whole.",
    "auto": "Auto-save: the user saves their emails of this folder automatically.",
    "retry": "Tried again after it could not be saved earlier.",
    "resave": "It was put in the “{folder}” folder again: the saved email was brought up to date.",
}

# Why an email was not saved, in words (email_rules.Skip), for the skips worth explaining.
LEFT_OUT_BECAUSE: dict[str, str] = {
    "draft": "It is a draft: drafts are never saved.",
    "other_folder": "It is in another folder: only emails in Inbox, Sent Items and the “{folder}” folder "
    "are saved.",
    "no_message_id": "It has no Message-ID, which saving an email exactly once needs.",
    "internal_or_blocked": "Everyone in it is from the company itself, on a blocklist or on a free-email "
    "domain: such emails are never saved.",
    "not_linked": "Auto-save saves an email only when {waits_for}; none was found in Salesforce.",
}
AUTO_SAVE_WAITS_FOR = {
    "people": "one of its people is a Contact or Lead",
    "forced": "one of its people is from outside and not on a blocklist",
    "smart": "one of its people is a Contact or Lead, or from a company whose Account Salesforce has",
    "records": "one of its people is a Contact or Lead, or it belongs to a business record",
    "all": "it can be saved",
}


@dataclass(frozen=True)
class SaveOutcome:
    """What came of one email's Salesforce write (by its InternetMessageId)."""

    ok: bool
    crm_object: str = ""
    crm_id: str = ""
    created: bool = False  # False: the record was there already (another mailbox saved it, or a replay)
    problems: tuple[str, ...] = ()  # relations or files not added (the email is saved)
    answer: str = ""  # a failure: what Salesforce answered
    retried: bool = True  # a failure: tried again next session (else given up on)


def email_journal_entries(
    *,
    plan: EmailPlan,
    final: ThreadPlan,
    outcomes: Mapping[str, SaveOutcome],
    key: Callable[[str], str],
    folder: str,
    auto_track: AutoTrackMode = "people",
    stopped: str = "",
) -> list[Entry]:
    """The entries of one session's email step: the emails to save (saved, failed, or not reached
    when the step ``stopped`` with that error), then the ones left out worth explaining. ``key``: an
    email's sync key from its InternetMessageId, so its entries join its saved record's."""
    entries: list[Entry] = []
    for candidate in final.to_save:
        entries += _to_save(
            candidate, outcomes.get(candidate.email.internet_message_id), key, folder, stopped
        )
    taken = {c.email.internet_message_id for c in final.to_save}
    for email, skip in _explained((*plan.left_alone, *final.left_alone), taken):
        why = LEFT_OUT_BECAUSE[skip].format(folder=folder, waits_for=AUTO_SAVE_WAITS_FOR[auto_track])
        entries.append(_entry(email, LEFT_OUT, key, message=why, details={"why": skip}))
    return entries


def _explained(
    left_alone: Iterable[tuple[EmailRecord, Skip]], taken: set[str]
) -> list[tuple[EmailRecord, Skip]]:
    """The left-out emails the step weighed: auto-save's look-ups, and emails asked for by the category
    or the folder. Each once (an email may be read in two folders)."""
    seen = set(taken)
    out: list[tuple[EmailRecord, Skip]] = []
    for email, skip in left_alone:
        if skip not in LEFT_OUT_BECAUSE:
            continue
        if skip != "not_linked" and not (
            email.folder == "salesforce" or email.has_category(SALESFORCE_CATEGORY)
        ):
            continue
        one = email.internet_message_id or f"id:{email.id}"
        if one not in seen:
            seen.add(one)
            out.append((email, skip))
    return out


def _to_save(
    candidate: ToSave, outcome: SaveOutcome | None, key: Callable[[str], str], folder: str, stopped: str
) -> list[Entry]:
    email, reason = candidate.email, candidate.reason
    because = SAVED_BECAUSE.get(reason, "").format(folder=folder)
    details = {"reason": reason}
    if outcome is None:  # the step stopped before its write
        message = (
            f"The session stopped before it was saved: {stopped or 'no reason given'}. It is tried again."
        )
        return [_entry(email, FAILED, key, message=message, details={**details, "meant": EMAIL_SAVED})]
    if not outcome.ok:
        what = FAILED if outcome.retried else EMAIL_GAVE_UP
        after = "It is tried again next session." if outcome.retried else "It is no longer tried."
        message = f"Salesforce answered: {outcome.answer or 'no reason given'}. {after}"
        return [_entry(email, what, key, message=message, details={**details, "meant": EMAIL_SAVED})]
    said = [because]
    if not outcome.created:
        said.append(
            "It was added to the email Salesforce already held (saved before, or by another mailbox)."
        )
    if outcome.problems:
        said.append(f"Not everything could be added: {'; '.join(outcome.problems)}.")
    if not (candidate.links.who_ids or candidate.links.what_id):
        said.append("None of its people is a Contact or Lead, and no business record was found.")
    saved = _entry(
        email,
        EMAIL_SAVED,
        key,
        crm_id=outcome.crm_id,
        message=" ".join(s for s in said if s),
        details={**details, "created": outcome.created, "crm_object": outcome.crm_object},
    )
    related = _related(email, candidate.links, key, outcome.crm_id)
    return [saved, *related]


def _related(email: EmailRecord, links: Links, key: Callable[[str], str], crm_id: str) -> list[Entry]:
    """Which rule chose the email's person (WhoId) and business record (WhatId), and what each passed over."""
    if not (links.who_id or links.what_id):
        return []
    said: list[str] = []
    if links.who_id:
        others = f"; also found: {', '.join(links.who_passed_over)}" if links.who_passed_over else ""
        more = f" (and {len(links.who_ids) - 1} more of its people)" if len(links.who_ids) > 1 else ""
        said.append(f"Person {links.who_id}{more}, chosen as {links.who_reason or 'a participant'}{others}.")
    if links.what_id:
        others = f"; also found: {', '.join(links.passed_over)}" if links.passed_over else ""
        said.append(f"Business record {links.what_id}, chosen as {links.reason}{others}.")
    fields = tuple(f for f, v in (("who_id", links.who_id), ("what_id", links.what_id)) if v)
    details = {
        "who_id": links.who_id,
        "who_ids": list(links.who_ids),
        "who_rule": links.who_reason,
        "who_passed_over": list(links.who_passed_over),
        "what_id": links.what_id,
        "account_id": links.account_id,
        "rule": links.reason,
        "passed_over": list(links.passed_over),
    }
    return [
        _entry(email, RELATED, key, crm_id=crm_id, fields=fields, message=" ".join(said), details=details)
    ]


def _entry(
    email: EmailRecord,
    what: str,
    key: Callable[[str], str],
    *,
    crm_id: str = "",
    fields: tuple[str, ...] = (),
    message: str = "",
    details: Mapping[str, object] | None = None,
) -> Entry:
    message_id = email.internet_message_id
    return Entry(
        key(message_id) if message_id else "",
        what,
        label=email.subject,
        mail_id=email.id,
        crm_id=crm_id,
        fields=fields,
        message=message,
        details={
            **(details or {}),
            "internet_message_id": message_id,
            "folder": email.folder,
            "people": list(dict.fromkeys(email.addresses()))[:MOST_PEOPLE],
        },
    )
