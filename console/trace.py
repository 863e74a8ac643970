"""Item trace: find any item of an organization by what a person knows of it (a subject, an
attendee's address, a mail id, a Salesforce id, an iCalUId, an InternetMessageId, our sync key) and
tell its story across sessions from the journal, the pair, the issues and the saved emails. An email
is found by its Message-ID, subject, a participant's address or its mail id whether it was saved or
not: the email step journals what it decided (emails/journal.py), under the email's sync key.

Reads only; every query is scoped to the organization's mailboxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from autoresolve.models import CreatedRecord
from connectors.weblinks import WebLink, salesforce_record_link
from emails.fields import sync_key as email_sync_key
from emails.models import SavedEmail
from syncengine.core.journal import EMAIL_GAVE_UP, FAILED, LEFT_OUT, WHAT_HAPPENED
from syncengine.core.records import make_sync_key
from syncengine.models import (
    ItemPair,
    JournalEntry,
    Mailbox,
    MeetingRoster,
    Organization,
    SalesforceConnection,
    SyncIssue,
)
from syncengine.services.item_links import item_links

MOST_ITEMS = 25  # items one search shows; a narrower search finds the rest
MOST_ENTRIES = 60  # of one item's timeline, newest first
EMAILS = "emails"


@dataclass(frozen=True)
class MadeForIt:
    """A Lead or Contact the engine made (autoresolving), with where to open it."""

    record: CreatedRecord
    link: WebLink | None


@dataclass
class TracedItem:
    mailbox: Mailbox
    stream: str
    sync_key: str
    mail_id: str = ""
    crm_object: str = ""
    crm_id: str = ""
    label: str = ""
    message_id: str = ""  # an email's InternetMessageId (its issues are filed under it)
    pair: ItemPair | None = None
    entries: list[JournalEntry] = field(default_factory=list)
    issues: list[SyncIssue] = field(default_factory=list)
    links: list[WebLink] = field(default_factory=list)
    people_made: list[MadeForIt] = field(default_factory=list)  # records autoresolving made for it

    @property
    def key(self) -> str:
        return self.sync_key or f"mail:{self.mail_id}"

    @property
    def state(self) -> str:
        if self.stream == EMAILS:
            return self._email_state()
        if self.pair is not None:
            if self.pair.tombstone:
                return f"Deleted on one side ({self.pair.tombstone}); the deletion is being settled"
            return f"Synced with {self.pair.crm_object} {self.pair.crm_id}".strip()
        if any(e.what == "left_out" for e in self.entries[:1]):
            return "Not synced: left out by the sync's scope"
        return "Not synced now"

    def _email_state(self) -> str:
        if self.crm_id:
            return f"Saved to Salesforce as {self.crm_object or 'a record'} {self.crm_id}"
        latest = self.entries[0] if self.entries else None
        if latest is not None and latest.what == LEFT_OUT:
            return f"Not saved to Salesforce: {latest.message}"
        if latest is not None and latest.what == FAILED:
            return "Not saved yet: the next session tries again"
        if latest is not None and latest.what == EMAIL_GAVE_UP:
            return "Not saved: no longer tried until it is filed again (its issue says what to do)"
        return "Not saved to Salesforce"


def what_happened(entry: JournalEntry) -> str:
    return WHAT_HAPPENED.get(entry.what, entry.what)


def _id_forms(text: str) -> list[str]:
    """A Salesforce id is matched in its 15- and 18-character forms."""
    forms = [text]
    if len(text) == 18 and text.isalnum():
        forms.append(text[:15])
    return forms


def trace_find(*, organization: Organization, query: str) -> list[TracedItem]:
    text = query.strip()
    if len(text) < 2:
        return []
    mailboxes = Mailbox.objects.filter(organization=organization)
    ids = _id_forms(text)
    shared_key = make_sync_key("shared", f"org:{organization.pk}:{text}")  # a meeting's iCalUId
    by_id = Q(sync_key__in=[text, shared_key, email_sync_key(text)]) | Q(mail_id=text) | Q(crm_id__in=ids)
    if len(text) == 15 and text.isalnum():  # a 15-character id names the 18-character one we store
        by_id |= Q(crm_id__startswith=text)
    pairs = ItemPair.objects.filter(by_id, mailbox__in=mailboxes)
    entries = JournalEntry.objects.filter(by_id | Q(item_label__icontains=text), mailbox__in=mailboxes)
    if "@" in text:  # an address (or a Message-ID): the emails naming it, saved or not
        entries = entries | JournalEntry.objects.filter(pk__in=_emails_naming(mailboxes, text))
    issues = SyncIssue.objects.filter(
        Q(mail_id=text) | Q(crm_id__in=ids) | Q(item_label__icontains=text), mailbox__in=mailboxes
    )
    # An attendee's address: the meetings whose roster names them.
    roster_keys = list(
        MeetingRoster.objects.filter(mailbox__in=mailboxes)
        .annotate(text=Cast("attendees", TextField()))
        .filter(Q(text__icontains=text) | Q(organizer__iexact=text))
        .values_list("mailbox_id", "sync_key")[:MOST_ITEMS]
    )
    keys: dict[tuple[int, str, str], TracedItem] = {}
    mail_keys: dict[tuple[int, str], str] = {}  # (mailbox, mail id) -> sync key, to join left-out entries
    boxes = {m.pk: m for m in mailboxes}

    def item(mailbox_id: int, stream: str, sync_key: str, mail_id: str) -> TracedItem:
        if not sync_key and mail_id:
            sync_key = mail_keys.get((mailbox_id, mail_id), "")
        key = (mailbox_id, stream, sync_key or f"mail:{mail_id}")
        if key not in keys:
            keys[key] = TracedItem(boxes[mailbox_id], stream, sync_key, mail_id=mail_id)
        return keys[key]

    found_pairs = list(pairs[:MOST_ITEMS])
    if roster_keys:
        found_pairs += list(ItemPair.objects.filter(_roster_pairs(roster_keys), mailbox__in=mailboxes))
    for pair in found_pairs:
        mail_keys[(pair.mailbox_id, pair.mail_id)] = pair.sync_key
        traced = item(pair.mailbox_id, pair.stream, pair.sync_key, pair.mail_id)
        traced.pair = pair
    for entry in entries.order_by("-at", "-pk")[: MOST_ITEMS * 4]:
        if entry.sync_key and entry.mail_id:
            mail_keys.setdefault((entry.mailbox_id, entry.mail_id), entry.sync_key)
        item(entry.mailbox_id, entry.stream, entry.sync_key, entry.mail_id)
    for issue in issues.order_by("-last_seen_at")[:MOST_ITEMS]:
        sync_key = mail_keys.get((issue.mailbox_id, issue.mail_id), "")
        if issue.stream == EMAILS and issue.mail_id:  # an email's issue names its InternetMessageId
            sync_key = email_sync_key(issue.mail_id)
        traced = item(issue.mailbox_id, issue.stream, sync_key, issue.mail_id or f"crm:{issue.crm_id}")
        traced.issues.append(issue)
    found = list(keys.values())[:MOST_ITEMS]
    _fill(organization, found)
    return found + _saved_emails(organization, text, already={t.sync_key for t in found})


def _emails_naming(mailboxes: QuerySet[Mailbox], text: str) -> list[int]:
    """The email entries whose participants (or Message-ID) hold this text, newest first."""
    return list(
        JournalEntry.objects.filter(mailbox__in=mailboxes, stream=EMAILS)
        .annotate(text=Cast("details", TextField()))
        .filter(text__icontains=text)
        .order_by("-at", "-pk")
        .values_list("pk", flat=True)[: MOST_ITEMS * 4]
    )


def _roster_pairs(roster_keys: list[tuple[int, str]]) -> Q:
    q = Q(pk__in=[])
    for mailbox_id, sync_key in roster_keys:
        q |= Q(mailbox_id=mailbox_id, sync_key=sync_key)
    return q


def _fill(organization: Organization, found: list[TracedItem]) -> None:
    """Each item's whole timeline, its pair and open issues, its links."""
    instance = _instance_urls(organization)
    for traced in found:
        timeline: QuerySet[JournalEntry] = JournalEntry.objects.filter(
            mailbox=traced.mailbox, stream=traced.stream
        )
        match = Q(sync_key=traced.sync_key) if traced.sync_key else Q(pk__in=[])
        if traced.mail_id and not traced.mail_id.startswith("crm:"):
            match |= Q(mail_id=traced.mail_id)
        traced.entries = list(timeline.filter(match).select_related("session")[:MOST_ENTRIES])
        if traced.pair is None and traced.sync_key:
            traced.pair = ItemPair.objects.filter(
                mailbox=traced.mailbox, stream=traced.stream, sync_key=traced.sync_key
            ).first()
        pair = traced.pair
        if pair is not None:
            traced.mail_id, traced.crm_object, traced.crm_id = pair.mail_id, pair.crm_object, pair.crm_id
        for entry in traced.entries:
            traced.label = traced.label or entry.item_label
            traced.crm_id = traced.crm_id or entry.crm_id
            traced.crm_object = traced.crm_object or entry.crm_object
            traced.message_id = traced.message_id or str((entry.details or {}).get("internet_message_id", ""))
        if traced.stream == EMAILS and traced.entries:  # the newest mail id: a moved email gets a new one
            traced.mail_id = traced.entries[0].mail_id or traced.mail_id
        if not traced.issues:
            issue_match = Q(mail_id=traced.mail_id) if traced.mail_id else Q(pk__in=[])
            if traced.message_id:
                issue_match |= Q(mail_id=traced.message_id[:512])
            if traced.crm_id:
                issue_match |= Q(crm_id=traced.crm_id)
            traced.issues = list(
                SyncIssue.objects.filter(issue_match, mailbox=traced.mailbox, stream=traced.stream)[:10]
            )
        for issue in traced.issues:
            traced.label = traced.label or issue.item_label
        traced.links = _links(traced, instance.get(traced.mailbox.owner_id, ""))
        traced.people_made = _made_for(traced, instance.get(traced.mailbox.owner_id, ""))


