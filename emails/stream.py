"""The email stream of one session: read three folders, decide, link, save once, tag, commit.

Batched per session, whatever the number of emails:
- mailbox: one delta read per folder (Inbox, Sent Items, "Salesforce emails"), one conversation read per
  thread that starts being saved (or holds an email waiting for a retry), attachments and category tags
  and moves in ``$batch`` calls of 20;
- Salesforce: one initial search for all emails of the session (one query per object; a second one only
  for emails a newly saved thread brings in), and per 200 emails one sync-key query, one upsert and one
  relations write (files: one call per 200 files).

Exactly once: the ledger row (``SavedEmail``) is written as an intent before the Salesforce write, the
write is an upsert on the org-wide sync key (from the InternetMessageId), and the ledger and the folder
cursors are committed only after it. A crash in between re-reads the same emails next session, and the
upsert finds the record it made. An email that cannot be saved becomes a ``SyncIssue`` and a
``PendingEmail``: the next session reads it again through its thread and retries.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from blocklists.core import Blocklist
from blocklists.services import blocklist_for_mailbox
from connectors.base import ConnectorError, WriteResult
from connectors.salesforce.connector import COLLECTION_LIMIT, SalesforceConnector
from connectors.salesforce.emails import (
    Attachment,
    EmailTaskToSave,
    EmailToSave,
    save_email_messages,
    save_email_tasks,
)
from connectors.salesforce.emails import (
    SavedEmail as SaveResult,
)
from emails.fields import email_to_save, sync_key, task_to_save
from emails.models import (
    EmailSettings,
    MailboxEmailSettings,
    PendingEmail,
    SaveAs,
    SavedEmail,
    SavedEmailMailbox,
    SavedThread,
)
from emails.rules import (
    SALESFORCE_CATEGORY,
    Decision,
    Reason,
    auto_track_satisfied,
    decide,
    thread_candidate,
)
from emails.services import CURSOR_SIDE, CURSOR_STREAMS
from syncengine.core.email_records import EmailAttachment, EmailChangeSet, EmailRecord, FolderRole
from syncengine.core.linking import Found, ItemFacts, LinkFilters, Links, LinkUser, link_item
from syncengine.models import Mailbox, SyncCursor, SyncSession
from syncengine.services.issues import issue_record, issues_resolve_for_items
from syncengine.services.lookup import search_session

log = logging.getLogger(__name__)
STREAM = "emails"
ROOT_INDEX_BYTES = 22  # Outlook's conversation index of a thread's first email; each reply adds 5 bytes
CURSOR_SLACK = timedelta(minutes=10)  # clocks differ: better one conversation read too many
FOLDERS: tuple[FolderRole, ...] = ("inbox", "sent", "salesforce")


def _decoded(index: str) -> bytes:
    try:
        return base64.b64decode(index, validate=True) if index else b""
    except ValueError:
        return b""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MailboxMail(Protocol):
    """What the stream needs of a mail connector (Graph today; EWS and Gmail implement the same)."""

    calls: int

    def read_email_changes(
        self,
        *,
        folder: FolderRole,
        cursor: str,
        backfill_days: int = ...,
        salesforce_folder: str = ...,
        now: datetime | None = ...,
    ) -> EmailChangeSet: ...

    def read_conversation(self, conversation_id: str) -> list[EmailRecord]: ...

    def read_attachments(
        self, message_ids: Sequence[str], *, max_bytes: int = ..., include_inline: bool = ...
    ) -> dict[str, list[EmailAttachment]]: ...

    def set_email_categories(self, changes: Sequence[tuple[str, Sequence[str]]]) -> list[WriteResult]: ...

    def move_emails(self, moves: Sequence[tuple[str, str]]) -> list[WriteResult]: ...

    def ensure_mail_category(self, name: str = ..., color: str = ...) -> None: ...


@dataclass
class EmailReport:
    """What the session did with emails (stored under ``SyncSession.counts["emails"]``)."""

    read: int = 0
    saved: int = 0  # emails this mailbox saved (new records, or its relations added to an existing one)
    created: int = 0  # of those, records new in Salesforce
    failed: int = 0
    tagged: int = 0
    moved: int = 0
    threads_read: int = 0
    files_too_large: int = 0  # attachments over the org's size limit, left out (the email is saved)
    reasons: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    issues: int = 0

    def as_dict(self) -> dict[str, dict[str, int]]:
        """In the engine's shape, {direction: {what: count}}, which the dashboard lists as it is."""
        return {
            "to_crm": {"saved": self.saved, "created": self.created, "failed": self.failed},
            "to_mail": {"tagged": self.tagged, "moved": self.moved},
            "read": {
                "emails": self.read,
                "threads": self.threads_read,
                "files_too_large": self.files_too_large,
            },
            "saved because": dict(self.reasons),
            "left alone": dict(self.skipped),
        }


