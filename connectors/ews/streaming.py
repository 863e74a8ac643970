"""EWS streaming notifications through exchangelib: subscribe, read the stream, unsubscribe.

Exchange on-premises has no webhook to call us back without an inbound address; a streaming
subscription instead keeps one HTTP answer open on which the server writes each change as it lands.
This module only talks EWS (no Django, no database); the listener process owns the loop around it.

    subs = subscribe(account, {"events": ["calendar"], "tasks": [tasks_id], "emails": ["inbox", "sentitems"]})
    for notice in stream(account, subs, timeout_minutes=30, stop=stopper):
        ...  # wake the engine's sync of notice.kind; notice.item_id is a hint, the sync reads the truth
    unsubscribe(account, [s.id for s in subs])

``subscribe(account, folders) -> list[Subscription]``: one subscription per engine stream (``kind``:
"events", "tasks", "contacts", "emails", as in ``connectors.ews.streams`` and
``NotificationChannel.stream``); a folder is an EWS folder id or a distinguished name ("calendar",
"inbox", "sentitems"...). ``engine_folders(connector)`` gives the folders the engine syncs.

``stream(account, subscriptions, timeout_minutes, stop=None) -> Iterator[StreamNotice]``: one
GetStreamingEvents call carrying every subscription (all must be the account's own: the same
credentials, no impersonation). It ends normally when Exchange closes the connection at the timeout
(call it again) or when ``stop.stop()`` is called from another thread: exchangelib's own
``stop_streaming`` blocks until the server next writes, so ``Stopper`` shuts the socket down instead,
which wakes the blocked read at once. The stream holds one of the account's connections for its
whole length: give the listener an account (protocol) of its own.

Errors are ``ConnectorError``s a caller can act on:
  ``SubscriptionGoneError`` (code SUBSCRIPTION_GONE): expired (30 minutes unread), unsubscribed or
      unknown ids (``.subscription_ids``): subscribe again, and sync once, for events may be lost;
  code STREAM_LOST (transient): the connection broke mid-stream: read again (the subscriptions live
      on and queue what happens meanwhile);
  code MAIL_AUTH_REVOKED (permanent): the sign-in was refused; other codes as ``connectors.ews.errors``.
Events Exchange wrote on a connection that then broke (or was stopped) may never arrive: after any
error, and on starting, sync each stream once rather than trust the notices alone.

``unsubscribe(account, ids)``: ids Exchange no longer knows are skipped (they are gone anyway).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from exchangelib import Account
from exchangelib import errors as ews
from exchangelib.properties import (
    CopiedEvent,
    CreatedEvent,
    DeletedEvent,
    DistinguishedFolderId,
    FolderId,
    Mailbox,
    ModifiedEvent,
    MovedEvent,
)
from exchangelib.services import GetStreamingEvents, SubscribeToStreaming, Unsubscribe
from urllib3.exceptions import HTTPError as Urllib3Error

from connectors.base import ConnectorError
from connectors.ews.errors import from_exception

if TYPE_CHECKING:
    from connectors.ews.connector import EwsConnector

KINDS = ("events", "tasks", "contacts", "emails")
# NewMailEvent repeats CreatedEvent for the Inbox; FreeBusyChangedEvent says nothing of items.
EVENT_TYPES = ("CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent")
DISTINGUISHED = frozenset({"calendar", "tasks", "contacts", "inbox", "sentitems", "drafts", "deleteditems"})
# Exchange's word that a subscription id is no longer (or never was) good for this caller.
GONE = (
    ews.ErrorSubscriptionNotFound,
    ews.ErrorInvalidSubscription,
    ews.ErrorExpiredSubscription,
    ews.ErrorSubscriptionUnsubsribed,  # sic: exchangelib's spelling of Exchange's code
    ews.ErrorSubscriptionAccessDenied,
)
BROKEN = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    Urllib3Error,
    OSError,
)


@dataclass(frozen=True)
class Subscription:
    id: str
    kind: str  # the engine stream its folders feed


@dataclass(frozen=True)
class StreamNotice:
    subscription_id: str
    kind: str  # "events" | "tasks" | "contacts" | "emails"
    change: str  # "created" | "updated" | "deleted"
    item_id: str
    watermark: str = ""


class SubscriptionGoneError(ConnectorError):
    """Exchange no longer knows these subscriptions (expired, unsubscribed, unknown): subscribe again."""

    def __init__(self, message: str, subscription_ids: Sequence[str]) -> None:
        super().__init__(message, permanent=True, code="SUBSCRIPTION_GONE")
        self.subscription_ids = tuple(subscription_ids)


class _StoppableStream(GetStreamingEvents):
    """GetStreamingEvents that shuts its own answer down when ``stopper`` fired while it was connecting:
    ``Stopper.stop`` finds no socket to shut until the answer exists."""

    stopper: Stopper | None = None

    def _get_response(self, payload: Any, api_version: Any) -> Any:
        response = super()._get_response(payload=payload, api_version=api_version)
        if self.stopper is not None and self.stopper.stopped:
            _shut(self)
        return response


class Stopper:
    """Ends a ``stream`` blocked in another thread: ``stop()`` returns at once, the stream soon after."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._service: GetStreamingEvents | None = None

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            _shut(self._service)

    def _watch(self, service: GetStreamingEvents | None) -> None:
        with self._lock:
            self._service = service