def _made_for(traced: TracedItem, instance_url: str) -> list[MadeForIt]:
    """The people autoresolving made for this email or meeting: in its mailbox, from its subject."""
    if not traced.label or traced.stream not in (EMAILS, "events"):
        return []
    source = f"{'email' if traced.stream == EMAILS else 'meeting'} '{traced.label[:200]}'"
    rows = CreatedRecord.objects.filter(mailbox=traced.mailbox, source=source).select_related("mailbox")[
        :MOST_ITEMS
    ]
    return [_made(row, instance_url) for row in rows]


def _made(row: CreatedRecord, instance_url: str) -> MadeForIt:
    link = None
    if row.record_id and not row.undone_at:
        crm_object = "Account" if row.sobject == "PersonAccount" else row.sobject
        link = salesforce_record_link(instance_url=instance_url, crm_object=crm_object, crm_id=row.record_id)
    return MadeForIt(row, link)


def people_made_matching(*, organization: Organization, query: str) -> list[MadeForIt]:
    """The records autoresolving made that a search names: by the person's address, the record's or its
    Account's id, or the email or meeting that met them."""
    text = query.strip()
    if len(text) < 2:
        return []
    ids = _id_forms(text)
    by_id = Q(record_id__in=ids) | Q(account_id__in=ids) | Q(converted_from__in=ids)
    if len(text) == 15 and text.isalnum():  # a 15-character id names the 18-character one we keep
        by_id |= Q(record_id__startswith=text) | Q(account_id__startswith=text)
    rows = CreatedRecord.objects.filter(organization=organization).filter(
        Q(address__iexact=text) | by_id | Q(source__icontains=text)
    )
    instance = _instance_urls(organization)
    return [
        _made(row, instance.get(row.mailbox.owner_id, "") if row.mailbox else "")
        for row in rows.select_related("mailbox")[:MOST_ITEMS]
    ]


