"""The words of each notification: what happened and what to do (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def suspended_message(*, address: str, reason: str, advice: str, link: str) -> Message:
    return Message(
        f"Sync suspended for {address}",
        f"Syncing of {address} with Salesforce has stopped.\n\n"
        f"Why: {reason}\n\nWhat to do: {advice or 'Resume it once the cause is fixed.'}\n\n"
        f"Nothing is lost: the mailbox resumes where it stopped, and nothing is synced twice.\n\n{link}\n",
    )


def failing_message(*, address: str, failures: int, error: str, advice: str, link: str) -> Message:
    return Message(
        f"Sync of {address} has failed {failures} times in a row",
        f"The last {failures} sync sessions of {address} failed.\n\nThe last error: {error}\n\n"
        f"What to do: {advice or 'Nothing yet: the engine keeps trying, less often while it lasts.'}\n\n"
        f"{link}\n",
    )


def expiring_message(*, service: str, who: str, ends: datetime, why: str, stops: str, link: str) -> Message:
    """``who``: the mailbox's address, or the person's Salesforce username."""
    return Message(
        f"The {service} sign-in for {who} ends on {ends:%d %B}: sign in again to keep syncing",
        f"The sync signs in to {service} as {who}; that sign-in ends on {ends:%d %B %Y at %H:%M} (UTC).\n\n"
        f"Why: {why}\n\nWhat stops then: {stops}\n\n"
        f"What to do: sign in again before then, on this page (it takes a minute; nothing is lost "
        f"and nothing is synced twice):\n{link}\n",
    )


@dataclass(frozen=True)
class DigestLine:
    address: str
    state: str
    why: str


def digest_message(
    *,
    organization: str,
    sessions: int,
    failed: int,
    open_issues: int,
    attention: Sequence[DigestLine],
    link: str,
) -> Message:
    lines = "\n".join(f"- {a.address}: {a.state}. {a.why}".rstrip() for a in attention)
    broken = (
        f"Mailboxes that need attention ({len(attention)}):\n{lines}"
        if attention
        else "Every mailbox is syncing."
    )
    return Message(
        f"Sync digest for {organization}: {len(attention)} mailbox(es) need attention",
        f"In the last 24 hours: {sessions} sessions, {failed} failed; {open_issues} open item issues.\n\n"
        f"{broken}\n\n{link}\n",
    )