def engine_folders(
    connector: EwsConnector, kinds: Sequence[str] = KINDS, salesforce_folder: str = ""
) -> dict[str, list[str]]:
    """The folders the engine syncs, for the streams ``kinds`` (a stream left out gets no folder
    made): the calendar, the "Salesforce Tasks" and "Salesforce Contacts" folders (found or made, as
    a sync would) and the mail folders (Inbox, Sent Items, the Salesforce folder, named by the org's
    email settings when given). Costs the lookups a first sync makes."""
    items: Any = connector.streams  # EwsItems: knows the dedicated folders
    named = {"salesforce_folder": salesforce_folder} if salesforce_folder else {}
    folders: dict[str, list[str]] = {}
    for kind in kinds:
        if kind == "events":
            folders[kind] = ["calendar"]
        elif kind == "emails":
            folders[kind] = list(connector.mail.mail_folder_ids(**named).values())
        else:
            folders[kind] = [items.folder_id(kind)]
    return folders


def subscribe(account: Account, folders: Mapping[str, Sequence[str]]) -> list[Subscription]:
    """One streaming subscription per stream, watching its folders for item changes; all or none
    (those made before one is refused are unsubscribed again)."""
    unknown = set(folders) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown streams {sorted(unknown)}: each one of {KINDS}")
    made: list[Subscription] = []
    for kind, names in folders.items():
        refs = [_folder_ref(account, name) for name in names]
        try:
            subscription_id = SubscribeToStreaming(account=account).get(folders=refs, event_types=EVENT_TYPES)
        except Exception as error:
            with contextlib.suppress(ConnectorError):
                unsubscribe(account, [s.id for s in made])
            raise from_exception(error) from error
        made.append(Subscription(str(subscription_id), kind))
    return made


def stream(
    account: Account,
    subscriptions: Sequence[Subscription],
    timeout_minutes: int = 30,
    stop: Stopper | None = None,
) -> Iterator[StreamNotice]:
    """Notices as Exchange writes them, until it closes the connection after ``timeout_minutes``
    (1 to 30) or ``stop`` is used. Raises SubscriptionGoneError, or ConnectorError (see the module)."""
    kinds = {s.id: s.kind for s in subscriptions}
    service = _StoppableStream(account=account)
    service.stopper = stop
    if stop is not None:
        stop._watch(service)
    try:
        if stop is not None and stop.stopped:
            return
        for notification in service.call(subscription_ids=list(kinds), connection_timeout=timeout_minutes):
            if isinstance(notification, Exception):
                raise notification
            kind = kinds.get(str(notification.subscription_id), "")
            for event in notification.events or []:
                yield from _notices(str(notification.subscription_id), kind, event)
            if stop is not None and stop.stopped:
                return
        if service.connection_status != GetStreamingEvents.CLOSED:
            raise ConnectorError(
                "Exchange ended the notification stream without closing it",
                permanent=False,
                code="STREAM_LOST",
            )
    except GONE as error:
        gone = [i for i in kinds if i in str(error)] or list(kinds)
        raise SubscriptionGoneError(f"Exchange no longer knows the subscription ({error})", gone) from error
    except BROKEN as error:
        if stop is not None and stop.stopped:
            return  # our own shutdown of the socket
        raise ConnectorError(
            f"The notification stream broke ({type(error).__name__}: {error})",
            permanent=False,
            code="STREAM_LOST",
        ) from error
    except ConnectorError:
        raise
    except Exception as error:
        raise from_exception(error) from error
    finally:
        if stop is not None:
            stop._watch(None)
        with contextlib.suppress(Exception):
            service.stop_streaming()


def unsubscribe(account: Account, subscription_ids: Iterable[str]) -> None:
    for subscription_id in subscription_ids:
        try:
            Unsubscribe(account=account).get(expect_result=None, subscription_id=subscription_id)
        except GONE:
            continue  # already gone: what we wanted
        except Exception as error:
            raise from_exception(error) from error


def _notices(subscription_id: str, kind: str, event: Any) -> Iterator[StreamNotice]:
    if event.item_id is None:  # a folder's own change (its unread count): no item to sync
        return
    watermark = str(event.watermark or "")
    if isinstance(event, MovedEvent):
        # Moved in or out of a watched folder: gone where it was, new (with a new id) where it is.
        if event.old_item_id is not None:
            yield StreamNotice(subscription_id, kind, "deleted", str(event.old_item_id.id), watermark)
        yield StreamNotice(subscription_id, kind, "created", str(event.item_id.id), watermark)
        return
    change = {
        CreatedEvent: "created",
        CopiedEvent: "created",
        ModifiedEvent: "updated",
        DeletedEvent: "deleted",
    }.get(type(event))
    if change is not None:
        yield StreamNotice(subscription_id, kind, change, str(event.item_id.id), watermark)


def _folder_ref(account: Account, name: str) -> FolderId:
    if name in DISTINGUISHED:
        return DistinguishedFolderId(id=name, mailbox=Mailbox(email_address=account.primary_smtp_address))
    return FolderId(id=name)


def _shut(service: GetStreamingEvents | None) -> None:
    """Shut the open stream's socket down: a read blocked on it returns at once (closing it would not)."""
    response = getattr(service, "_streaming_response", None)
    connection = getattr(getattr(response, "raw", None), "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
