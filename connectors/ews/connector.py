"""Exchange Server (on-premises) over EWS, through exchangelib.

Reads use SyncFolderItems on the stream's default folder (one call when nothing changed; up to
512 changes a call); writes use CreateItem / UpdateItem / DeleteItem with up to ``batch_size`` items
in one call, saved only (no meeting requests or cancellations are ever sent).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from exchangelib import Account, CalendarItem, EWSDateTime
from exchangelib.errors import ErrorCalendarOccurrenceIsDeletedFromRecurrence, ErrorItemNotFound
from exchangelib.fields import FieldPath
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

from connectors.base import ConnectorError, CursorInvalidError, RetryPolicy, WriteResult, call_with_retry
from connectors.ews import contacts as ews_contacts
from connectors.ews import events as ews_events
from connectors.ews import series, services, stamp
from connectors.ews import tasks as ews_tasks
from connectors.ews.errors import from_exception, item_error
from connectors.ews.mail import EwsMailMixin
from connectors.ews.streams import STREAMS, EwsStream
from connectors.ews.transport import LastResponse, open_account
from connectors.graph.connector import Window  # the engine's read window, shared by mail connectors
from syncengine.core.records import ChangeSet, CreateIntent, ItemChange

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_SYNC_PAGE = 512  # the most SyncFolderItems returns in one call
# An item, or an occurrence deleted from its series: gone either way.
GONE = (ErrorItemNotFound, ErrorCalendarOccurrenceIsDeletedFromRecurrence)


@dataclass(frozen=True)
class EwsConfig:
    service_endpoint: str  # https://mail.example.com/EWS/Exchange.asmx (a mailbox may name its own)
    ca_bundle: str = ""
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    build: tuple[int, int, int, int] = (15, 1, 2507, 6)  # Exchange 2016 CU; skips version probing
    page_size: int = MAX_SYNC_PAGE
    batch_size: int = 100  # items per CreateItem / UpdateItem / DeleteItem / GetItem call
    # The Exchange hosts (host or host:port) a password may be sent to, besides service_endpoint's:
    # an operator's choice, never a user's (a mailbox naming another host is refused before any call).
    allowed_hosts: frozenset[str] = frozenset()

    def allows(self, endpoint: str) -> bool:
        return endpoint_host(endpoint) in {*self.allowed_hosts, endpoint_host(self.service_endpoint)} - {""}


def endpoint_host(url: str) -> str:
    """``host`` or ``host:port`` of an https EWS URL, lowercased; "" for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        return ""
    return f"{parts.hostname.lower()}:{parts.port}" if parts.port else parts.hostname.lower()


