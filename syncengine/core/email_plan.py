"""The email stream's plan: which emails of a session to save, why not the others, and to what each is
linked. Pure: data in, data out (no Django, no connector, no network).

The stream gathers, then plans, in two rounds (emails/stream.py):

1. ``emails_to_search(inputs)`` names the emails that need the initial Salesforce search, and
   ``plan_emails(inputs, found)`` decides with its result: the emails read this session (and those waiting
   for a retry) saved, left alone (with why), or waiting for the linker; and which threads start being
   saved (or were left unfinished by an earlier session), whose other emails round 2 brings in.
2. Once those threads are read, ``thread_emails_to_search`` names their emails that need a search of
   their own, and ``plan_threads`` decides with it: the session's final list to save, each email linked
   (a thread's emails to the business record of its first saved email).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from syncengine.core.email_records import EmailRecord, FolderRole
from syncengine.core.email_rules import (
    AutoSaveMode,
    AutoTrackMode,
    Reason,
    Skip,
    auto_track_satisfied,
    decide,
    thread_candidate,
)
from syncengine.core.linking import (
    Found,
    ItemFacts,
    LinkFilters,
    Links,
    LinkUser,
    account_domains,
    link_item,
)

ROOT_INDEX_BYTES = 22  # Outlook's conversation index of a thread's first email; each reply adds 5 bytes
Thread = tuple[EmailRecord, ...]


@dataclass(frozen=True)
class SavingRules:
    """The org's and the mailbox's saving options the plan follows."""

    auto_save: AutoSaveMode = "off"
    auto_track: AutoTrackMode = "people"
    save_threads: bool = True


@dataclass(frozen=True)
class WaitingEmail:
    """An email an earlier session could not save, as the retry ledger holds it."""

    internet_message_id: str
    conversation_id: str = ""


@dataclass(frozen=True)
class EmailInputs:
    """What the gather read: this session's folder reads, the ledger, the settings and the people rules."""

    emails: Sequence[EmailRecord]  # the three folders' changes, in reading order
    is_blocked: Callable[[str], bool]
    user: LinkUser
    today: date
    rules: SavingRules = field(default_factory=SavingRules)
    filters: LinkFilters = field(default_factory=LinkFilters)
    saved_here: frozenset[str] = frozenset()  # InternetMessageIds this mailbox saved (of these emails)
    saved_threads: frozenset[str] = frozenset()  # conversations this mailbox saves whole
    incomplete_threads: frozenset[str] = frozenset()  # of those, the ones whose read an earlier session left
    thread_records: Mapping[str, str] = field(default_factory=dict)  # conversation -> its business record
    waiting: Sequence[WaitingEmail] = ()  # emails to retry, oldest first
    # Threads read for the waiting emails (``waiting_threads_to_read``); None: not read (over the cap).
    conversations: Mapping[str, Thread | None] = field(default_factory=dict)
    fresh: frozenset[FolderRole] = frozenset()  # folders read in full this session
    read_since: Mapping[FolderRole, str] = field(default_factory=dict)  # each folder's last read, "...Z"


@dataclass(frozen=True)
class ToSave:
    email: EmailRecord
    reason: Reason
    links: Links


@dataclass(frozen=True)
class EmailPlan:
    """Round 1's decisions."""

    chosen: tuple[ToSave, ...]  # to save, in order (retries first)
    left_alone: tuple[tuple[EmailRecord, Skip], ...]  # and why
    links: Mapping[str, Links]  # every email the linker resolved, saved or not (by InternetMessageId)
    retries_gone: tuple[str, ...]  # waiting emails deleted meanwhile, or no longer to be saved
    retries_unreadable: tuple[str, ...]  # waiting emails with no thread to read them again through
    threads_to_read: tuple[str, ...]  # threads whose other emails round 2 brings in, in that order
    local_threads: Mapping[str, Thread]  # of those, the ones this session's reads hold whole


@dataclass(frozen=True)
class ThreadPlan:
    """Round 2's decisions: the session's final list."""

    to_save: tuple[ToSave, ...]
    left_alone: tuple[tuple[EmailRecord, Skip], ...]
    thread_records: Mapping[str, str]  # conversation -> the business record its emails go to
    deferred: frozenset[str]  # threads to save whose read waits for a later session
    completed: frozenset[str]  # threads left by earlier sessions, read (and saved) now


@dataclass
class _Candidate:
    email: EmailRecord
    reason: Reason
    needs_link: bool = False


