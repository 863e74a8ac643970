"""EWS streaming notifications: Subscribe (StreamingSubscriptionRequest), GetStreamingEvents, Unsubscribe.

A subscription watches folders of its creator's mailbox (or all of them) for some event types and
queues the store's changes (``StoreEvent``) from the moment it is made. GetStreamingEvents keeps the
HTTP answer open and writes one SOAP envelope per message on the chunked response, as Exchange does:
a ``ConnectionStatus`` OK first, then a ``Notifications`` message as soon as events are queued (woken by
a condition variable, no polling), an OK keepalive when nothing happened for ``keepalive`` seconds, and
``ConnectionStatus`` Closed when ConnectionTimeout runs out. exchangelib reads each envelope as it
completes (its ``DocumentYielder`` cuts the byte stream at ``</...:Envelope>``) and stops at Closed.

As in Exchange: a subscription not read for 30 minutes expires; ids that are malformed answer
ErrorInvalidSubscription, unknown (expired, unsubscribed) ones ErrorSubscriptionNotFound, another
user's ErrorSubscriptionAccessDenied, each listed in ErrorSubscriptionIds, and the call then fails as a
whole. A newer GetStreamingEvents naming a subscription takes it over: the older connection ends with
Closed once none of its subscriptions is left to it.

The sandbox signs one mailbox in per credential (Basic or a bearer token) and does not implement
ExchangeImpersonation, so one call carries the subscriptions of the signed-in mailbox only.

Timing knobs for tests (seconds): ``minute`` (a ConnectionTimeout minute), ``keepalive``,
``idle_expiry``; ``age(minutes)`` makes every subscription not being read that much older, and
``drop_streams()`` cuts every open connection mid-stream (a lost network), without the closing chunk.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sandbox.base import StreamAbortedError
from sandbox.ews.soap import ItemError, envelope, error, leaf, m, response_root, success, t
from sandbox.ews.store import Folder, Mailbox, StoreEvent

ResolveFolder = Callable[[Mailbox, ET.Element], Folder]  # operations.resolve_folder

EVENT_TYPES = frozenset(
    {
        "CopiedEvent",
        "CreatedEvent",
        "DeletedEvent",
        "ModifiedEvent",
        "MovedEvent",
        "NewMailEvent",
        "FreeBusyChangedEvent",
    }
)
MAX_EVENTS_PER_NOTIFICATION = 50  # what Exchange puts in one notification
MAX_CONNECTION_TIMEOUT = 30  # minutes
_ID_PREFIX = b"\x1d\x00sandbox.exchange\x10\x00\x00\x00"


@dataclass
class Subscription:
    id: str
    owner: str  # the creator's mailbox (smtp, lowercased)
    folders: frozenset[str] | None  # folder ids; None: SubscribeToAllFolders
    event_types: frozenset[str]
    last_read: float  # time.monotonic() of the last read (or of its making)
    queue: list[StoreEvent] = field(default_factory=list)
    reader: int = 0  # the open GetStreamingEvents reading it (0: none)

    def wants(self, event: StoreEvent) -> bool:
        if event.kind not in self.event_types:
            return False
        if self.folders is None:
            return True
        return event.folder_id in self.folders or (
            bool(event.old_folder_id) and event.old_folder_id in self.folders
        )


@dataclass
class _Stream:
    reader: int
    ids: list[str]
    generation: int
    deadline: float
    api_version: str
    opened: bool = False  # the first ConnectionStatus OK went out
    last_sent: float = 0.0


class Streaming:
    def __init__(self, lock: threading.RLock) -> None:
        self.changed = threading.Condition(lock)  # the app's lock: every store write holds it
        self.subscriptions: dict[str, Subscription] = {}
        self.minute = 60.0
        self.keepalive = 30.0
        self.idle_expiry = 30 * 60.0
        self._generation = 0
        self._readers = itertools.count(1)

    # -- test hooks ---------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.changed:
            self.minute, self.keepalive, self.idle_expiry = 60.0, 30.0, 30 * 60.0

    def drop_streams(self) -> None:
        with self.changed:
            self._generation += 1
            self.changed.notify_all()

    def age(self, minutes: float) -> None:
        """Every subscription not being read is ``minutes`` older (30: it has expired)."""
        with self.changed:
            for subscription in self.subscriptions.values():
                if not subscription.reader:  # one being read is read now: it does not age
                    subscription.last_read -= minutes * 60 * self.idle_expiry / (30 * 60)

    def open_streams(self, smtp: str = "") -> int:
        """How many GetStreamingEvents connections are reading (the mailbox's, or everyone's)."""
        with self.changed:
            mine = [s for s in self.subscriptions.values() if not smtp or s.owner == smtp.lower()]
            readers = {s.reader for s in mine if s.reader}
            return len(readers)

    # -- the store's changes ------------------------------------------------------------------------
    def record(self, owner: str, event: StoreEvent) -> None:
        with self.changed:
            woken = False
            for subscription in self.subscriptions.values():
                if subscription.owner == owner and subscription.wants(event):
                    subscription.queue.append(event)
                    woken = True
            if woken:
                self.changed.notify_all()

    # -- operations (called holding the app's lock) ------------------------------------------------------
    def subscribe(self, mailbox: Mailbox, body: ET.Element, resolve: ResolveFolder) -> ET.Element:
        self._sweep()
        root, messages = response_root("Subscribe")
        request = body.find(m("StreamingSubscriptionRequest"))
        try:
            if request is None:
                raise ItemError(
                    "ErrorInvalidSubscriptionRequest",
                    "Only streaming subscriptions (StreamingSubscriptionRequest) are supported here.",
                )
            folders: frozenset[str] | None = None
            if request.get("SubscribeToAllFolders", "false").lower() not in ("true", "1"):
                refs = list(request.find(t("FolderIds")) or [])
                if not refs:
                    raise ItemError("ErrorInvalidSubscriptionRequest", "A subscription names its folders.")
                folders = frozenset(resolve(mailbox, ref).id for ref in refs)
            types = frozenset((e.text or "").strip() for e in request.find(t("EventTypes")) or [])
            if not types or not types <= EVENT_TYPES:
                raise ItemError(
                    "ErrorInvalidSubscriptionRequest", f"EventTypes must be some of {sorted(EVENT_TYPES)}."
                )
        except ItemError as problem:
            error(messages, "Subscribe", problem)
            return root
        made = Subscription(_new_id(), mailbox.smtp.lower(), folders, types, time.monotonic())
        self.subscriptions[made.id] = made
        success(messages, "Subscribe").append(leaf(m("SubscriptionId"), made.id))
        return root

    def unsubscribe(self, mailbox: Mailbox, body: ET.Element) -> ET.Element:
        self._sweep()
        root, messages = response_root("Unsubscribe")
        wanted = (body.findtext(m("SubscriptionId")) or "").strip()
        problem = self._check(mailbox, wanted)
        if problem is not None:
            error(messages, "Unsubscribe", problem)
            return root
        del self.subscriptions[wanted]
        self.changed.notify_all()  # a stream reading it lets go of it
        success(messages, "Unsubscribe")
        return root

    def get_streaming_events(
        self, mailbox: Mailbox, body: ET.Element, api_version: str
    ) -> ET.Element | Iterator[bytes]:
        """The whole answer (an error) or the open stream's envelopes, to be written as they come."""
        self._sweep()
        ids = list(dict.fromkeys((e.text or "").strip() for e in body.find(m("SubscriptionIds")) or []))
        try:
            minutes = int(body.findtext(m("ConnectionTimeout")) or "")
        except ValueError:
            minutes = 0
        root, messages = response_root("GetStreamingEvents")
        if not 1 <= minutes <= MAX_CONNECTION_TIMEOUT or not ids:
            problem = ItemError(
                "ErrorInvalidRequest",
                f"SubscriptionIds and a ConnectionTimeout of 1 to {MAX_CONNECTION_TIMEOUT} are required.",
            )
            error(messages, "GetStreamingEvents", problem).append(leaf(m("ConnectionStatus"), "Closed"))
            return root
        problems = [(i, p) for i in ids if (p := self._check(mailbox, i)) is not None]
        if problems:
            message = error(messages, "GetStreamingEvents", problems[0][1])
            listed = ET.SubElement(message, m("ErrorSubscriptionIds"))
            for wrong, _ in problems:
                listed.append(leaf(m("SubscriptionId"), wrong))
            message.append(leaf(m("ConnectionStatus"), "Closed"))
            return root
        stream = _Stream(
            next(self._readers), ids, self._generation, time.monotonic() + minutes * self.minute, api_version
        )
        for subscription_id in ids:
            self.subscriptions[subscription_id].reader = stream.reader  # a newer reader takes it over
        self.changed.notify_all()
        return self._run(stream)

    # -- the open stream (runs in the connection's thread, not holding the lock between envelopes) -------
    def _run(self, stream: _Stream) -> Iterator[bytes]:
        try:
            while True:
                with self.changed:
                    document, done = self._next(stream)
                yield document
                if done:
                    return
        finally:
            with self.changed:
                now = time.monotonic()
                for subscription in self._mine(stream):
                    subscription.reader, subscription.last_read = 0, now

    def _next(self, stream: _Stream) -> tuple[bytes, bool]:
        """The next envelope to write (waiting for one) and whether it is the last."""
        while True:
            if self._generation != stream.generation:
                raise StreamAbortedError("the sandbox dropped its streams")
            now = time.monotonic()
            mine = self._mine(stream)
            for subscription in mine:
                subscription.last_read = now
            if not stream.opened:
                stream.opened, stream.last_sent = True, now
                return self._status(stream, "OK"), False
            if not mine or now >= stream.deadline:
                return self._status(stream, "Closed"), True
            waiting = [s for s in mine if s.queue]
            if waiting:
                stream.last_sent = now
                return self._notifications(stream, waiting), False
            if now >= stream.last_sent + self.keepalive:
                stream.last_sent = now
                return self._status(stream, "OK"), False
            self.changed.wait(min(stream.deadline, stream.last_sent + self.keepalive) - now)

    def _mine(self, stream: _Stream) -> list[Subscription]:
        found = (self.subscriptions.get(i) for i in stream.ids)
        return [s for s in found if s is not None and s.reader == stream.reader]

    def _status(self, stream: _Stream, status: str) -> bytes:
        root, messages = response_root("GetStreamingEvents")
        success(messages, "GetStreamingEvents").append(leaf(m("ConnectionStatus"), status))
        return envelope(root, stream.api_version)

    def _notifications(self, stream: _Stream, waiting: list[Subscription]) -> bytes:
        root, messages = response_root("GetStreamingEvents")
        container = ET.SubElement(success(messages, "GetStreamingEvents"), m("Notifications"))
        for subscription in waiting:
            taken = subscription.queue[:MAX_EVENTS_PER_NOTIFICATION]
            del subscription.queue[: len(taken)]
            notification = ET.SubElement(container, m("Notification"))
            notification.append(leaf(t("SubscriptionId"), subscription.id))
            for event in taken:
                notification.append(_event_element(event))
        return envelope(root, stream.api_version)

    # -- ids ----------------------------------------------------------------------------------------
    def _check(self, mailbox: Mailbox, subscription_id: str) -> ItemError | None:
        if not _well_formed(subscription_id):
            return ItemError("ErrorInvalidSubscription", "The subscription is invalid.")
        found = self.subscriptions.get(subscription_id)
        if found is None:
            return ItemError(
                "ErrorSubscriptionNotFound", "The specified subscription was not found. It may have expired."
            )
        if found.owner != mailbox.smtp.lower():
            return ItemError(
                "ErrorSubscriptionAccessDenied",
                "A subscription can only be used by the account that created it.",
            )
        return None

    def _sweep(self) -> None:
        """Subscriptions nobody read for ``idle_expiry`` are gone, as Exchange lets them go."""
        cutoff = time.monotonic() - self.idle_expiry
        for gone in [s.id for s in self.subscriptions.values() if not s.reader and s.last_read < cutoff]:
            del self.subscriptions[gone]


def _new_id() -> str:
    return base64.b64encode(_ID_PREFIX + uuid.uuid4().bytes).decode("ascii")


def _well_formed(subscription_id: str) -> bool:
    try:
        raw = base64.b64decode(subscription_id, validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(_ID_PREFIX) and len(raw) == len(_ID_PREFIX) + 16


def watermark(seq: int) -> str:
    return base64.b64encode(b"\x01\x00\x00\x00" + seq.to_bytes(8, "little")).decode("ascii")


def _event_element(event: StoreEvent) -> ET.Element:
    node = ET.Element(t(event.kind))
    node.append(leaf(t("Watermark"), watermark(event.seq)))
    node.append(leaf(t("TimeStamp"), event.timestamp))
    ET.SubElement(
        node,
        t("ItemId"),
        {"Id": event.item_id, **({"ChangeKey": event.change_key} if event.change_key else {})},
    )
    ET.SubElement(node, t("ParentFolderId"), {"Id": event.folder_id})
    if event.old_item_id:
        ET.SubElement(node, t("OldItemId"), {"Id": event.old_item_id})
        ET.SubElement(node, t("OldParentFolderId"), {"Id": event.old_folder_id})
    return node
