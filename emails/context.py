"""What one run of the email stream shares between its steps: the mailbox, its connectors, the org's
settings, the report, and what the session has read so far (one conversation read per thread, capped)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from connectors.base import EmailReader
from connectors.salesforce.connector import SalesforceConnector
from emails.models import EmailSettings, MailboxEmailSettings
from syncengine.core.email_journal import SaveOutcome
from syncengine.core.email_records import EmailRecord, FolderRole
from syncengine.core.email_rules import MAKES_PEOPLE
from syncengine.core.linking import LinkFilters, LinkUser
from syncengine.extensions import link_filters_for, people_making_enabled, people_rules_for
from syncengine.models import Mailbox, SyncSession
from syncengine.services.leases import Lease
from syncengine.services.retries import RetryItem

STREAM = "emails"
FOLDERS: tuple[FolderRole, ...] = ("inbox", "sent", "salesforce")
# Conversation reads per session: a backfill on activation (or many retries) could otherwise mean hundreds
# of calls in one session. Threads over the cap are read in the next sessions (SavedThread.complete,
# the retry ledger), so none is lost, only later.
MAX_THREAD_READS = 50


class MailboxMail(EmailReader, Protocol):
    """What the stream needs of a mail connector (Graph today; EWS and Gmail implement the same): the
    engine's email contract (connectors.base.EmailReader), and the count of calls it made."""

    calls: int


@dataclass
class EmailReport:
    """What the session did with emails (stored under ``SyncSession.counts["emails"]``)."""

    read: int = 0
    saved: int = 0  # emails this mailbox saved (new records, or its relations added to an existing one)
    created: int = 0  # of those, records new in Salesforce
    failed: int = 0
    given_up: int = 0  # failed for good (a permanent error, or too many attempts): an issue says what to do
    tagged: int = 0
    moved: int = 0
    threads_read: int = 0
    threads_later: int = 0  # threads (or retries) left for the next session: over MAX_THREAD_READS
    files_too_large: int = 0  # attachments over the org's size limit, left out (the email is saved)
    reasons: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    issues: int = 0

    def as_dict(self) -> dict[str, dict[str, int]]:
        """In the engine's shape, {direction: {what: count}}, which the dashboard lists as it is."""
        return {
            "to_crm": {
                "saved": self.saved,
                "created": self.created,
                "failed": self.failed,
                "given_up": self.given_up,
            },
            "to_mail": {"tagged": self.tagged, "moved": self.moved},
            "read": {
                "emails": self.read,
                "threads": self.threads_read,
                "threads_later": self.threads_later,
                "files_too_large": self.files_too_large,
            },
            "saved because": dict(self.reasons),
            "left alone": dict(self.skipped),
        }


class StreamContext:
    """The state of one run: what the gather, save and mailbox steps share (the decisions are the plan's,
    syncengine/core/email_plan.py)."""

    def __init__(
        self,
        *,
        mailbox: Mailbox,
        lease: Lease,
        session: SyncSession | None,
        mail: MailboxMail,
        crm: SalesforceConnector,
        now: datetime,
        settings: EmailSettings,
        own: MailboxEmailSettings,
    ) -> None:
        self.mailbox = mailbox
        self.lease = lease  # fences each commit of the stream (syncengine/services/leases.py)
        self.session = session
        self.mail = mail
        self.crm = crm
        self.now = now
        self.settings = settings
        self.auto_save = own.auto_save
        self.report = EmailReport()
        self.addresses = frozenset({mailbox.address.lower()})
        self.user = LinkUser(crm.user_id, self.addresses)
        # Forced and Smart rely on autoresolving: without it they are General (the form says so too).
        self.auto_track = settings.auto_track
        if self.auto_track in MAKES_PEOPLE and not people_making_enabled(mailbox.organization):
            self.auto_track = "people"
        self.filters: LinkFilters = link_filters_for(mailbox)
        # Smart looks the strangers' companies up by website, whatever the org's link filters say;
        # the emails link by those filters all the same.
        smart = self.auto_track == "smart"
        self.search_filters = replace(self.filters, account_by_domain=True) if smart else self.filters
        self.is_blocked = people_rules_for(mailbox).blocked
        self.conversations: dict[str, tuple[EmailRecord, ...]] = {}
        self.waiting: dict[str, RetryItem] = {}  # emails to retry, by InternetMessageId (the retry ledger)
        self.saved_now: set[str] = set()  # InternetMessageIds this session saved
        self.outcomes: dict[str, SaveOutcome] = {}  # what came of each write, by InternetMessageId (journal)

    def issue_of(self, message_id: str, subject: str) -> dict[str, Any]:
        """What every issue about one email of this run says of it (an email's issue is keyed on its
        InternetMessageId, so nothing is lost whatever happens to the mail item)."""
        return {
            "mailbox": self.mailbox,
            "session": self.session,
            "stream": STREAM,
            "mail_id": message_id[:512],
            "label": subject or "(no subject)",
        }

    def conversation(self, conversation_id: str) -> tuple[EmailRecord, ...] | None:
        """One read per thread per session; None once the session's MAX_THREAD_READS are spent."""
        if conversation_id not in self.conversations:
            if self.report.threads_read >= MAX_THREAD_READS:
                self.report.threads_later += 1
                return None
            self.conversations[conversation_id] = tuple(self.mail.read_conversation(conversation_id))
            self.report.threads_read += 1
        return self.conversations[conversation_id]
