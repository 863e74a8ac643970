"""Links that open an item where its person works: Outlook on the web, Google Calendar, Gmail,
Google Contacts, Microsoft To Do, and the Salesforce record. Display only: a person's browser follows
them with its own sign-in; no credential of ours is ever sent to these hosts.

Where a provider offers no stable link to one item (Exchange on-premises item ids are not the ids
OWA reads; To Do and Outlook contacts have no public item URL), the link opens the list the item is
in, and ``exact`` says so.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

OUTLOOK = "https://outlook.office.com"
OWA = "https://outlook.office365.com/owa/"  # the host of the webLink Graph itself gives items


@dataclass(frozen=True)
class WebLink:
    url: str
    label: str  # "Open in Outlook"
    exact: bool = True  # False: it opens the list the item is in, not the item


def mail_item_link(
    *, provider: str, stream: str, mail_id: str, address: str = "", endpoint: str = ""
) -> WebLink | None:
    """The link for a mailbox item; ``stream``: events (or a calendar source's ``src<N>``), tasks,
    contacts or emails. ``endpoint``: an Exchange mailbox's EWS URL (OWA is on the same host)."""
    if not mail_id:
        return None
    kind = "events" if stream.startswith("src") else stream
    if provider == "graph":
        return _graph(kind, mail_id)
    if provider == "google":
        return _google(kind, mail_id, address)
    if provider == "ews":
        return _ews(kind, endpoint)
    return None


def salesforce_record_link(*, instance_url: str, crm_object: str, crm_id: str) -> WebLink | None:
    if not (instance_url and crm_id):
        return None
    base = instance_url.rstrip("/")
    if crm_object:
        return WebLink(f"{base}/lightning/r/{quote(crm_object)}/{quote(crm_id)}/view", "Open in Salesforce")
    return WebLink(f"{base}/{quote(crm_id)}", "Open in Salesforce")


def _graph(kind: str, mail_id: str) -> WebLink | None:
    item = quote(mail_id, safe="")
    # The shapes of Graph's own ``webLink`` for an event and a message.
    if kind == "events":
        return WebLink(f"{OWA}?itemid={item}&exvsurl=1&path=/calendar/item", "Open in Outlook")
    if kind == "emails":
        return WebLink(f"{OWA}?ItemID={item}&exvsurl=1&viewmodel=ReadMessageItem", "Open in Outlook")
    if kind == "tasks":
        return WebLink("https://to-do.office.com/tasks/", "Open Microsoft To Do", exact=False)
    if kind == "contacts":
        return WebLink(f"{OUTLOOK}/people/", "Open Outlook People", exact=False)
    return None


def _google(kind: str, mail_id: str, address: str) -> WebLink | None:
    account = quote(address, safe="@")
    if kind == "events":
        # Google Calendar's own htmlLink: the event id and its calendar, base64url without padding.
        eid = base64.urlsafe_b64encode(f"{mail_id} {address}".encode()).decode().rstrip("=")
        return WebLink(f"https://calendar.google.com/calendar/event?eid={eid}", "Open in Google Calendar")
    if kind == "emails":
        return WebLink(f"https://mail.google.com/mail/u/{account}/#all/{quote(mail_id)}", "Open in Gmail")
    if kind == "contacts":
        person = mail_id.removeprefix("people/")
        return WebLink(f"https://contacts.google.com/u/{account}/person/{quote(person)}", "Open in Contacts")
    if kind == "tasks":
        return WebLink("https://tasks.google.com/", "Open Google Tasks", exact=False)
    return None


def _ews(kind: str, endpoint: str) -> WebLink | None:
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.netloc:
        return None
    path = {"events": "/calendar", "emails": "/mail", "tasks": "/tasks", "contacts": "/people"}.get(kind)
    if path is None:
        return None
    return WebLink(f"https://{parts.netloc}/owa/#path={path}", "Open Outlook on the web", exact=False)
