"""Which emails to save, and why (pure: no Django, no connector).

The rules, from the reference ("Saving Emails in Salesforce", "Autosaving Patterns", "Save All Emails in
a Thread"):

- Only Inbox, Sent Items and the "Salesforce emails" folder are handled; a category on an email in any
  other folder does nothing, and threads are saved from Inbox and Sent Items only.
- Never saved: drafts; emails none of whose participants is left once internal addresses and domains and
  the blocklists are taken out ("at least one non-internal/blocklisted address" makes an email saveable).
  That holds for every way of saving, the category and the folder included.
- Saved on request: the "Salesforce" category, or the email put in the "Salesforce emails" folder.
- Saved by auto-save: incoming (Inbox) and/or outgoing (Sent Items) per the mailbox's setting, and only
  when the linker found what the org's auto-track mode waits for (a Contact or Lead by default).
- Saved as part of a thread: once one email of a conversation is saved, its other emails are too.
- Saved once: an email this mailbox already saved is never written again (later edits of the mail item,
  our own category tag coming back in the next delta, a move back from the Salesforce folder).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from syncengine.core.email_records import EmailRecord
from syncengine.core.linking import Links, domain_of
from syncengine.core.scope import SALESFORCE_CATEGORY

Reason = Literal["folder", "category", "thread", "auto", "retry", "resave"]
AutoSaveMode = Literal["off", "inbound", "outbound", "both"]
# The reference's SalesforceEmailAutoTrackMode: people = General (0), forced = Forced (1), smart = Smart
# (2), records = Useful (3); all saves every email with someone from outside.
AutoTrackMode = Literal["people", "forced", "smart", "records", "all"]
# The modes that save emails whose people are unknown to Salesforce, for autoresolving to make them.
MAKES_PEOPLE: frozenset[str] = frozenset({"forced", "smart"})
# Why an email is left alone (counted per session, for the dashboard and the logs).
Skip = Literal[
    "removed",
    "draft",
    "other_folder",
    "no_message_id",
    "internal_or_blocked",
    "already_saved",
    "not_selected",
    "not_linked",
]


@dataclass(frozen=True)
class Decision:
    """``reason`` when the email is (a candidate) to save; ``skip`` otherwise."""

    reason: Reason | None = None
    skip: Skip | None = None
    needs_link: bool = False  # auto-save: saved only if the linker resolves what auto-track waits for


def outside_participants(email: EmailRecord, is_blocked: Callable[[str], bool]) -> list[str]:
    """The participants no layer blocks (internal domains and addresses, the user's own, blocklists)."""
    return [a for a in email.addresses() if not is_blocked(a)]


def auto_save_applies(email: EmailRecord, mode: AutoSaveMode) -> bool:
    if email.folder == "inbox":
        return mode in ("inbound", "both")
    if email.folder == "sent":
        return mode in ("outbound", "both")
    return False


def decide(
    email: EmailRecord,
    *,
    is_blocked: Callable[[str], bool],
    saved_here: Collection[str],
    saved_threads: Collection[str],
    auto_save: AutoSaveMode,
    save_threads: bool,
    retry: bool = False,
) -> Decision:
    """What to do with one email read from a folder (``saved_here``: the InternetMessageIds this mailbox
    already saved; ``saved_threads``: the conversations being saved whole)."""
    if email.removed:
        return Decision(skip="removed")
    if email.is_draft:
        return Decision(skip="draft")
    if email.folder not in ("inbox", "sent", "salesforce"):
        return Decision(skip="other_folder")
    if not email.internet_message_id:
        return Decision(skip="no_message_id")  # nothing to key "saved once" on
    if email.internet_message_id in saved_here:
        # Put in the Salesforce folder again: an explicit re-save, which updates the saved email
        # (relations to people who are Contacts or Leads by now, files) and never makes a second one.
        if email.folder == "salesforce" and not retry:
            return Decision(reason="resave")
        return Decision(skip="already_saved")
    if not outside_participants(email, is_blocked):
        return Decision(skip="internal_or_blocked")
    if retry:
        return Decision(reason="retry")
    if email.folder == "salesforce":
        return Decision(reason="folder")
    if email.has_category(SALESFORCE_CATEGORY):
        return Decision(reason="category")
    if save_threads and email.conversation_id and email.conversation_id in saved_threads:
        return Decision(reason="thread")
    if auto_save_applies(email, auto_save):
        return Decision(reason="auto", needs_link=True)
    return Decision(skip="not_selected")


def auto_track_satisfied(
    links: Links, mode: AutoTrackMode, known_domains: frozenset[str] = frozenset()
) -> bool:
    """Whether auto-save may save an email the linker resolved to ``links``. ``known_domains``: the
    domains an Account's website has (Smart)."""
    if mode == "all" or links.resolved:
        return True
    if mode == "records":
        return bool(links.what_id)
    strangers = [p.address for p in links.people if not p.record_id]  # not blocked, not internal
    if mode == "forced":
        return bool(strangers)
    if mode == "smart":
        return any(domain_of(address) in known_domains for address in strangers)
    return False


def thread_candidate(email: EmailRecord) -> bool:
    """An email of a saved thread is saved from Inbox and Sent Items only (the reference)."""
    return email.folder in ("inbox", "sent") and not email.is_draft and not email.removed