class EwsConnector(EwsMailMixin):
    """One mailbox. ``account``: primary_smtp_address (+ optional service_endpoint, time_zone).
    ``credentials``: username and password (auth_type "basic" or "ntlm"), or an access_token."""

    SUPPORTED_STREAMS = frozenset(STREAMS)

    def __init__(
        self,
        config: EwsConfig,
        account: Mapping[str, str],
        credentials: Mapping[str, Any],
        on_credentials: Callable[[dict[str, Any]], None] = lambda creds: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.smtp_address = str(account["primary_smtp_address"])
        self.endpoint = str(account.get("service_endpoint") or config.service_endpoint)
        if not config.allows(self.endpoint):
            raise ConnectorError(
                "This mailbox names an Exchange server that is not on this server's list of allowed "
                "Exchange hosts (EWS_ALLOWED_HOSTS); its password is not sent there.",
                permanent=True,
                code="MAIL_CONFIG",
            )
        self.time_zone = str(account.get("time_zone") or "UTC")
        self.credentials = dict(credentials)
        self._on_credentials = on_credentials  # passwords are not refreshed; kept for the shared signature
        self._sleep = sleep
        self.calls = 0
        self.token_calls = 0
        self._last = LastResponse()
        self._account: Account | None = None
        self._containers: dict[str, str] = {}  # stream -> dedicated folder id, once known

    # -- plumbing ---------------------------------------------------------------------------------
    def _count(self, response: requests.Response) -> None:
        if response.url.split("?")[0].rstrip("/").lower() == self.endpoint.rstrip("/").lower():
            self.calls += 1
        retry_after = response.headers.get("Retry-After")
        content_type = response.headers.get("Content-Type", "")
        self._last = LastResponse(
            status=response.status_code,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
            soap="xml" in content_type,
        )

    @property
    def account(self) -> Account:
        if self._account is None:
            try:
                self._account = open_account(
                    service_endpoint=self.endpoint,
                    smtp_address=self.smtp_address,
                    credentials=self.credentials,
                    build=self.config.build,
                    ca_bundle=self.config.ca_bundle,
                    timeout=self.config.timeout,
                    time_zone=self.time_zone,
                    on_response=self._count,
                )
            except ValueError as error:
                raise ConnectorError(str(error), permanent=True, code="MAIL_CONFIG") from error
        return self._account

    def _call(self, what: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            self._last = LastResponse()
            try:
                return call()
            except Exception as error:  # exchangelib raises its own and requests' errors: translate all
                raise from_exception(error, self._last) from error

        return call_with_retry(attempt, policy=self.config.retry, what=what, sleep=self._sleep)

    def _folder(self, spec: EwsStream, container: str = "") -> Folder:
        """The stream's folder: its dedicated folder by id, else the default folder, which a
        distinguished folder id names without a GetFolder call (enough to validate field names)."""
        root = Root(account=self.account)
        return spec.folder_cls(root=root, id=container) if container else spec.folder_cls(root=root)

    def _container(self, spec: EwsStream) -> str:
        """The id of the stream's dedicated folder (made when missing); "" for the default calendar."""
        if not spec.container_name:
            return ""
        if spec.name not in self._containers:
            self._containers[spec.name] = self._find_or_create_folder(
                self._folder(spec), spec.container_name, spec.container_class
            )
        return self._containers[spec.name]

    def _find_or_create_folder(self, parent: Folder, name: str, folder_class: str) -> str:
        """The id of ``parent``'s child folder ``name`` (case-insensitive), made when missing: 1-2 calls."""
        parent.to_id()  # settles its distinguished id: exchangelib keys its paging by the folder's hash
        name_field = {FieldPath(field=Folder.get_field_by_fieldname("name"))}
        children = self._call(
            f"find folder {name}",
            lambda: services.run(
                services.FindFolders(account=self.account),
                folders=[parent],
                additional_fields=name_field,
                restriction=None,
                shape=ID_ONLY,
                depth="Shallow",
                max_items=None,
                offset=0,
            ),
        )
        for folder_id, display_name in children:
            if display_name.casefold() == name.casefold():
                return str(folder_id)
        made = self._call(
            f"create folder {name}",
            lambda: services.run(
                services.CreateFolders(account=self.account),
                parent_folder=parent,
                folders=[Folder(root=parent.root, name=name, folder_class=folder_class)],
            ),
        )
        if isinstance(made[0], Exception):
            raise ConnectorError(
                f"Exchange did not make the folder {name!r}: {made[0]}", permanent=False, code="FOLDER"
            )
        return str(made[0].id)

    def _batches(self, values: Sequence[T]) -> Iterable[Sequence[T]]:
        size = max(1, self.config.batch_size)
        for start in range(0, len(values), size):
            yield values[start : start + size]

    def check_sign_in(self) -> None:
        """One GetFolder of the calendar: raises ConnectorError when Exchange refuses the sign-in
        (MAIL_AUTH_REVOKED), the mailbox (MAIL_ACCESS_DENIED) or cannot be reached. Onboarding tests
        a password with it before saving anything."""
        calendar = STREAMS["events"].folder_cls(root=Root(account=self.account))
        answers = self._call(
            "sign-in check GetFolder",
            lambda: services.run(
                services.GetFolders(account=self.account),
                folders=[calendar],
                additional_fields=set(),
                shape=ID_ONLY,
            ),
        )
        if answers and isinstance(answers[0], Exception):
            raise from_exception(answers[0])

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(self, *, stream: str, cursor: str, window: Window | None = None) -> ChangeSet:
        """Changed items since ``cursor`` (a stored sync state), inside ``window`` for events.

        A cursor made for another window, or a sync state Exchange no longer accepts, starts a full
        read; the engine then treats unseen pairs as candidates to confirm.
        """
        spec = _spec(stream)
        state = _parse_cursor(cursor, stream)
        scope = [_iso(window.start), _iso(window.end)] if spec.windowed and window else None
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
        changes, new_state = self._sync_all(self._folder(spec, container), spec.fields, sync_state, spec.name)
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
        return self._call(
            f"{spec.name} CalendarView",
            lambda: services.find_items(self.account, folders=[folder], fields=fields, calendar_view=view),
        )

    def _sync_all(
        self, folder: Folder, field_names: Sequence[str], sync_state: str | None, what: str
    ) -> tuple[list[tuple[str, Any]], str]:
        """Every SyncFolderItems change after ``sync_state`` (None: from the start), page by page, each
        page retried on its own; and the sync state to store."""
        fields = {f for f in folder.normalize_fields(fields=list(field_names)) if not f.field.is_attribute}
        service = services.SyncItems(account=self.account)
        page_size = min(max(1, self.config.page_size), MAX_SYNC_PAGE)
        changes: list[tuple[str, Any]] = []
        while True:

            def page(state: str | None = sync_state) -> list[Any]:
                answers = list(
                    service.call(
                        folder=folder,
                        shape=ID_ONLY,
                        additional_fields=fields,
                        sync_state=state,
                        ignore=None,
                        max_changes_returned=page_size,
                        sync_scope=None,
                    )
                )
                for answer in answers:
                    # The call's one response message failed (the folder, the sync state, the sign-in):
                    # a whole-call error. Items that fail come back as Unreadable, not here.
                    if isinstance(answer, Exception):
                        raise answer
                return answers

            changes += self._call(f"{what} SyncFolderItems", page)
            previous, sync_state = sync_state, service.sync_state
            if service.includes_last_item_in_range or sync_state == previous:
                return changes, str(sync_state or "")

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
        for chunk in self._batches(list(ids)):
            answers += self._call(
                f"{spec.name} GetItem",
                lambda chunk=chunk: services.run(
                    services.GetItems(account=self.account, chunk_size=len(chunk)),
                    items=[(i, None) for i in chunk],
                    additional_fields=fields,
                    shape=ID_ONLY,
                ),
            )
        return answers

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
        for chunk in self._batches(sorted(wanted)):
            restriction = Restriction(
                Q(**{f"{stamp.FIELD}__in": list(chunk)}), folders=[folder], applies_to=Restriction.ITEMS
            )
            items = self._call(
                f"{spec.name} FindItem by sync key",
                lambda restriction=restriction: services.find_items(
                    self.account, folders=[folder], fields=fields, restriction=restriction
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
                item = spec.item_cls(account=self.account, folder=folder, **attrs)
                item.clean(version=self.account.version)
            except (ValueError, TypeError) as error:
                results[index] = WriteResult(ok=False, code="INVALID_VALUE", message=str(error))
                continue
            built.append((index, item))
        for chunk in self._batches(built):
            answers = self._call(
                f"{spec.name} CreateItem",
                lambda chunk=chunk: services.run(
                    services.CreateItems(account=self.account, chunk_size=len(chunk)),
                    items=[item for _, item in chunk],
                    folder=folder,
                    message_disposition=SAVE_ONLY,
                    send_meeting_invitations=SEND_TO_NONE,
                ),
            )
            for (index, _), answer in zip(chunk, answers, strict=True):
                results[index] = _result(answer, "")
        return [r for r in results if r is not None]

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
            item = spec.item_cls(account=self.account, id=item_id, changekey=None, **attrs)
            built.append((index, (item, names)))
        for chunk in self._batches(built):
            answers = self._call(
                f"{spec.name} UpdateItem",
                lambda chunk=chunk: services.run(
                    services.UpdateItems(account=self.account, chunk_size=len(chunk)),
                    items=[change for _, change in chunk],
                    conflict_resolution=ALWAYS_OVERWRITE,
                    message_disposition=SAVE_ONLY,
                    send_meeting_invitations_or_cancellations=SEND_TO_NONE,
                    suppress_read_receipts=True,
                ),
            )
            for (index, (item, _)), answer in zip(chunk, answers, strict=True):
                results[index] = _result(answer, str(item.id))
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
            return ews_events.apply(values, self.account.default_timezone)
        if spec.name == "tasks":
            return ews_tasks.apply(values)
        return ews_contacts.apply(values, current)

    def delete(self, *, stream: str, ids: Sequence[str]) -> list[WriteResult]:
        spec = _spec(stream)
        results: list[WriteResult] = []
        for chunk in self._batches(list(ids)):
            answers = self._call(
                f"{spec.name} DeleteItem",
                lambda chunk=chunk: services.run(
                    services.DeleteItems(account=self.account, chunk_size=len(chunk)),
                    items=[(i, None) for i in chunk],
                    delete_type=MOVE_TO_DELETED_ITEMS,
                    send_meeting_cancellations=SEND_TO_NONE,
                    affected_task_occurrences=ALL_OCCURRENCES,
                    suppress_read_receipts=True,
                ),
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


def _parse_cursor(cursor: str, stream: str) -> dict[str, Any]:
    """A stored cursor; one that cannot be read starts a full read (nothing is lost, only re-read)."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        log.warning("unreadable EWS cursor for %s; reading in full", stream)
        return {}
    return state if isinstance(state, dict) else {}


def _spec(stream: str) -> EwsStream:
    if stream not in STREAMS:
        raise ConnectorError(
            f"Exchange mailboxes cannot sync {stream!r}", permanent=True, code="UNSUPPORTED_STREAM"
        )
    return STREAMS[stream]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
