"""Calendar items, tasks and contacts of one Exchange mailbox, read and written as neutral records.

Reads use SyncFolderItems on the stream's folder (one call when nothing changed; up to 512 changes a
call); writes use CreateItem / UpdateItem / DeleteItem with up to ``batch_size`` items in one call,
saved only (no meeting requests or cancellations are ever sent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC
from typing import Any

from exchangelib import CalendarItem, EWSDateTime
from exchangelib.errors import ErrorCalendarOccurrenceIsDeletedFromRecurrence, ErrorItemNotFound
from exchangelib.folders import Folder, Root
from exchangelib.items import (
    ALL_OCCURRENCES,
    ALWAYS_OVERWRITE,
    ID_ONLY,
    MOVE_TO_DELETED_ITEMS,
    SAVE_ONLY,
    SEND_TO_NONE,
)
from exchangelib.properties import CalendarView
from exchangelib.restriction import Q, Restriction
from exchangelib.services import SyncFolderItems

from connectors.base import ConnectorError, CursorInvalidError, ItemStreams, WriteResult
from connectors.ews import contacts as ews_contacts
from connectors.ews import events as ews_events
from connectors.ews import series, services, stamp
from connectors.ews import tasks as ews_tasks
from connectors.ews.client import EwsClient
from connectors.ews.errors import from_exception, item_error
from connectors.ews.streams import STREAMS, EwsStream
from connectors.neutral.cursors import stored_state
from connectors.neutral.times import Window, utc_instant
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)
# An item, or an occurrence deleted from its series: gone either way.
GONE = (ErrorItemNotFound, ErrorCalendarOccurrenceIsDeletedFromRecurrence)


class EwsItems(ItemStreams):
    """The calendar, task and contact streams of one mailbox (``connectors.base.ItemStreams``)."""

    def __init__(self, client: EwsClient) -> None:
        self.client = client
        self._containers: dict[str, str] = {}  # stream -> dedicated folder id, once known

    def _folder(self, spec: EwsStream, container: str = "") -> Folder:
        """The stream's folder: its dedicated folder by id, else the default folder, which a
        distinguished folder id names without a GetFolder call (enough to validate field names)."""
        root = Root(account=self.client.account)
        return spec.folder_cls(root=root, id=container) if container else spec.folder_cls(root=root)

    def _container(self, spec: EwsStream) -> str:
        """The id of the stream's dedicated folder (made when missing); "" for the default calendar."""
        if not spec.container_name:
            return ""
        if spec.name not in self._containers:
            self._containers[spec.name] = self.client.find_or_create_folder(
                self._folder(spec), spec.container_name, spec.container_class
            )
        return self._containers[spec.name]

    def folder_id(self, stream: str) -> str:
        """The id of the stream's dedicated folder (made when missing); "" for the default calendar.
        What a streaming subscription watches (``connectors.ews.streaming``)."""
        return self._container(_spec(stream))

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changed items since ``cursor`` (a stored sync state), inside ``window`` for events.

        A cursor made for another window, or a sync state Exchange no longer accepts, starts a full
        read; the engine then treats unseen pairs as candidates to confirm.
        """
        spec = _spec(stream)
        state = stored_state(cursor, f"EWS {stream}")
        scope = [utc_instant(window.start), utc_instant(window.end)] if spec.windowed and window else None
        if state.get("container"):
            self._containers.setdefault(stream, str(state["container"]))
        if state.get("sync_state") and state.get("window") == scope:
            try:
                return self._sync(
                    spec,
                    state["sync_state"],
                    window,
                    scope,
                    full=False,
                    previous_series=state.get("series") or {},
                )
            except CursorInvalidError:
                log.info("EWS sync state for %s no longer valid; reading in full", stream)
            except ConnectorError as error:
                if error.code != "ErrorFolderNotFound" or not spec.container_name:
                    raise
                log.info("the %s folder is gone; finding or making it again", spec.container_name)
                self._containers.pop(stream, None)
        return self._sync(spec, None, window, scope, full=True)

    def _sync(
        self,
        spec: EwsStream,
        sync_state: str | None,
        window: Window | None,
        scope: list[str] | None,
        *,
        full: bool,
        previous_series: Mapping[str, list[str]] | None = None,
    ) -> ChangeSet:
        previous_series = previous_series or {}
        container = self._container(spec)
        changes, new_state = self.client.sync_all(
            self._folder(spec, container), spec.fields, sync_state, spec.name
        )
        known: dict[str, list[str]] = {} if full else dict(previous_series)
        masters: dict[str, CalendarItem] = {}
        found: dict[str, ItemChange] = {}  # a read may report an item twice: the last one counts
        extra: list[ItemChange] = []
        for change_type, item in changes:
            if series.is_master(item) and change_type != SyncFolderItems.DELETE:
                masters[str(item.id)] = item
                continue
            if change_type == SyncFolderItems.DELETE and str(item.id) in known:
                extra += [ItemChange(id=gone, removed=True) for gone in known.pop(str(item.id))]
            change = self._change(spec, change_type, item, window if scope else None, full=full)
            if change is not None:
                found.pop(change.id, None)
                found[change.id] = change
        if masters and spec.windowed and window is not None:
            occurrences = self._calendar_view(spec, window)
            more, remembered = series.occurrence_changes(masters, occurrences, known)
            extra += more
            for master_id in masters:
                known.pop(master_id, None)
            known.update(remembered)
        for change in extra:
            found.pop(change.id, None)
            found[change.id] = change
        state: dict[str, Any] = {"sync_state": new_state, "window": scope}
        if container:
            state["container"] = container
        if known:
            state["series"] = known
        return ChangeSet(changes=list(found.values()), next_cursor=json.dumps(state), full=full)

    def _calendar_view(self, spec: EwsStream, window: Window) -> list[Any]:
        """Every calendar item in the window with series unfolded into occurrences: one FindItem call."""
        folder = self._folder(spec)
        folder.to_id()  # settles its distinguished id: exchangelib keys its paging by the folder's hash
        fields = {
            f
            for f in folder.normalize_fields(fields=[*spec.fields, "original_start"])
            if not f.field.is_attribute
        }
        view = CalendarView(
            start=EWSDateTime.from_datetime(window.start.astimezone(UTC)),
            end=EWSDateTime.from_datetime(window.end.astimezone(UTC)),
        )
        return self.client.call(
            f"{spec.name} CalendarView",
            lambda: services.find_items(
                self.client.account, folders=[folder], fields=fields, calendar_view=view
            ),
        )

    @staticmethod
    def _change(
        spec: EwsStream, change_type: str, item: Any, window: Window | None, *, full: bool
    ) -> ItemChange | None:
        if isinstance(item, services.Unreadable):
            return ItemChange(id=item.id, values={"_error": item.error}) if item.id else None
        if change_type == SyncFolderItems.DELETE:
            # Deleted or moved out of the folder: the engine confirms which with exists().
            return None if full else ItemChange(id=str(item.id), removed=True)
        if change_type not in (SyncFolderItems.CREATE, SyncFolderItems.UPDATE) or not isinstance(
            item, spec.item_cls
        ):
            return None  # read flags; distribution lists in Contacts
        try:
            change = spec.to_change(item)
        except Exception as error:  # one item we cannot convert is that item's issue, not the folder's
            label = str(getattr(item, "subject", "") or getattr(item, "display_name", "") or "")
            message = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
            return ItemChange(id=str(item.id), label=label, values={"_error": message[:300]})
        if (
            window is not None
            and not change.deleted
            and not ews_events.in_window(change.values, window.start, window.end)
        ):
            return None if full else ItemChange(id=change.id, removed=True)
        return change

    def exists(self, *, stream: str, ids: Sequence[str]) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for item_id, answer in zip(ids, self._fetch(_spec(stream), ids, ["subject"]), strict=True):
            if isinstance(answer, GONE):
                out[item_id] = False
            elif isinstance(answer, Exception):
                raise from_exception(answer)
            else:
                out[item_id] = True
        return out

    def read_items(self, *, stream: str, ids: Sequence[str]) -> list[ItemChange]:
        """These items as they are now, as a read reports them (one GetItem call per batch); an item
        that no longer exists reads as deleted. The engine retries failed items with this."""
        spec = _spec(stream)
        out: list[ItemChange] = []
        for item_id, answer in zip(ids, self._fetch(spec, ids, list(spec.fields)), strict=True):
            if isinstance(answer, GONE):
                out.append(ItemChange(id=item_id, deleted=True))
            elif isinstance(answer, Exception):
                raise from_exception(answer)
            else:
                change = self._change(spec, SyncFolderItems.UPDATE, answer, None, full=False)
                out.append(change or ItemChange(id=item_id, values={"_error": "not an item of this stream"}))
        return out

    def _fetch(self, spec: EwsStream, ids: Sequence[str], only: list[str]) -> list[Any]:
        folder = self._folder(spec)
        fields = {f for f in folder.normalize_fields(fields=only) if not f.field.is_attribute}
        answers: list[Any] = []
        for chunk in self.client.batches(list(ids)):
            answers += self._run(
                spec, services.GetItems, [(i, None) for i in chunk], additional_fields=fields, shape=ID_ONLY
            )
        return answers

    def _run(self, spec: EwsStream, service: type[Any], items: list[Any], **options: Any) -> list[Any]:
        """One ``service`` call (GetItems, CreateItems, UpdateItems, DeleteItems) for a batch of items,
        retried as the client retries: one answer per item, in order."""
        return self.client.call(
            f"{spec.name} {service.SERVICE_NAME}",
            lambda: services.run(
                service(account=self.client.account, chunk_size=len(items)), items=items, **options
            ),
        )

    def find_created(
        self, *, stream: str, intents: Sequence[CreateIntent], paired: Collection[str] = ()
    ) -> dict[str, ItemChange]:
        """Items stamped with these sync keys: one FindItem per batch of keys, restricted on the
        stamp's extended property (an Or of IsEqualTo), in the stream's folder."""
        if not intents:
            return {}
        spec = _spec(stream)
        folder = self._folder(spec, self._container(spec))
        folder.to_id()  # settles its distinguished id: exchangelib keys its paging by the folder's hash
        fields = {
            f for f in folder.normalize_fields(fields=[*spec.fields, stamp.FIELD]) if not f.field.is_attribute
        }
        wanted = {intent.sync_key for intent in intents}
        found: dict[str, ItemChange] = {}
        for chunk in self.client.batches(sorted(wanted)):
            restriction = Restriction(
                Q(**{f"{stamp.FIELD}__in": list(chunk)}), folders=[folder], applies_to=Restriction.ITEMS
            )
            items = self.client.call(
                f"{spec.name} FindItem by sync key",
                lambda restriction=restriction: services.find_items(
                    self.client.account, folders=[folder], fields=fields, restriction=restriction
                ),
            )
            for item in items:
                if isinstance(item, Exception):
                    raise from_exception(item)
                key = str(getattr(item, stamp.FIELD, "") or "")
                if key not in wanted or key in found or str(item.id) in paired:
                    continue
                change = self._change(spec, SyncFolderItems.UPDATE, item, None, full=False)
                if change is not None:
                    found[key] = change
        return found

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, *, stream: str, items: Sequence[Mapping[str, Any]], sync_keys: Sequence[str] = ()
    ) -> list[WriteResult]:
        spec = _spec(stream)
        folder = self._folder(spec, self._container(spec))
        results: list[WriteResult | None] = [None] * len(items)
        built: list[tuple[int, Any]] = []
        keys = list(sync_keys) or [""] * len(items)
        for index, values in enumerate(items):
            try:
                attrs, _ = self._attributes(spec, values, None)
                if keys[index]:  # the engine's stamp, an extended property of its own
                    attrs[stamp.FIELD] = keys[index]
                if spec.name == "contacts" and not attrs.get("display_name"):
                    attrs["display_name"] = values.get("email") or values.get("company") or "(no name)"
                item = spec.item_cls(account=self.client.account, folder=folder, **attrs)
                item.clean(version=self.client.account.version)
            except (ValueError, TypeError) as error:
                results[index] = WriteResult(ok=False, code="INVALID_VALUE", message=str(error))
                continue
            built.append((index, item))
        return self._write(
            spec,
            services.CreateItems,
            built,
            results,
            lambda _: "",
            folder=folder,
            message_disposition=SAVE_ONLY,
            send_meeting_invitations=SEND_TO_NONE,
        )

    def update(self, *, stream: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[WriteResult]:
        spec = _spec(stream)
        current = self._current_for_lists(spec, items)
        results: list[WriteResult | None] = [None] * len(items)
        built: list[tuple[int, tuple[Any, list[str]]]] = []
        for index, (item_id, values) in enumerate(items):
            try:
                attrs, names = self._attributes(spec, values, current.get(item_id))
            except (ValueError, TypeError) as error:
                results[index] = WriteResult(ok=False, id=item_id, code="INVALID_VALUE", message=str(error))
                continue
            if not names:
                results[index] = WriteResult(ok=True, id=item_id)
                continue
            item = spec.item_cls(account=self.client.account, id=item_id, changekey=None, **attrs)
            built.append((index, (item, names)))
        return self._write(
            spec,
            services.UpdateItems,
            built,
            results,
            lambda change: str(change[0].id),
            conflict_resolution=ALWAYS_OVERWRITE,
            message_disposition=SAVE_ONLY,
            send_meeting_invitations_or_cancellations=SEND_TO_NONE,
            suppress_read_receipts=True,
        )

    def _write(
        self,
        spec: EwsStream,
        service: type[Any],
        built: list[tuple[int, Any]],
        results: list[WriteResult | None],
        fallback_id: Callable[[Any], str],
        **options: Any,
    ) -> list[WriteResult]:
        """The built items (index, what the service takes) sent ``batch_size`` to a ``service`` call
        (CreateItems, UpdateItems), each answer put in its item's place: every result, in item order
        (``fallback_id``: the id a result names when the answer names none)."""
        for chunk in self.client.batches(built):
            answers = self._run(spec, service, [one for _, one in chunk], **options)
            for (index, one), answer in zip(chunk, answers, strict=True):
                results[index] = _result(answer, fallback_id(one))
        return [r for r in results if r is not None]

    def _current_for_lists(
        self, spec: EwsStream, items: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> dict[str, Any]:
        """Indexed lists (emails, phones, addresses) are written whole: read the ones we rewrite, so
        entries the mapping does not cover survive (one GetItem call per batch of such items)."""
        ids = [item_id for item_id, values in items if spec.list_keys & set(values)]
        if not ids:
            return {}
        only = ["email_addresses", "phone_numbers", "physical_addresses", "given_name", "surname"]
        answers = self._fetch(spec, ids, only)
        return {i: a for i, a in zip(ids, answers, strict=True) if not isinstance(a, Exception)}

    def _attributes(
        self, spec: EwsStream, values: Mapping[str, Any], current: Any
    ) -> tuple[dict[str, Any], list[str]]:
        if spec.name == "events":
            return ews_events.apply(values, self.client.account.default_timezone)
        if spec.name == "tasks":
            return ews_tasks.apply(values)
        return ews_contacts.apply(values, current)

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec = _spec(stream)
        results: list[WriteResult] = []
        for chunk in self.client.batches(list(ids)):
            answers = self._run(
                spec,
                services.DeleteItems,
                [(i, None) for i in chunk],
                delete_type=MOVE_TO_DELETED_ITEMS,
                send_meeting_cancellations=SEND_TO_NONE,
                affected_task_occurrences=ALL_OCCURRENCES,
                suppress_read_receipts=True,
            )
            for item_id, answer in zip(chunk, answers, strict=True):
                # Already gone is what we wanted.
                ok = answer is True or isinstance(answer, GONE)
                results.append(WriteResult(ok=True, id=item_id) if ok else _result(answer, item_id))
        return results


def _result(answer: Any, fallback_id: str) -> WriteResult:
    if isinstance(answer, Exception):
        code, message, permanent = item_error(answer)
        return WriteResult(ok=False, id=fallback_id, code=code, message=message, permanent=permanent)
    if isinstance(answer, tuple):  # UpdateItem: (id, changekey)
        return WriteResult(ok=True, id=str(answer[0] or fallback_id), version=str(answer[1] or ""))
    return WriteResult(ok=True, id=str(answer.id or fallback_id), version=str(answer.changekey or ""))


def _spec(stream: str) -> EwsStream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Exchange mailboxes cannot sync {stream!r}", permanent=True, code="UNSUPPORTED_STREAM"
        )
    return STREAMS[stream]
