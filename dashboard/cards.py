"""One mailbox's card on the dashboard, as data: the page renders every card, and the live refresh
asks for one card again (its parts are swapped in where nobody is typing, static/js/live.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.forms import AutoSaveForm
from dashboard.history_chart import history_chart
from dashboard.issue_rows import issue_rows
from dashboard.mailbox_state import mailbox_state
from dashboard.session_items import SessionItem, session_items
from onboarding.selectors import is_org_wide, mailbox_needs_reconnect
from syncengine import selectors
from syncengine.core.code_words import words_for
from syncengine.models import Mailbox, Outcome, SyncSession, SyncSettings
from syncengine.services.failures import Advice, cause_advice
from syncengine.services.mailboxes import force_sync_next_at
from syncengine.services.streams import sync_settings_for, unsupported_streams


@dataclass(frozen=True)
class StreamProgress:
    stream: str
    done: int
    found: int
    first: bool


@dataclass(frozen=True)
class Progress:
    """How far the latest session got, stream by stream; ``running``: it is still going."""

    running: bool
    streams: list[StreamProgress]


@dataclass(frozen=True)
class SessionRow:
    session: SyncSession
    items: list[SessionItem]
    error_words: str  # why it failed, in words ("" when it did not, or gave no code)


def session_rows(mailbox: Mailbox, sessions: list[SyncSession]) -> list[SessionRow]:
    """Each session with its items by name and its error in words."""
    items = session_items(mailbox=mailbox, sessions=sessions)
    return [
        SessionRow(s, items[s.pk], words_for(s.error_code).text if s.error_code else "") for s in sessions
    ]


def progress_of(session: SyncSession | None, mailbox: Mailbox, now: datetime) -> Progress | None:
    """Shown while a session runs, and after one whose first sync of a stream stopped short (the next
    session carries on from there). A session still marked running whose worker died (its lease ran
    out) has stopped, whatever its row says."""
    if session is None or not session.progress:
        return None
    streams = [
        StreamProgress(stream, int(p.get("done", 0)), int(p.get("found", 0)), bool(p.get("first")))
        for stream, p in session.progress.items()
    ]
    leased = (
        bool(mailbox.lease_token) and mailbox.lease_expires_at is not None and mailbox.lease_expires_at > now
    )
    running = session.outcome == Outcome.RUNNING and leased
    if running or any(s.first and s.done < s.found for s in streams):
        return Progress(running=running, streams=streams)
    return None


def live_version(mailbox: Mailbox, latest: SyncSession | None) -> str:
    """Changes whenever the card would show something new: the live refresh compares it."""
    if latest is None:
        return f"none-{mailbox.suspended}"
    moved = ",".join(
        f"{s}:{p.get('done', 0)}/{p.get('found', 0)}" for s, p in sorted(latest.progress.items())
    )
    return f"{latest.pk}-{latest.outcome}-{moved}-{mailbox.suspended}"


def advice_of(mailbox: Mailbox) -> Advice:
    return cause_advice(
        code=mailbox.cause_code,
        suspended=mailbox.suspended,
        org_wide=is_org_wide(mailbox),
        next_try=mailbox.next_due_at,
    )


def autosave_notes(options: SyncSettings) -> list[str]:
    """What the organization's settings decide around the person's own toggles, said on the page."""
    if not options.sync_events:
        return ["Your organization does not sync calendar items, so these choices have no effect for now."]
    notes = []
    if not options.save_unresponded_invitations:
        notes.append("Your organization saves invitations only once you have answered them.")
    if not options.save_internal_meetings:
        notes.append("Your organization does not save meetings where everyone is from the company.")
    if not options.save_meetings_without_people:
        notes.append(
            "Your organization saves a meeting only when one of its people is a Contact or Lead in "
            "Salesforce (or your organization has them made), unless you give it the 'Salesforce' category."
        )
    return notes


def mailbox_card(mailbox: Mailbox, now: datetime) -> dict[str, Any]:
    sessions = selectors.recent_sessions(mailbox=mailbox)
    latest = sessions[0] if sessions else None
    advice = advice_of(mailbox)
    options = sync_settings_for(mailbox.organization)
    return {
        "mailbox": mailbox,
        "sessions": sessions,
        "session_rows": session_rows(mailbox, sessions),
        "issues": issue_rows(selectors.open_issues(mailbox=mailbox)),
        "held": selectors.held_deletions(mailbox=mailbox),
        "issue_count": selectors.open_issue_count(mailbox=mailbox),
        "reconnect": mailbox_needs_reconnect(mailbox),
        "advice": advice,
        "state": mailbox_state(mailbox, advice, now),
        "force_next_at": force_sync_next_at(mailbox),
        "unsupported": unsupported_streams(mailbox),
        "progress": progress_of(latest, mailbox, now),
        "chart": history_chart(mailbox=mailbox, now=now),
        "version": live_version(mailbox, latest),
        "autosave_form": AutoSaveForm(
            initial={
                "autosave_meetings": mailbox.autosave_meetings,
                "autosave_appointments": mailbox.autosave_appointments,
            },
            prefix=f"m{mailbox.pk}",
        ),
        "autosave_locked": not options.sync_events,
        "autosave_notes": autosave_notes(options),
    }
