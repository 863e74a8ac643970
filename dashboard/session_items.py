"""The items a person's sessions changed, by name, with links to both sides: what the dashboard
shows under each session (the journal, syncengine/core/journal.py). One query for all the sessions
shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.weblinks import WebLink
from syncengine.core.journal import LEFT_OUT, WHAT_HAPPENED
from syncengine.models import JournalEntry, Mailbox, SyncSession
from syncengine.selectors import salesforce_connection_for
from syncengine.services.item_links import item_links

MOST_ITEMS = 50  # of one session, on the dashboard; the rest are counted


@dataclass(frozen=True)
class SessionItem:
    label: str
    stream: str
    what: str  # in words
    code: str
    fields: tuple[str, ...]
    message: str
    links: tuple[WebLink, ...]
    why: str = ""  # a left-out item's reason code (syncengine/core/scope.py), for its "what to do"


def session_items(*, mailbox: Mailbox, sessions: Sequence[SyncSession]) -> dict[int, list[SessionItem]]:
    """Session id -> its items, in the order the session decided about them; left-out items last."""
    connection = salesforce_connection_for(mailbox=mailbox)
    instance = connection.instance_url if connection is not None else ""
    found: dict[int, list[SessionItem]] = {s.pk: [] for s in sessions}
    entries = JournalEntry.objects.filter(session__in=[s.pk for s in sessions]).order_by("session", "pk")
    for entry in entries:
        shown = found[entry.session_id]
        if len(shown) >= MOST_ITEMS:
            continue
        links = item_links(
            mailbox=mailbox,
            stream=entry.stream,
            mail_id=entry.mail_id,
            crm_object=entry.crm_object,
            crm_id=entry.crm_id,
            instance_url=instance,
        )
        shown.append(
            SessionItem(
                label=entry.item_label or "(no subject)",
                stream=entry.stream,
                what=WHAT_HAPPENED.get(entry.what, entry.what),
                code=entry.what,
                fields=tuple(entry.fields or ()),
                message=entry.message,
                links=tuple(links),
                why=str((entry.details or {}).get("why", "")),
            )
        )
    for items in found.values():
        items.sort(key=lambda item: item.code == LEFT_OUT)  # stable: what changed first
    return found