@dataclass
class _Choice:
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    left_alone: list[tuple[EmailRecord, Skip]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def take(self, email: EmailRecord, reason: Reason | None, skip: Skip | None, needs_link: bool) -> None:
        if reason is None:
            self.left_alone.append((email, skip or "not_selected"))
            return
        known = self.candidates.get(email.internet_message_id)
        # The same email in two folders (or retried and read again): an explicit request wins over auto-save.
        if known is None or (known.needs_link and not needs_link):
            self.candidates[email.internet_message_id] = _Candidate(email, reason, needs_link)


# -- round 1 --------------------------------------------------------------------------------------------
def waiting_threads_to_read(emails: Sequence[EmailRecord], waiting: Sequence[WaitingEmail]) -> list[str]:
    """The threads to read the waiting emails through: those not in this session's folder reads."""
    here = {e.internet_message_id for e in emails if not e.removed and not e.is_draft}
    return [w.conversation_id for w in waiting if w.internet_message_id not in here and w.conversation_id]


def emails_to_search(inputs: EmailInputs) -> list[ItemFacts]:
    """The emails the initial search is for: every one that may be saved."""
    return [email_facts(c.email) for c in _choose(inputs).candidates.values()]


def plan_emails(inputs: EmailInputs, found: Found) -> EmailPlan:
    choice = _choose(inputs)
    links = {key: _link(inputs, c.email, found) for key, c in choice.candidates.items()}
    known = account_domains(found, inputs.filters)  # Smart: companies Salesforce has an Account of
    chosen: list[ToSave] = []
    for key, c in choice.candidates.items():
        if c.needs_link and not auto_track_satisfied(links[key], inputs.rules.auto_track, known):
            choice.left_alone.append((c.email, "not_linked"))
        else:
            chosen.append(ToSave(c.email, c.reason, links[key]))
    threads, local = _threads_to_read(inputs, chosen)
    return EmailPlan(
        chosen=tuple(chosen),
        left_alone=tuple(choice.left_alone),
        links=links,
        retries_gone=tuple(choice.gone),
        retries_unreadable=tuple(choice.unreadable),
        threads_to_read=threads,
        local_threads=local,
    )


def _choose(inputs: EmailInputs) -> _Choice:
    """The emails waiting for a retry, then the session's emails, decided one by one."""
    choice = _Choice()
    here = {e.internet_message_id: e for e in inputs.emails if not e.removed and not e.is_draft}
    for waiting in inputs.waiting:
        key = waiting.internet_message_id
        email = here.get(key)
        if email is None and waiting.conversation_id:
            members = inputs.conversations.get(waiting.conversation_id)
            if members is None:
                continue  # over this session's thread reads: still waiting, read next session
            email = next((e for e in members if e.internet_message_id == key and not e.is_draft), None)
            if email is None:  # its thread no longer holds it: deleted meanwhile
                choice.gone.append(key)
                continue
        if email is None:  # no thread to read it through
            choice.unreadable.append(key)
            continue
        decision = _decide(inputs, email, inputs.saved_threads, retry=True)
        if decision.reason is None:
            choice.gone.append(key)
        else:
            choice.take(email, decision.reason, None, decision.needs_link)
    for email in inputs.emails:
        decision = _decide(inputs, email, inputs.saved_threads)
        choice.take(email, decision.reason, decision.skip, decision.needs_link)
    return choice


def _threads_to_read(inputs: EmailInputs, chosen: list[ToSave]) -> tuple[tuple[str, ...], dict[str, Thread]]:
    """Threads that start being saved now, after those an earlier session left unread (each session makes
    progress on them); a thread whose first email arrived since the last read is all in this read."""
    if not inputs.rules.save_threads:
        return (), {}
    new = _new_threads(inputs, chosen)
    order = (*sorted(inputs.incomplete_threads - new), *sorted(new))
    local: dict[str, list[EmailRecord]] = {}
    for email in inputs.emails:
        local.setdefault(email.conversation_id, []).append(email)
    started_here = {c.email.conversation_id for c in chosen if _starts_here(inputs, c.email)}
    whole = {t: tuple(local[t]) for t in order if t in started_here and t in local}
    return order, whole


def _new_threads(inputs: EmailInputs, chosen: Sequence[ToSave]) -> frozenset[str]:
    return (
        frozenset(c.email.conversation_id for c in chosen if c.email.conversation_id) - inputs.saved_threads
    )


# -- round 2 --------------------------------------------------------------------------------------------
def thread_emails_to_search(
    inputs: EmailInputs, plan: EmailPlan, threads: Mapping[str, Thread | None], saved: frozenset[str]
) -> list[ItemFacts]:
    """The threads' emails to save that round 1 did not link (``threads``: each thread's emails, None
    when it could not be read this session; ``saved``: those of their emails this mailbox saved)."""
    extra, _ = _thread_emails(inputs, plan, threads, saved)
    return [email_facts(email) for email, _ in extra.values() if email.internet_message_id not in plan.links]


def plan_threads(
    inputs: EmailInputs,
    plan: EmailPlan,
    threads: Mapping[str, Thread | None],
    saved: frozenset[str],
    found: Found,
) -> ThreadPlan:
    extra, left_alone = _thread_emails(inputs, plan, threads, saved)
    thread_emails = [
        ToSave(email, reason, plan.links.get(key) or _link(inputs, email, found))
        for key, (email, reason) in extra.items()
    ]
    records = _thread_records(inputs, plan.chosen)
    to_save = [_with_thread_record(c, records) for c in (*plan.chosen, *thread_emails)]
    read = {t for t in plan.threads_to_read if threads.get(t) is not None}
    return ThreadPlan(
        to_save=tuple(to_save),
        left_alone=tuple(left_alone),
        thread_records=records,
        deferred=frozenset(plan.threads_to_read) - read,
        completed=frozenset(read & inputs.incomplete_threads),
    )


def relinked(inputs: EmailInputs, final: ThreadPlan, found: Found, addresses: frozenset[str]) -> ThreadPlan:
    """The plan with the emails naming any of ``addresses`` linked again over ``found``: people made
    for them in this session (autoresolving) become their WhoId, relations and WhatId."""
    to_save = [
        _with_thread_record(replace(c, links=_link(inputs, c.email, found)), final.thread_records)
        if any(p.address in addresses for p in c.links.people)
        else c
        for c in final.to_save
    ]
    return replace(final, to_save=tuple(to_save))


def _thread_emails(
    inputs: EmailInputs, plan: EmailPlan, threads: Mapping[str, Thread | None], saved: frozenset[str]
) -> tuple[dict[str, tuple[EmailRecord, Reason]], list[tuple[EmailRecord, Skip]]]:
    """The other emails of the threads read, to save as part of their thread (not saved before)."""
    taken = {c.email.internet_message_id for c in plan.chosen}
    being_saved = inputs.saved_threads | _new_threads(inputs, plan.chosen)
    extra: dict[str, tuple[EmailRecord, Reason]] = {}
    for conversation_id in plan.threads_to_read:
        for email in threads.get(conversation_id) or ():
            key = email.internet_message_id
            if key in taken or key in extra or not thread_candidate(email):
                continue
            if _decide(inputs, email, being_saved).reason is not None:
                extra[key] = (email, "thread")
    left_alone: list[tuple[EmailRecord, Skip]] = [(extra[k][0], "already_saved") for k in extra if k in saved]
    return {k: v for k, v in extra.items() if k not in saved}, left_alone


def _thread_records(inputs: EmailInputs, chosen: Sequence[ToSave]) -> dict[str, str]:
    """A thread that starts being saved now goes to the business record of its earliest email saved
    for another reason; a saved thread keeps the one it has."""
    records = dict(inputs.thread_records)
    firsts = sorted(
        (c for c in chosen if c.reason != "thread" and c.email.conversation_id not in inputs.saved_threads),
        key=lambda c: (c.email.received_at or c.email.sent_at, c.email.id),
    )
    for c in firsts:
        records.setdefault(c.email.conversation_id, c.links.what_id)
    return records


def _with_thread_record(candidate: ToSave, records: Mapping[str, str]) -> ToSave:
    what = records.get(candidate.email.conversation_id, "")
    if candidate.reason == "thread" and what and candidate.links.what_id != what:
        return replace(candidate, links=replace(candidate.links, what_id=what, reason="the thread's record"))
    return candidate


# -- shared ---------------------------------------------------------------------------------------------
def email_facts(email: EmailRecord) -> ItemFacts:
    """What the linker reads of an email."""
    return ItemFacts(
        sender=email.from_.address if email.from_ else "",
        to=tuple(a.address for a in email.to),
        cc=tuple(a.address for a in email.cc),
        bcc=tuple(a.address for a in email.bcc),
        subject=email.subject,
        body=email.text_body,
    )


def _decide(inputs: EmailInputs, email: EmailRecord, saved_threads: frozenset[str], retry: bool = False):
    return decide(
        email,
        is_blocked=inputs.is_blocked,
        saved_here=inputs.saved_here,
        saved_threads=saved_threads,
        auto_save=inputs.rules.auto_save,
        save_threads=inputs.rules.save_threads,
        retry=retry,
    )


def _link(inputs: EmailInputs, email: EmailRecord, found: Found) -> Links:
    return link_item(
        email_facts(email),
        user=inputs.user,
        found=found,
        is_blocked=inputs.is_blocked,
        today=inputs.today,
        filters=inputs.filters,
    )


def _starts_here(inputs: EmailInputs, email: EmailRecord) -> bool:
    """The email opens its thread (Outlook's conversation index is a bare 22-byte header) and was read
    in full or arrived after the folder's last read: any reply came later, so it is in this read too."""
    if len(_decoded(email.conversation_index)) != ROOT_INDEX_BYTES or email.folder not in ("inbox", "sent"):
        return False
    if email.folder in inputs.fresh:
        return True
    since = inputs.read_since.get(email.folder)
    return since is not None and bool(email.received_at) and email.received_at >= since


def _decoded(index: str) -> bytes:
    try:
        return base64.b64decode(index, validate=True) if index else b""
    except ValueError:
        return b""