def _instance_urls(organization: Organization) -> dict[int, str]:
    return dict(
        SalesforceConnection.objects.filter(organization=organization).values_list("user_id", "instance_url")
    )


def _links(traced: TracedItem, instance_url: str) -> list[WebLink]:
    return item_links(
        mailbox=traced.mailbox,
        stream=traced.stream,
        mail_id="" if traced.mail_id.startswith("crm:") else traced.mail_id,
        crm_object=traced.crm_object,
        crm_id=traced.crm_id,
        instance_url=instance_url,
    )


def _saved_emails(organization: Organization, text: str, *, already: set[str]) -> list[TracedItem]:
    """Emails saved once for the organization, found by InternetMessageId, subject or Salesforce id."""
    rows = (
        SavedEmail.objects.filter(organization=organization)
        .filter(Q(internet_message_id=text) | Q(subject__icontains=text) | Q(crm_id__in=_id_forms(text)))
        .exclude(sync_key__in=already)
        .prefetch_related("savers__mailbox")[:MOST_ITEMS]
    )
    instance = _instance_urls(organization)
    found = []
    for saved in rows:
        saver = saved.savers.first()
        if saver is None:
            continue
        traced = TracedItem(
            saver.mailbox,
            EMAILS,
            saved.sync_key,
            mail_id=saver.mail_id,
            crm_object=saved.crm_object,
            crm_id=saved.crm_id,
            label=saved.subject,
            message_id=saved.internet_message_id,
        )
        traced.entries = list(
            JournalEntry.objects.filter(
                mailbox__organization=organization, stream=EMAILS, sync_key=saved.sync_key
            ).select_related("session")[:MOST_ENTRIES]
        )
        traced.issues = list(
            SyncIssue.objects.filter(
                mailbox__organization=organization, stream=EMAILS, mail_id=saved.internet_message_id
            )[:10]
        )
        traced.links = _links(traced, instance.get(saver.mailbox.owner_id, ""))
        found.append(traced)
    return found
