"""Salesforce over REST with simple-salesforce: change reads by SystemModstamp, writes in
sObject Collections of up to 200 records per call, creates as upserts on the sync-key External ID.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from simple_salesforce import Salesforce

from connectors.base import (
    ConnectorError,
    CrmSide,
    ForeignLinkError,
    RetryPolicy,
    WriteResult,
    call_with_retry,
)
from connectors.http import make_session
from connectors.salesforce import queries
from connectors.salesforce.errors import TRANSIENT_ITEM_CODES, first_error, translate
from connectors.salesforce.hosts import SALESFORCE_DOMAINS, host_accepted
from connectors.salesforce.soql import literal
from mapping.converters import parse_instant
from syncengine.core.records import ChangeSet, ItemChange

log = logging.getLogger(__name__)
COLLECTION_LIMIT = 200  # records per sObject Collections call


@dataclass(frozen=True)
class SalesforceConfig:
    login_url: str
    client_id: str
    client_secret: str
    api_version: str = "62.0"
    sync_key_field: str = "MailSync_Key__c"
    # The instance hosts a token may go to, besides the login URL's (connectors/salesforce/hosts.py).
    instance_domains: tuple[str, ...] = SALESFORCE_DOMAINS
    ca_bundle: str = ""
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Named on every call (Sforce-Call-Options): Salesforce's change events carry it as their
    # changeOrigin, which tells the engine's own writes from a person's.
    client_name: str = "mailsync"


class SalesforceConnector(CrmSide):
    """One user's Salesforce. ``credentials``: instance_url, access_token, refresh_token, user_id."""

    config: SalesforceConfig

    def __init__(
        self,
        config: SalesforceConfig,
        credentials: Mapping[str, str],
        on_credentials: Callable[[dict[str, str]], None] = lambda creds: None,
    ) -> None:
        self.config = config
        self.credentials = dict(credentials)
        self._on_credentials = on_credentials
        self.calls = 0
        self.token_calls = 0
        self.api_usage = ""
        self.server_time = ""  # the Date of Salesforce's last answer: its clock, not ours
        self.session = make_session(
            ca_bundle=config.ca_bundle, timeout=config.timeout, on_response=self._count
        )
        self.session.headers["Sforce-Call-Options"] = f"client={config.client_name}"
        self._client: Salesforce | None = None

    # -- plumbing ---------------------------------------------------------------------------------
    def _count(self, response: requests.Response) -> None:
        if "/services/oauth2/" in response.url:
            self.token_calls += 1
            return
        self.calls += 1
        self.api_usage = response.headers.get("Sforce-Limit-Info", self.api_usage).removeprefix("api-usage=")
        self.server_time = response.headers.get("Date", self.server_time)

    @property
    def client(self) -> Salesforce:
        if self._client is None:
            if not self.credentials.get("access_token"):
                self.refresh()
            self._check_instance(self.credentials.get("instance_url", ""))
            self._client = Salesforce(
                instance_url=self.credentials["instance_url"],
                session_id=self.credentials["access_token"],
                session=self.session,
                version=self.config.api_version,
            )
        return self._client

    @property
    def user_id(self) -> str:
        return self.credentials.get("user_id", "")

    def refresh(self) -> None:
        """Trade the refresh token for a new access token (Salesforce OAuth 2.0 refresh flow)."""
        url = self.config.login_url.rstrip("/") + "/services/oauth2/token"
        data = {
            "grant_type": "refresh_token",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "refresh_token": self.credentials.get("refresh_token", ""),
        }
        try:
            response = self.session.post(url, data=data, timeout=self.config.timeout)
        except requests.RequestException as error:
            raise translate(error) from error
        if response.status_code != 200:
            code, message = first_error(_json(response))
            permanent = response.status_code < 500
            raise ConnectorError(
                "Salesforce no longer accepts this user's sign-in: reconnect Salesforce. "
                f"({code}: {message[:160]})"
                if permanent
                else f"Salesforce login service unavailable ({response.status_code})",
                permanent=permanent,
                code="CRM_AUTH_REVOKED" if permanent else "LOGIN_UNAVAILABLE",
                status=response.status_code,
            )
        body = response.json()
        instance_url = str(body.get("instance_url") or self.credentials.get("instance_url", ""))
        self._check_instance(instance_url)  # before the new token is kept or sent anywhere
        self.credentials["access_token"] = body["access_token"]
        self.credentials["instance_url"] = instance_url
        if body.get("refresh_token"):
            self.credentials["refresh_token"] = body["refresh_token"]
        self._client = None
        self._on_credentials(dict(self.credentials))

    def _check_instance(self, instance_url: str) -> None:
        """A stored or refreshed instance URL outside the hosts we chose never receives the token."""
        config = self.config
        if not host_accepted(instance_url, login_url=config.login_url, domains=config.instance_domains):
            raise ConnectorError(
                "The Salesforce connection names a server outside Salesforce "
                f"({instance_url[:120] or 'none'}); no token was sent. Reconnect Salesforce.",
                permanent=True,
                code="CRM_INSTANCE_REFUSED",
            )

    def _call(self, what: str, fn: Callable[..., Any]) -> Any:
        """``fn(client)`` (a lambda may bind its query as a default), retried as the policy says."""

        def attempt() -> Any:
            try:
                return fn(self.client)
            except Exception as error:  # every failure leaves here as a ConnectorError
                raise translate(error) from error

        return call_with_retry(attempt, policy=self.config.retry, refresh_auth=self.refresh, what=what)

    def _more(self, next_records_url: str) -> Any:
        """The next page of a query. simple-salesforce joins the link onto the instance host, so only
        a plain API path is followed: "@host" or "//host" would send the session to another host."""
        if not _API_PATH.match(next_records_url):
            raise ForeignLinkError("Salesforce's next-page link")
        return self._call("soql-more", lambda sf: sf.query_more(next_records_url, identifier_is_url=True))

    # -- reads ------------------------------------------------------------------------------------
    def read_changes(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        cursor: str,
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
        label_field: str = "",
        extra_where: str = "",
        always_where: str = "",
        widen_where: str = "",
    ) -> ChangeSet:
        """Records of this user changed since ``cursor`` (a SystemModstamp), deletions included.

        One queryAll reads both live and deleted rows, so a quiet stream costs one call. ``extra_where``
        narrows the first, full read (the calendar window); ``always_where`` every read; ``widen_where``
        adds to a read of changes the rows it matches, whatever their age.
        """
        key_field = self.config.sync_key_field
        since = parse_instant(cursor) if cursor else None
        soql = queries.changes_since(
            crm_object,
            queries.record_fields(key_field, fields, label_field),
            owner_id=self.user_id,
            since=since,
            first_read_where=extra_where,
            always_where=always_where,
            widen_where=widen_where,
        )

        changes: list[ItemChange] = []
        newest = cursor
        page = self._call("soql", lambda sf: sf.query(soql, include_deleted=True))
        while True:
            for row in page["records"]:
                stamp = row.get("SystemModstamp") or ""
                newest = max(newest, _neutral_stamp(stamp)) if newest else _neutral_stamp(stamp)
                changes.append(_row_change(row, neutral, label_field, key_field))
            if page.get("done", True):
                break
            next_url = page["nextRecordsUrl"]
            page = self._more(next_url)
        if not newest:
            # Nothing to read yet: start the cursor at Salesforce's own "now", so the next read
            # asks only for changes (deletions included) rather than everything again.
            newest = _neutral_stamp(_http_date(self.server_time))
        return ChangeSet(changes=changes, next_cursor=newest, full=since is None)

    def read_items(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        ids: Sequence[str],
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
        label_field: str = "",
    ) -> dict[str, ItemChange]:
        """These records as they are now, deleted ones included (queryAll), in as few queries as the
        URI limit allows: id -> change as ``read_changes`` reports it. A record Salesforce no longer
        has at all is left out. The engine retries failed items with this."""
        key_field = self.config.sync_key_field
        found: dict[str, ItemChange] = {}
        for soql in queries.records_by_id(
            crm_object, queries.record_fields(key_field, fields, label_field), ids
        ):
            page = self._call("soql", lambda sf, q=soql: sf.query(q, include_deleted=True))
            while True:
                for row in page["records"]:
                    found[row["Id"]] = _row_change(row, neutral, label_field, key_field)
                if page.get("done", True):
                    break
                url = page["nextRecordsUrl"]
                page = self._more(url)
        # Salesforce answers 15- or 18-character ids; the caller asked with its own spelling.
        by_prefix = {k[:15]: v for k, v in found.items()}
        return {i: by_prefix[i[:15]] for i in ids if i[:15] in by_prefix}

    def fields_by_id(
        self, crm_object: str, fields: Sequence[str], ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """A few fields of these records, deleted ones included (queryAll): id (18 characters) ->
        {field: value}. The change event listener learns with it whose a record is when its event
        did not say (an update, a delete)."""
        found: dict[str, dict[str, Any]] = {}
        for soql in queries.records_by_id(crm_object, ["Id", *fields], ids):
            page = self._call("soql", lambda sf, q=soql: sf.query(q, include_deleted=True))
            while True:
                for row in page["records"]:
                    found[row["Id"]] = {f: row.get(f) for f in fields}
                if page.get("done", True):
                    break
                page = self._more(page["nextRecordsUrl"])
        return found

    def find_matches(
        self,
        *,
        crm_object: str,
        fields: Sequence[str],
        match_fields: Mapping[str, str],
        candidates: Sequence[tuple[Any, ...]],
        neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
    ) -> dict[tuple[Any, ...], tuple[str, dict[str, Any], str]]:
        """Existing records whose ``match_fields`` equal a candidate (the oldest wins), with their
        sync key: the natural-key lookup that prevents twins. ``match_fields``: field -> its describe
        type, which alone decides each literal's form. One field: ``IN``; several: an ``OR`` of
        ``AND``s; as few queries as Salesforce's URI limit allows. A candidate that cannot be a value
        of its fields' types matches nothing (it is created as new)."""
        found: dict[tuple[Any, ...], tuple[str, dict[str, Any], str]] = {}
        typed = list(match_fields.items())
        rendered: list[list[str]] = []
        for candidate in candidates:
            try:
                rendered.append([literal(v, t) for v, (_, t) in zip(candidate, typed, strict=True)])
            except ValueError:
                log.info("natural-key candidate skipped: a value does not fit its field's type")
        key_field = self.config.sync_key_field
        select = list(dict.fromkeys(["Id", "CreatedDate", key_field, *match_fields, *fields]))
        # Split only where the query would pass the URI limit (Salesforce answers 414 beyond ~16 KB).
        matching = queries.natural_matches(crm_object, select, [f for f, _ in typed], rendered)
        for soql in matching:
            for row in self.query(soql):
                key = tuple(comparable(row.get(f)) for f in match_fields)
                found.setdefault(key, (row["Id"], neutral(row), str(row.get(key_field) or "")))
        return found

    def ids_by_sync_key(self, *, crm_object: str, keys: Sequence[str]) -> dict[str, str]:
        """Records carrying these sync keys, in as few queries as the URI limit allows: key -> id."""
        field = self.config.sync_key_field
        found: dict[str, str] = {}
        for soql in queries.by_sync_key(crm_object, field, keys):
            for row in self.query(soql):
                found[str(row[field])] = row["Id"]
        return found

    def describe(self, crm_object: str) -> dict[str, Any]:
        """The object's describe (fields, types, lengths, picklists): one call."""
        return dict(self._call("describe", lambda sf: sf.restful(f"sobjects/{crm_object}/describe/")) or {})

    # -- writes -----------------------------------------------------------------------------------
    def upsert(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Create-or-update on the sync key: repeating a create after a crash finds the first one."""
        path = f"composite/sobjects/{crm_object}/{self.config.sync_key_field}"
        body = [{"attributes": {"type": crm_object}, **r} for r in records]
        return self._collection("PATCH", path, body)

    def create(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Plain creates, for records that need no sync key (relations)."""
        body = [{"attributes": {"type": crm_object}, **r} for r in records]
        return self._collection("POST", "composite/sobjects", body)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a query, page by page (2,000 rows a call)."""
        rows: list[dict[str, Any]] = []
        page = self._call("soql", lambda sf: sf.query(soql))
        while True:
            rows.extend(page["records"])
            if page.get("done", True):
                return rows
            url = page["nextRecordsUrl"]
            page = self._more(url)

    def update(self, *, crm_object: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        body = [{"attributes": {"type": crm_object}, **r} for r in records]
        return self._collection("PATCH", "composite/sobjects", body)

    def delete(self, *, ids: Sequence[str]) -> list[WriteResult]:
        results: list[WriteResult] = []
        for start in range(0, len(ids), COLLECTION_LIMIT):
            chunk = list(ids[start : start + COLLECTION_LIMIT])
            params = {"ids": ",".join(chunk), "allOrNone": "false"}
            answer = self._call(
                "delete", lambda sf, p=params: sf.restful("composite/sobjects", method="DELETE", params=p)
            )
            results.extend(_results(answer or [], chunk))
        return results

    def _collection(self, method: str, path: str, records: list[dict[str, Any]]) -> list[WriteResult]:
        results: list[WriteResult] = []
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[start : start + COLLECTION_LIMIT]
            payload = {"allOrNone": False, "records": chunk}
            answer = self._call(path, lambda sf, p=payload: sf.restful(path, method=method, json=p))
            results.extend(_results(answer or [], [str(r.get("Id") or r.get("id") or "") for r in chunk]))
        return results


def _row_change(
    row: Mapping[str, Any],
    neutral: Callable[[Mapping[str, Any]], dict[str, Any]],
    label_field: str,
    key_field: str,
) -> ItemChange:
    stamp = row.get("SystemModstamp") or ""
    deleted = bool(row.get("IsDeleted"))
    return ItemChange(
        id=row["Id"],
        version=stamp,
        values={} if deleted else neutral(row),
        deleted=deleted,
        modified_at=_neutral_stamp(stamp),
        label=str(row.get(label_field) or "") if label_field else "",
        sync_key=str(row.get(key_field) or ""),
    )


def _results(answer: list[dict[str, Any]], ids: list[str]) -> list[WriteResult]:
    if len(answer) != len(ids):
        raise ConnectorError(
            f"Salesforce answered {len(answer)} results for {len(ids)} records",
            permanent=False,
            code="BAD_ANSWER",
        )
    out = []
    for item, fallback_id in zip(answer, ids, strict=True):
        if item.get("success"):
            out.append(
                WriteResult(ok=True, id=str(item.get("id") or fallback_id), created=item.get("created"))
            )
            continue
        errors = item.get("errors") or [{}]
        code = str(errors[0].get("statusCode", "UNKNOWN"))
        fields = errors[0].get("fields") or []
        message = str(errors[0].get("message", "")) + (f" (fields: {', '.join(fields)})" if fields else "")
        out.append(
            WriteResult(
                ok=False,
                id=fallback_id,
                code=code,
                message=message,
                permanent=code not in TRANSIENT_ITEM_CODES,
            )
        )
    return out


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _neutral_stamp(stamp: str) -> str:
    parsed = parse_instant(stamp)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if parsed else ""


# A next-page link as Salesforce sends it: a plain path under the API, nothing that names a host.
_API_PATH = re.compile(r"^/services/data/v\d+\.\d+/[A-Za-z0-9/_.\-]*$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")


def comparable(value: Any) -> Any:
    """Salesforce's answer in the form a candidate was given in (lower-case text, UTC instants)."""
    if isinstance(value, str) and _DATETIME.match(value):
        parsed = parse_instant(value)
        return parsed.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if parsed else value
    return value.lower() if isinstance(value, str) else value


def _http_date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
    except (TypeError, ValueError):
        return ""