@dataclass
class Candidate:
    email: EmailRecord
    reason: Reason
    needs_link: bool = False
    links: Links | None = None


def email_stream_run(
    *, mailbox: Mailbox, session: SyncSession | None, mail: Any, crm: SalesforceConnector, now: datetime
) -> EmailReport | None:
    """Run the email stream for this mailbox; None when its organization does not save emails."""
    settings = EmailSettings.objects.filter(organization_id=mailbox.organization_id, enabled=True).first()
    if settings is None:
        return None
    if not callable(getattr(mail, "read_email_changes", None)):
        log.info("mailbox %s: its provider cannot save emails yet; the email stream is left out", mailbox.pk)
        return None
    own = MailboxEmailSettings.objects.filter(mailbox=mailbox).first() or MailboxEmailSettings(
        mailbox=mailbox
    )
    return EmailStream(
        mailbox=mailbox, session=session, mail=mail, crm=crm, now=now, settings=settings, own=own
    ).run()


class EmailStream:
    def __init__(
        self,
        *,
        mailbox: Mailbox,
        session: SyncSession | None,
        mail: MailboxMail,
        crm: SalesforceConnector,
        now: datetime,
        settings: EmailSettings,
        own: MailboxEmailSettings,
    ) -> None:
        self.mailbox = mailbox
        self.session = session
        self.mail = mail
        self.crm = crm
        self.now = now
        self.settings = settings
        self.auto_save = own.auto_save
        self.report = EmailReport()
        self.addresses = frozenset({mailbox.address.lower()})
        self.user = LinkUser(crm.user_id, self.addresses)
        self.filters: LinkFilters = settings.link_filters()
        self.blocklist: Blocklist = blocklist_for_mailbox(mailbox)
        self.conversations: dict[str, list[EmailRecord]] = {}
        self.saved_now: set[str] = set()  # InternetMessageIds this session saved
        self.read_since: dict[FolderRole, datetime] = {}  # when each folder was last read
        self.fresh: set[FolderRole] = set()  # folders read in full this session
        self.session_emails: list[EmailRecord] = []
        self.thread_what: dict[str, str] = {}  # conversation id -> the business record of its emails

    # -- the session --------------------------------------------------------------------------------------
    def run(self) -> EmailReport:
        changes = {
            role: self.mail.read_email_changes(
                folder=role,
                cursor=self._cursor(role),
                backfill_days=self.settings.backfill_days,
                salesforce_folder=self.settings.salesforce_folder,
                now=self.now,
            )
            for role in FOLDERS
        }
        emails = [e for c in changes.values() for e in c.items]
        self.fresh = {role for role, c in changes.items() if c.full}
        self.session_emails = emails
        self.report.read = sum(1 for e in emails if not e.removed)
        saved_here = self._saved_here(emails)
        self.thread_what = dict(
            SavedThread.objects.filter(mailbox=self.mailbox).values_list("conversation_id", "what_id")
        )
        threads = set(self.thread_what)

        candidates = self._retries(saved_here, threads)
        for email in emails:
            decision = self._decide(email, saved_here, threads)
            self._take(candidates, email, decision)
        self._link(candidates.values())
        chosen = [c for c in candidates.values() if self._chosen(c)]
        chosen += self._thread_emails(chosen, candidates, saved_here, threads)
        self._link_threads(chosen, threads)
        self._save(chosen)
        self._tag_and_move(chosen, emails, saved_here)
        self._commit_cursors({role: c.next_cursor for role, c in changes.items()})
        return self.report

    # -- deciding -----------------------------------------------------------------------------------------
    def _decide(
        self, email: EmailRecord, saved_here: set[str], threads: set[str], retry: bool = False
    ) -> Decision:
        return decide(
            email,
            is_blocked=self.blocklist.blocks,
            saved_here=saved_here,
            saved_threads=threads,
            auto_save=self.auto_save,  # type: ignore[arg-type]
            save_threads=self.settings.save_threads,
            retry=retry,
        )

    def _take(self, candidates: dict[str, Candidate], email: EmailRecord, decision: Decision) -> None:
        if decision.reason is None:
            self.report.skipped[decision.skip or "not_selected"] += 1
            return
        key = email.internet_message_id
        known = candidates.get(key)
        # The same email in two folders (or retried and read again): an explicit request wins over auto-save.
        if known is None or (known.needs_link and not decision.needs_link):
            candidates[key] = Candidate(email, decision.reason, decision.needs_link)

    def _saved_here(self, emails: Iterable[EmailRecord]) -> set[str]:
        ids = {e.internet_message_id for e in emails if e.internet_message_id}
        ids |= set(
            PendingEmail.objects.filter(mailbox=self.mailbox).values_list("internet_message_id", flat=True)
        )
        rows = SavedEmailMailbox.objects.filter(
            mailbox=self.mailbox, saved_email__internet_message_id__in=list(ids)
        ).exclude(saved_email__crm_id="")
        return set(rows.values_list("saved_email__internet_message_id", flat=True))

    def _conversation(self, conversation_id: str) -> list[EmailRecord]:
        """One read per thread per session."""
        if conversation_id not in self.conversations:
            self.conversations[conversation_id] = self.mail.read_conversation(conversation_id)
            self.report.threads_read += 1
        return self.conversations[conversation_id]

    def _retries(self, saved_here: set[str], threads: set[str]) -> dict[str, Candidate]:
        """Emails that failed in an earlier session, read again through their threads."""
        candidates: dict[str, Candidate] = {}
        gone: list[str] = []
        for pending in PendingEmail.objects.filter(mailbox=self.mailbox).order_by("pk"):
            found = [
                e
                for e in (self._conversation(pending.conversation_id) if pending.conversation_id else [])
                if e.internet_message_id == pending.internet_message_id and not e.is_draft
            ]
            if not found:
                gone.append(pending.internet_message_id)
                continue
            decision = self._decide(found[0], saved_here, threads, retry=True)
            if decision.reason is None:
                gone.append(pending.internet_message_id)
            else:
                self._take(candidates, found[0], decision)
        if gone:  # deleted meanwhile, or no longer to be saved: nothing left to retry
            PendingEmail.objects.filter(mailbox=self.mailbox, internet_message_id__in=gone).delete()
            issues_resolve_for_items(mailbox=self.mailbox, stream=STREAM, mail_ids=set(gone), crm_ids=set())
        return candidates

    # -- linking ------------------------------------------------------------------------------------------
    @staticmethod
    def _facts(email: EmailRecord) -> ItemFacts:
        return ItemFacts(
            sender=email.from_.address if email.from_ else "",
            to=tuple(a.address for a in email.to),
            cc=tuple(a.address for a in email.cc),
            bcc=tuple(a.address for a in email.bcc),
            subject=email.subject,
            body=email.text_body,
        )

    def _link(self, candidates: Iterable[Candidate]) -> None:
        """One initial search for all these emails, then the linker's choice per email."""
        todo = [c for c in candidates if c.links is None]
        if not todo:
            return
        today = self.now.date()
        found: Found = search_session(
            self.crm,
            [self._facts(c.email) for c in todo],
            user=self.user,
            is_blocked=self.blocklist.blocks,
            today=today,
            filters=self.filters,
        )
        for candidate in todo:
            candidate.links = link_item(
                self._facts(candidate.email),
                user=self.user,
                found=found,
                is_blocked=self.blocklist.blocks,
                today=today,
                filters=self.filters,
            )

    def _chosen(self, candidate: Candidate) -> bool:
        if not candidate.needs_link:
            return True
        assert candidate.links is not None
        if auto_track_satisfied(candidate.links, self.settings.auto_track):  # type: ignore[arg-type]
            return True
        self.report.skipped["not_linked"] += 1
        return False

    def _thread_emails(
        self,
        chosen: list[Candidate],
        candidates: dict[str, Candidate],
        saved_here: set[str],
        threads: set[str],
    ) -> list[Candidate]:
        """The other emails of threads that start being saved now (one conversation read per thread)."""
        if not self.settings.save_threads:
            return []
        new_threads = {c.email.conversation_id for c in chosen if c.email.conversation_id} - threads
        taken = {c.email.internet_message_id for c in chosen}
        extra: dict[str, Candidate] = {}
        local: dict[str, list[EmailRecord]] = {}
        for email in self.session_emails:
            local.setdefault(email.conversation_id, []).append(email)
        started_here = {c.email.conversation_id for c in chosen if self._starts_here(c.email)}
        for conversation_id in sorted(new_threads):
            # A thread whose first email arrived since the last session has all its emails in this read.
            members = local.get(conversation_id) if conversation_id in started_here else None
            for email in members if members is not None else self._conversation(conversation_id):
                key = email.internet_message_id
                if key in taken or key in extra or not thread_candidate(email):
                    continue
                decision = self._decide(email, saved_here, threads | new_threads)
                if decision.reason is None:
                    continue
                known = candidates.get(key)
                extra[key] = Candidate(email, "thread", links=known.links if known else None)
        for key in self._saved_here(c.email for c in extra.values()):  # saved before, outside this read
            self.report.skipped["already_saved"] += 1
            del extra[key]
        self._link(extra.values())
        return list(extra.values())

    def _link_threads(self, chosen: list[Candidate], threads: set[str]) -> None:
        """A thread's emails go to the business record its first saved email went to; a thread that
        starts being saved now takes that of its earliest email saved for another reason."""
        firsts = sorted(
            (c for c in chosen if c.reason != "thread" and c.email.conversation_id not in threads),
            key=lambda c: (c.email.received_at or c.email.sent_at, c.email.id),
        )
        for c in firsts:
            assert c.links is not None
            self.thread_what.setdefault(c.email.conversation_id, c.links.what_id)
        for c in chosen:
            what = self.thread_what.get(c.email.conversation_id, "")
            if c.reason == "thread" and what and c.links is not None and c.links.what_id != what:
                c.links = replace(c.links, what_id=what, reason="the thread's record")

    def _starts_here(self, email: EmailRecord) -> bool:
        """The email opens its thread (Outlook's conversation index is a bare 22-byte header) and was read
        in full or arrived after the folder's last read: any reply came later, so it is in this read too."""
        if len(_decoded(email.conversation_index)) != ROOT_INDEX_BYTES or email.folder not in (
            "inbox",
            "sent",
        ):
            return False
        if email.folder in self.fresh:
            return True
        since = self.read_since.get(email.folder)
        return since is not None and bool(email.received_at) and email.received_at >= _stamp(since)

    # -- saving -------------------------------------------------------------------------------------------
    def _save(self, chosen: list[Candidate]) -> None:
        ledger = {
            row.internet_message_id: row
            for row in SavedEmail.objects.filter(
                organization_id=self.mailbox.organization_id,
                internet_message_id__in=[c.email.internet_message_id for c in chosen],
            )
        }
        key_field = self.crm.config.sync_key_field
        for start in range(0, len(chosen), COLLECTION_LIMIT):
            try:
                self._save_chunk(chosen[start : start + COLLECTION_LIMIT], ledger)
            except ConnectorError as error:
                if error.code != "INVALID_FIELD" or key_field not in error.message:
                    raise
                raise ConnectorError(  # the one-time set-up is missing: say what to add, and where
                    f"Salesforce has no field {key_field} on the object emails are saved as. An admin adds "
                    f"it (Text(80), External ID, Unique) to EmailMessage (or Task, when emails are saved as "
                    f"Tasks); until then no email is saved, and none is lost. ({error.message})",
                    permanent=True,
                    code="EMAIL_KEY_FIELD_MISSING",
                ) from error

    def _target(self, candidate: Candidate, ledger: dict[str, SavedEmail]) -> str:
        row = ledger.get(candidate.email.internet_message_id)
        if row is not None and row.crm_id:
            return row.crm_object  # saved before (maybe under another setting): that record it stays
        return "Task" if self.settings.save_as == SaveAs.TASK else "EmailMessage"

    def _save_chunk(self, chunk: list[Candidate], ledger: dict[str, SavedEmail]) -> None:
        targets = {c.email.internet_message_id: self._target(c, ledger) for c in chunk}
        self._intents(chunk, targets, ledger)
        files = self._attachments(
            [c for c in chunk if targets[c.email.internet_message_id] == "EmailMessage"]
        )
        messages: list[EmailToSave] = []
        tasks: list[EmailTaskToSave] = []
        for c in chunk:
            assert c.links is not None
            if targets[c.email.internet_message_id] == "Task":
                tasks.append(task_to_save(c.email, c.links, own=self.addresses))
            else:
                attachments = files.get(c.email.id, [])
                messages.append(email_to_save(c.email, c.links, own=self.addresses, attachments=attachments))
        results: dict[str, SaveResult] = {}
        if messages:
            limit = self.settings.max_attachment_bytes
            results.update(
                {r.sync_key: r for r in save_email_messages(self.crm, messages, max_attachment_bytes=limit)}
            )
        if tasks:
            results.update({r.sync_key: r for r in save_email_tasks(self.crm, tasks)})
        self._commit_saves(chunk, targets, results, ledger)

    def _intents(
        self, chunk: list[Candidate], targets: dict[str, str], ledger: dict[str, SavedEmail]
    ) -> None:
        """Ledger rows before the Salesforce write: the record to be (no id yet)."""
        new = [
            SavedEmail(
                organization_id=self.mailbox.organization_id,
                internet_message_id=c.email.internet_message_id,
                sync_key=sync_key(c.email.internet_message_id),
                crm_object=targets[c.email.internet_message_id],
                subject=c.email.subject[:300],
                conversation_id=c.email.conversation_id[:512],
            )
            for c in chunk
            if c.email.internet_message_id not in ledger
        ]
        if not new:
            return
        SavedEmail.objects.bulk_create(new, ignore_conflicts=True)  # another mailbox may be saving it too
        for row in SavedEmail.objects.filter(
            organization_id=self.mailbox.organization_id,
            internet_message_id__in=[r.internet_message_id for r in new],
        ):
            ledger[row.internet_message_id] = row

    def _attachments(self, chunk: list[Candidate]) -> dict[str, list[Attachment]]:
        """Files of at most the org's size limit, in ``$batch``; larger ones are noted, not saved."""
        if not self.settings.save_attachments:
            return {}
        ids = [c.email.id for c in chunk if c.email.has_attachments]
        if not ids:
            return {}
        found = self.mail.read_attachments(ids, max_bytes=self.settings.max_attachment_bytes)
        out: dict[str, list[Attachment]] = {}
        for message_id, files in found.items():
            out[message_id] = [
                Attachment(f.name or "attachment", f.content) for f in files if f.content is not None
            ]
            for skipped in (f for f in files if f.skipped == "too_large"):
                log.info("mailbox %s: %s not saved: over the size limit", self.mailbox.pk, skipped.name)
                self.report.files_too_large += 1
        return out

    @transaction.atomic
    def _commit_saves(
        self,
        chunk: list[Candidate],
        targets: dict[str, str],
        results: dict[str, SaveResult],
        ledger: dict[str, SavedEmail],
    ) -> None:
        now = timezone.now()
        done: list[SavedEmail] = []
        savers: list[SavedEmailMailbox] = []
        threads: set[str] = set()
        failed: list[tuple[Candidate, SaveResult]] = []
        for c in chunk:
            key = c.email.internet_message_id
            result = results[sync_key(key)]
            if not result.ok:
                failed.append((c, result))
                continue
            row = ledger[key]
            row.crm_id, row.crm_object, row.saved_at = result.id, targets[key], row.saved_at or now
            done.append(row)
            savers.append(
                SavedEmailMailbox(saved_email=row, mailbox=self.mailbox, mail_id=c.email.id, reason=c.reason)
            )
            if c.email.conversation_id:
                threads.add(c.email.conversation_id[:512])
            self.saved_now.add(key)
            self.report.saved += 1
            self.report.created += bool(result.created)
            self.report.reasons[c.reason] += 1
            if result.problems:
                self._issue(
                    c, "EMAIL_PARTLY_SAVED", "; ".join(result.problems), retry=False, crm_id=result.id
                )
        SavedEmail.objects.bulk_update(done, ["crm_id", "crm_object", "saved_at"])
        SavedEmailMailbox.objects.bulk_create(savers, ignore_conflicts=True)
        if self.settings.save_threads and threads:
            SavedThread.objects.bulk_create(
                [
                    SavedThread(mailbox=self.mailbox, conversation_id=t, what_id=self.thread_what.get(t, ""))
                    for t in threads
                ],
                ignore_conflicts=True,
            )
        saved_ids = {c.email.internet_message_id for c in chunk} - {
            c.email.internet_message_id for c, _ in failed
        }
        if saved_ids:
            PendingEmail.objects.filter(mailbox=self.mailbox, internet_message_id__in=saved_ids).delete()
            issues_resolve_for_items(mailbox=self.mailbox, stream=STREAM, mail_ids=saved_ids, crm_ids=set())
        for c, result in failed:
            self._pending(c, result.message)
            self._issue(c, result.code or "EMAIL_NOT_SAVED", result.message, retry=True)
            self.report.failed += 1

    def _pending(self, candidate: Candidate, error: str) -> None:
        email = candidate.email
        row, made = PendingEmail.objects.get_or_create(
            mailbox=self.mailbox,
            internet_message_id=email.internet_message_id,
            defaults={
                "conversation_id": email.conversation_id[:512],
                "mail_id": email.id,
                "reason": candidate.reason,
                "last_error": error,
            },
        )
        if not made:
            PendingEmail.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=error, mail_id=email.id, updated_at=timezone.now()
            )

    def _issue(self, candidate: Candidate, code: str, problem: str, *, retry: bool, crm_id: str = "") -> None:
        email = candidate.email
        subject = email.subject or "(no subject)"
        if retry:
            message = (
                f"The email “{subject}” could not be saved to Salesforce: {problem or 'no reason given'}. "
                "The next session tries again."
            )
        else:
            message = f"The email “{subject}” was saved to Salesforce, but not completely: {problem}"
        issue_record(
            mailbox=self.mailbox,
            session=self.session,
            stream=STREAM,
            code=code,
            message=message,
            mail_id=email.internet_message_id[:512],
            crm_id=crm_id,
            label=subject,
            details={"pending": True, "reason": candidate.reason} if retry else {"reason": candidate.reason},
        )
        self.report.issues += 1

    # -- the mailbox side ---------------------------------------------------------------------------------
    def _tag_and_move(self, chosen: list[Candidate], emails: list[EmailRecord], saved_here: set[str]) -> None:
        """Saved emails get the "Salesforce" category (put back if it was taken off), and emails of the
        Salesforce folder go back to Inbox or Sent Items (the reference)."""
        done = self.saved_now | saved_here
        seen: dict[str, EmailRecord] = {}
        for email in [*emails, *(c.email for c in chosen)]:
            if not email.removed and email.internet_message_id in done and email.folder in FOLDERS:
                seen.setdefault(email.id, email)
        tags = [
            (e.id, [*e.categories, SALESFORCE_CATEGORY])
            for e in seen.values()
            if self.settings.tag_saved and not e.has_category(SALESFORCE_CATEGORY)
        ]
        moves = [
            (e.id, "sentitems" if self._outgoing(e) else "inbox")
            for e in seen.values()
            if e.folder == "salesforce"
        ]
        if tags:
            self.mail.ensure_mail_category(SALESFORCE_CATEGORY)
            results = self.mail.set_email_categories(tags)
            self.report.tagged += sum(r.ok for r in results)
        if moves:
            results = self.mail.move_emails(moves)
            self.report.moved += sum(r.ok for r in results)

    def _outgoing(self, email: EmailRecord) -> bool:
        return bool(email.from_) and email.from_.address in self.addresses  # type: ignore[union-attr]

    # -- cursors ------------------------------------------------------------------------------------------
    def _cursor(self, role: FolderRole) -> str:
        row = SyncCursor.objects.filter(
            mailbox=self.mailbox, stream=CURSOR_STREAMS[role], side=CURSOR_SIDE
        ).first()
        if row is None:
            return ""
        # The previous read began before its cursor was stored, on another clock: hence the slack.
        self.read_since[role] = row.updated_at - CURSOR_SLACK
        return row.value

    def _commit_cursors(self, cursors: dict[FolderRole, str]) -> None:
        now = timezone.now()
        with transaction.atomic():
            for role, value in cursors.items():
                SyncCursor.objects.update_or_create(
                    mailbox=self.mailbox,
                    stream=CURSOR_STREAMS[role],
                    side=CURSOR_SIDE,
                    defaults={"value": value, "updated_at": now},
                )
