"""Exchange Server (on-premises) sign-in and calls over EWS, through exchangelib.

Each call is retried on its own (``call_with_retry``) with exchangelib's and requests' errors
translated; batched services take up to ``batch_size`` items in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from exchangelib import Account
from exchangelib.fields import FieldPath
from exchangelib.folders import Folder, Root
from exchangelib.items import ID_ONLY

from connectors.base import ConnectorError, MailboxAccess, ProviderClient, RetryPolicy
from connectors.ews import services
from connectors.ews.errors import from_exception
from connectors.ews.streams import STREAMS
from connectors.ews.transport import LastResponse, open_account

T = TypeVar("T")
MAX_SYNC_PAGE = 512  # the most SyncFolderItems returns in one call


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


class EwsClient(ProviderClient):
    """One mailbox's way into Exchange. ``account``: primary_smtp_address (+ optional
    service_endpoint, time_zone). ``credentials``: username and password (auth_type "basic" or
    "ntlm"), or an access_token; passwords are not refreshed, so ``on_credentials`` is never called."""

    def __init__(self, config: EwsConfig, access: MailboxAccess) -> None:
        super().__init__(access, config.retry)
        account = access.account
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
        self._last = LastResponse()
        self._account: Account | None = None

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

    def call(self, what: str, call: Callable[..., T]) -> T:
        """``call()`` (a lambda may bind its batch as a default), retried as the policy says."""

        def attempt() -> T:
            self._last = LastResponse()
            try:
                return call()
            except Exception as error:  # exchangelib raises its own and requests' errors: translate all
                raise from_exception(error, self._last) from error

        return self.retried(attempt, what)

    def find_or_create_folder(self, parent: Folder, name: str, folder_class: str) -> str:
        """The id of ``parent``'s child folder ``name`` (case-insensitive), made when missing: 1-2 calls."""
        parent.to_id()  # settles its distinguished id: exchangelib keys its paging by the folder's hash
        name_field = {FieldPath(field=Folder.get_field_by_fieldname("name"))}
        children = self.call(
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
        made = self.call(
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

    def batches(self, values: Sequence[T]) -> Iterable[Sequence[T]]:
        size = max(1, self.config.batch_size)
        for start in range(0, len(values), size):
            yield values[start : start + size]

    def check_sign_in(self) -> None:
        """One GetFolder of the calendar: raises ConnectorError when Exchange refuses the sign-in
        (MAIL_AUTH_REVOKED), the mailbox (MAIL_ACCESS_DENIED) or cannot be reached. Onboarding tests
        a password with it before saving anything."""
        calendar = STREAMS["events"].folder_cls(root=Root(account=self.account))
        answers = self.call(
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

    def sync_all(
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

            changes += self.call(f"{what} SyncFolderItems", page)
            previous, sync_state = sync_state, service.sync_state
            if service.includes_last_item_in_range or sync_state == previous:
                return changes, str(sync_state or "")
