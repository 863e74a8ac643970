"""Which emails this session saves, and to what they are linked: the folder reads decided one by one,
the emails waiting for a retry read again, the other emails of threads being saved, one initial search."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from emails.context import STREAM, Candidate, StreamContext
from emails.models import PendingEmail, SavedEmailMailbox
from emails.rules import Decision, auto_track_satisfied, thread_candidate
from emails.saving import pending_unreadable
from syncengine.core.email_records import EmailRecord
from syncengine.core.linking import Found, ItemFacts, link_item
from syncengine.services.issues import issues_resolve_for_items
from syncengine.services.lookup import search_session

ROOT_INDEX_BYTES = 22  # Outlook's conversation index of a thread's first email; each reply adds 5 bytes


def _decoded(index: str) -> bytes:
    try:
        return base64.b64decode(index, validate=True) if index else b""
    except ValueError:
        return b""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- deciding ------------------------------------------------------------------------------------------
def take(
    ctx: StreamContext, candidates: dict[str, Candidate], email: EmailRecord, decision: Decision
) -> None:
    if decision.reason is None:
        ctx.report.skipped[decision.skip or "not_selected"] += 1
        return
    key = email.internet_message_id
    known = candidates.get(key)
    # The same email in two folders (or retried and read again): an explicit request wins over auto-save.
    if known is None or (known.needs_link and not decision.needs_link):
        candidates[key] = Candidate(email, decision.reason, decision.needs_link)


def saved_here(ctx: StreamContext, emails: Iterable[EmailRecord]) -> set[str]:
    """The InternetMessageIds of these emails (and of those waiting for a retry) this mailbox saved."""
    ids = {e.internet_message_id for e in emails if e.internet_message_id}
    ids |= set(PendingEmail.objects.filter(mailbox=ctx.mailbox).values_list("internet_message_id", flat=True))
    rows = SavedEmailMailbox.objects.filter(
        mailbox=ctx.mailbox, saved_email__internet_message_id__in=list(ids)
    ).exclude(saved_email__crm_id="")
    return set(rows.values_list("saved_email__internet_message_id", flat=True))


def retries(ctx: StreamContext, saved: set[str], threads: set[str]) -> dict[str, Candidate]:
    """Emails that failed in an earlier session, read again: in this session's folder reads, else
    through their thread (within the session's thread reads; the rest wait for the next session)."""
    candidates: dict[str, Candidate] = {}
    gone: list[str] = []
    here = {e.internet_message_id: e for e in ctx.session_emails if not e.removed and not e.is_draft}
    for pending in PendingEmail.objects.filter(mailbox=ctx.mailbox).order_by("pk"):
        email = here.get(pending.internet_message_id)
        if email is None and pending.conversation_id:
            members = ctx.conversation(pending.conversation_id)
            if members is None:
                continue  # over this session's thread reads: still pending, read next session
            email = next(
                (
                    e
                    for e in members
                    if e.internet_message_id == pending.internet_message_id and not e.is_draft
                ),
                None,
            )
            if email is None:  # its thread no longer holds it: deleted meanwhile
                gone.append(pending.internet_message_id)
                continue
        if email is None:  # no thread to read it through: kept (and given up on after the attempts cap)
            pending_unreadable(ctx, pending)
            continue
        decision = ctx.decide(email, saved, threads, retry=True)
        if decision.reason is None:
            gone.append(pending.internet_message_id)
        else:
            take(ctx, candidates, email, decision)
    if gone:  # deleted meanwhile, or no longer to be saved: nothing left to retry
        PendingEmail.objects.filter(mailbox=ctx.mailbox, internet_message_id__in=gone).delete()
        issues_resolve_for_items(mailbox=ctx.mailbox, stream=STREAM, mail_ids=set(gone), crm_ids=set())
    return candidates


# -- linking ------------------------------------------------------------------------------------------
def _facts(email: EmailRecord) -> ItemFacts:
    return ItemFacts(
        sender=email.from_.address if email.from_ else "",
        to=tuple(a.address for a in email.to),
        cc=tuple(a.address for a in email.cc),
        bcc=tuple(a.address for a in email.bcc),
        subject=email.subject,
        body=email.text_body,
    )


def link(ctx: StreamContext, candidates: Iterable[Candidate]) -> None:
    """One initial search for all these emails, then the linker's choice per email."""
    todo = [c for c in candidates if c.links is None]
    if not todo:
        return
    today = ctx.now.date()
    found: Found = search_session(
        ctx.crm,
        [_facts(c.email) for c in todo],
        user=ctx.user,
        is_blocked=ctx.is_blocked,
        today=today,
        filters=ctx.filters,
    )
    for candidate in todo:
        candidate.links = link_item(
            _facts(candidate.email),
            user=ctx.user,
            found=found,
            is_blocked=ctx.is_blocked,
            today=today,
            filters=ctx.filters,
        )


def chosen(ctx: StreamContext, candidate: Candidate) -> bool:
    if not candidate.needs_link:
        return True
    assert candidate.links is not None
    if auto_track_satisfied(candidate.links, ctx.settings.auto_track):  # type: ignore[arg-type]
        return True
    ctx.report.skipped["not_linked"] += 1
    return False


# -- threads ------------------------------------------------------------------------------------------
def thread_emails(
    ctx: StreamContext,
    picked: list[Candidate],
    candidates: dict[str, Candidate],
    saved: set[str],
    threads: set[str],
    incomplete: set[str],
) -> list[Candidate]:
    """The other emails of threads that start being saved now, and of threads whose read an earlier
    session left for later (``incomplete``): one conversation read per thread, within the session's cap."""
    if not ctx.settings.save_threads:
        return []
    new_threads = {c.email.conversation_id for c in picked if c.email.conversation_id} - threads
    taken = {c.email.internet_message_id for c in picked}
    extra: dict[str, Candidate] = {}
    local: dict[str, list[EmailRecord]] = {}
    for email in ctx.session_emails:
        local.setdefault(email.conversation_id, []).append(email)
    started_here = {c.email.conversation_id for c in picked if _starts_here(ctx, c.email)}
    # The threads left over by earlier sessions first: each session makes progress on them.
    for conversation_id in [*sorted(incomplete - new_threads), *sorted(new_threads)]:
        # A thread whose first email arrived since the last session has all its emails in this read.
        members = local.get(conversation_id) if conversation_id in started_here else None
        if members is None:
            members = ctx.conversation(conversation_id)
        if members is None:
            ctx.threads_deferred.add(conversation_id)  # its other emails are saved in a later session
            continue
        if conversation_id in incomplete:
            ctx.threads_completed.add(conversation_id)
        for email in members:
            key = email.internet_message_id
            if key in taken or key in extra or not thread_candidate(email):
                continue
            decision = ctx.decide(email, saved, threads | new_threads)
            if decision.reason is None:
                continue
            known = candidates.get(key)
            extra[key] = Candidate(email, "thread", links=known.links if known else None)
    for key in saved_here(ctx, (c.email for c in extra.values())):  # saved before, outside this read
        ctx.report.skipped["already_saved"] += 1
        del extra[key]
    link(ctx, extra.values())
    return list(extra.values())


def link_threads(ctx: StreamContext, picked: list[Candidate], threads: set[str]) -> None:
    """A thread's emails go to the business record its first saved email went to; a thread that
    starts being saved now takes that of its earliest email saved for another reason."""
    firsts = sorted(
        (c for c in picked if c.reason != "thread" and c.email.conversation_id not in threads),
        key=lambda c: (c.email.received_at or c.email.sent_at, c.email.id),
    )
    for c in firsts:
        assert c.links is not None
        ctx.thread_what.setdefault(c.email.conversation_id, c.links.what_id)
    for c in picked:
        what = ctx.thread_what.get(c.email.conversation_id, "")
        if c.reason == "thread" and what and c.links is not None and c.links.what_id != what:
            c.links = replace(c.links, what_id=what, reason="the thread's record")


def _starts_here(ctx: StreamContext, email: EmailRecord) -> bool:
    """The email opens its thread (Outlook's conversation index is a bare 22-byte header) and was read
    in full or arrived after the folder's last read: any reply came later, so it is in this read too."""
    if len(_decoded(email.conversation_index)) != ROOT_INDEX_BYTES or email.folder not in ("inbox", "sent"):
        return False
    if email.folder in ctx.fresh:
        return True
    since = ctx.read_since.get(email.folder)
    return since is not None and bool(email.received_at) and email.received_at >= _stamp(since)
