"""The /services/data/vNN.N/ resources: describe, sObject rows, collections, query, updated/deleted."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

from sandbox.base import Request, Response, json_response
from sandbox.salesforce.errors import NOT_FOUND_MESSAGE, ROLLED_BACK, SalesforceError, rest_error
from sandbox.salesforce.ids import is_id, new_id, to18
from sandbox.salesforce.schema import SObjectType
from sandbox.salesforce.soql import Evaluator, blob_url, no_such_column, parse
from sandbox.salesforce.store import Org, Record, Store
from sandbox.salesforce.values import format_datetime, parse_datetime

COLLECTION_MAX = 200
RETRIEVE_MAX = 2000
BATCH_DEFAULT = 2000
MAX_OPEN_CURSORS = 500
LONG_TEXT_BATCH = 200
MAX_URI_BYTES = 16_384  # URI and headers of one REST call; a longer URI is answered 414
MAX_SOQL_CHARS = 100_000
MAX_BODY_BYTES = 50 * 1024 * 1024  # a non-multipart JSON body
# Salesforce refuses to list file shares unless the query names the files or the records.
_LINK_FILTER_FIELDS = {"contentdocumentid", "linkedentityid", "id"}


@dataclass
class Ctx:
    org: Org
    user_id: str
    version: str


@dataclass
class Cursor:
    org_id: str
    records: list[Record]
    batch: int


class RestApi:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.cursors: dict[str, Cursor] = {}

    # -- helpers ----------------------------------------------------------------------------------
    def otype(self, ctx: Ctx, name: str) -> SObjectType:
        return self.store.sobject_or_error(ctx.org, name)

    @staticmethod
    def body(request: Request) -> Any:
        if len(request.body) > MAX_BODY_BYTES:
            raise rest_error(413, "REQUEST_ENTITY_TOO_LARGE", "Request body exceeds the maximum allowed size")
        try:
            return request.json()
        except (ValueError, UnicodeDecodeError) as error:
            raise rest_error(
                400, "JSON_PARSER_ERROR", f"Unexpected character in request body: {error}"
            ) from None

    def render(self, ctx: Ctx, otype: SObjectType, record: Record, fields: list[str] | None = None) -> Record:
        url = f"/services/data/v{ctx.version}/sobjects/{otype.name}/{record['Id']}"
        out: Record = {"attributes": {"type": otype.name, "url": url}}
        names = fields or [f.name for f in otype.fields.values()]
        for name in names:
            fdef = otype.field(name)
            if fdef is None:
                raise no_such_column(name, otype.name)
            out[fdef.name] = record.get(fdef.name)
            if fdef.type == "base64" and record.get(fdef.name):
                out[fdef.name] = blob_url(otype.name, record["Id"], fdef.name, ctx.version)
        return out

    @staticmethod
    def _fields_param(value: str | list[str] | None) -> list[str] | None:
        if value is None:
            return None
        items = value.split(",") if isinstance(value, str) else value
        return [f.strip() for f in items if f.strip()] or None

    # -- describe and limits ------------------------------------------------------------------------
    def versions(self, request: Request) -> Response:
        return json_response(
            200,
            [
                {"label": f"Release {v}", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
                for v in range(55, 63)
            ],
        )

    def resources(self, request: Request, ctx: Ctx) -> Response:
        base = f"/services/data/v{ctx.version}"
        names = ["sobjects", "query", "queryAll", "composite", "limits"]
        return json_response(200, {name: f"{base}/{name}" for name in names})

    def limits(self, request: Request, ctx: Ctx) -> Response:
        org = ctx.org
        return json_response(
            200,
            {
                "DailyApiRequests": {"Max": org.api_max, "Remaining": max(org.api_max - org.api_used, 0)},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            },
        )

    def describe_global(self, request: Request, ctx: Ctx) -> Response:
        sobjects = [self.otype(ctx, name).describe_summary(ctx.version) for name in self.store.standard]
        return json_response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def sobject_info(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        return json_response(200, {"objectDescribe": otype.describe_summary(ctx.version), "recentItems": []})

    def describe(self, request: Request, ctx: Ctx) -> Response:
        return json_response(200, self.otype(ctx, request.params["type"]).describe(ctx.version))

    # -- rows -------------------------------------------------------------------------------------
    def create(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        record_id = self.store.create(ctx.org, otype, self.body(request), ctx.user_id)
        return json_response(201, {"id": record_id, "success": True, "errors": []})

    def blob(self, request: Request, ctx: Ctx) -> Response:
        """The raw bytes of a blob field, e.g. ContentVersion.VersionData."""
        otype = self.otype(ctx, request.params["type"])
        fdef = otype.field(request.params["blob"])
        record = self.store.get_typed(ctx.org, otype, request.params["id"])
        if fdef is None or fdef.type != "base64":
            raise SalesforceError("NOT_FOUND", NOT_FOUND_MESSAGE, status=404)
        data = base64.b64decode(record.get(fdef.name) or "")
        return Response(200, data, {"Content-Type": "application/octetstream"})

    def get(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        record = self.store.get_typed(ctx.org, otype, request.params["id"])
        return json_response(
            200, self.render(ctx, otype, record, self._fields_param(request.query.get("fields")))
        )

    def update(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        self.store.update(ctx.org, otype, request.params["id"], self.body(request), ctx.user_id)
        return json_response(204, None)

    def delete(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        self.store.get_typed(ctx.org, otype, request.params["id"])
        self.store.delete(ctx.org, request.params["id"])
        return json_response(204, None)

    def _external_field(self, otype: SObjectType, name: str) -> str:
        fdef = otype.field(name)
        if fdef is None or not (fdef.external_id or fdef.name == "Id"):
            raise SalesforceError(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {name}",
                status=404,
            )
        return fdef.name

    def get_by_external_id(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        field = self._external_field(otype, request.params["field"])
        value = unquote(request.params["value"])
        matches = self.store.find_by(ctx.org, otype, field, value)
        if not matches:
            raise SalesforceError("NOT_FOUND", NOT_FOUND_MESSAGE, status=404)
        if len(matches) > 1:
            return self._multiple(ctx, otype, matches)
        fields = self._fields_param(request.query.get("fields"))
        return json_response(200, self.render(ctx, otype, matches[0], fields))

    def _multiple(self, ctx: Ctx, otype: SObjectType, matches: list[Record]) -> Response:
        urls = [f"/services/data/v{ctx.version}/sobjects/{otype.name}/{r['Id']}" for r in matches]
        return json_response(300, urls)

    def _upsert_one(
        self, ctx: Ctx, otype: SObjectType, field: str, value: Any, data: Any, collection: bool
    ) -> tuple[str, bool]:
        if not isinstance(data, dict):
            raise SalesforceError("JSON_PARSER_ERROR", "The request body must be a JSON object")
        data = {k: v for k, v in data.items() if k != "attributes"}
        given = next((k for k in data if k.lower() == field.lower()), None)
        if given is not None:
            if value is None:
                value = data[given]
            elif str(data[given]) != str(value):
                raise SalesforceError(
                    "INVALID_FIELD",
                    f"The value of {field} in the body does not match the external id in the URL",
                )
            data.pop(given)
        if value in (None, ""):
            raise SalesforceError("MISSING_ARGUMENT", f"{field} not specified", [field])
        if field == "Id":
            self.store.update(ctx.org, otype, str(value), data, ctx.user_id, collection)
            return to18(str(value)), False
        matches = self.store.find_by(ctx.org, otype, field, value)
        if len(matches) > 1:
            raise SalesforceError(
                "DUPLICATE_EXTERNAL_ID",
                f"{field}: more than one record found for external id field: {[r['Id'] for r in matches]}",
                [field],
                status=300,
            )
        if matches:
            return self.store.update(ctx.org, otype, matches[0]["Id"], data, ctx.user_id, collection), False
        return self.store.create(ctx.org, otype, {**data, field: value}, ctx.user_id, collection), True

    def upsert(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        field = self._external_field(otype, request.params["field"])
        value = unquote(request.params["value"])
        if field != "Id":
            matches = self.store.find_by(ctx.org, otype, field, value)
            if len(matches) > 1:
                return self._multiple(ctx, otype, matches)
        record_id, created = self._upsert_one(ctx, otype, field, value, self.body(request), collection=False)
        payload = {"id": record_id, "success": True, "errors": [], "created": created}
        return json_response(201 if created else 200, payload)

    # -- replication --------------------------------------------------------------------------------
    def _window(self, request: Request) -> tuple[Any, Any]:
        start = parse_datetime(request.query.get("start", ""))
        end = parse_datetime(request.query.get("end", ""))
        if start is None or end is None:
            raise rest_error(400, "INVALID_REPLICATION_DATE", "start and end must be valid dateTime values")
        if end < start:
            raise rest_error(
                400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate"
            )
        return start, end

    def updated(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        start, end = self._window(request)
        rows = sorted(self.store.table(ctx.org, otype.name).values(), key=lambda r: r["SystemModstamp"])
        ids = [r["Id"] for r in rows if start <= (parse_datetime(r["SystemModstamp"]) or start) <= end]
        return json_response(200, {"ids": ids, "latestDateCovered": format_datetime(end)})

    def deleted(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        start, end = self._window(request)
        rows = sorted(self.store.graveyard(ctx.org, otype.name).values(), key=lambda r: r["SystemModstamp"])
        found = [
            {"id": r["Id"], "deletedDate": r["SystemModstamp"]}
            for r in rows
            if start <= (parse_datetime(r["SystemModstamp"]) or start) <= end
        ]
        return json_response(
            200,
            {
                "deletedRecords": found,
                "earliestDateAvailable": format_datetime(ctx.org.created),
                "latestDateCovered": format_datetime(end),
            },
        )

    # -- sObject Collections ----------------------------------------------------------------------
    def _collection_body(self, request: Request) -> tuple[list[Any], bool]:
        body = self.body(request)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise rest_error(400, "JSON_PARSER_ERROR", "Request body must contain a 'records' array")
        records = body["records"]
        if len(records) > COLLECTION_MAX:
            raise self._too_many(COLLECTION_MAX)
        return records, bool(body.get("allOrNone", False))

    @staticmethod
    def _too_many(limit: int) -> Exception:
        return rest_error(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {limit} records into this call",
        )

    def _run_items(self, ctx: Ctx, items: list[Any], all_or_none: bool, op: Any) -> Response:
        """Apply `op(item) -> result dict` to each item; errors stay per item; all-or-none rolls back."""
        snapshot = self.store.snapshot(ctx.org) if all_or_none else None
        results: list[dict[str, Any]] = []
        failed = False
        for item in items:
            try:
                results.append({**op(item), "success": True, "errors": []})
            except SalesforceError as error:
                failed = True
                result: dict[str, Any] = {"success": False, "errors": [error.item()]}
                item_id = _item_id(item)
                if item_id:
                    result = {"id": item_id, **result}
                results.append(result)
        if failed and snapshot is not None:
            self.store.restore(ctx.org, snapshot)
            for i, result in enumerate(results):
                if result["success"]:
                    kept = {"id": result["id"]} if _item_id(items[i]) else {}
                    created = {"created": False} if "created" in result else {}
                    results[i] = {**kept, "success": False, "errors": [ROLLED_BACK.item()], **created}
        return json_response(200, results)

    def _item_type(self, ctx: Ctx, item: Any) -> tuple[SObjectType, dict[str, Any]]:
        if not isinstance(item, dict):
            raise SalesforceError("JSON_PARSER_ERROR", "Each record must be a JSON object")
        attributes = item.get("attributes") or {}
        name = attributes.get("type") if isinstance(attributes, dict) else None
        if not name:
            raise SalesforceError("INVALID_TYPE", "Must send a concrete entity type.")
        otype = self.store.sobject(ctx.org, name)
        if otype is None:
            raise SalesforceError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return otype, {k: v for k, v in item.items() if k != "attributes"}

    def collection_create(self, request: Request, ctx: Ctx) -> Response:
        records, all_or_none = self._collection_body(request)

        def op(item: Any) -> dict[str, Any]:
            otype, data = self._item_type(ctx, item)
            return {"id": self.store.create(ctx.org, otype, data, ctx.user_id, collection=True)}

        return self._run_items(ctx, records, all_or_none, op)

    def collection_update(self, request: Request, ctx: Ctx) -> Response:
        records, all_or_none = self._collection_body(request)

        def op(item: Any) -> dict[str, Any]:
            otype, data = self._item_type(ctx, item)
            record_id = _item_id(item)
            if not record_id:
                raise SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
            data = {k: v for k, v in data.items() if k.lower() != "id"}
            self._collection_record(ctx, otype, record_id)
            return {"id": self.store.update(ctx.org, otype, record_id, data, ctx.user_id, collection=True)}

        return self._run_items(ctx, records, all_or_none, op)

    def _collection_record(self, ctx: Ctx, otype: SObjectType, record_id: str) -> Record:
        if not is_id(record_id) or record_id[:3] != otype.key_prefix:
            raise SalesforceError(
                "MALFORMED_ID", f"{otype.name} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        try:
            return self.store.get_typed(ctx.org, otype, record_id)
        except SalesforceError as error:
            if error.code == "ENTITY_IS_DELETED":
                raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted") from None
            raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None

    def collection_delete(self, request: Request, ctx: Ctx) -> Response:
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not ids:
            raise rest_error(400, "MISSING_ARGUMENT", "ids not specified")
        if len(ids) > COLLECTION_MAX:
            raise self._too_many(COLLECTION_MAX)
        all_or_none = request.query.get("allOrNone", "false").lower() == "true"

        def op(record_id: str) -> dict[str, Any]:
            otype_name = self.store.type_of_id(record_id)
            if otype_name is None:
                raise SalesforceError("MALFORMED_ID", f"malformed id {record_id}")
            self._collection_record(ctx, self.otype(ctx, otype_name), record_id)
            return {"id": self.store.delete(ctx.org, record_id)}

        return self._run_items(ctx, [{"id": i} for i in ids], all_or_none, lambda item: op(item["id"]))

    def collection_retrieve(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        if request.method == "POST":
            body = self.body(request) or {}
            ids, fields = body.get("ids") or [], self._fields_param(body.get("fields"))
        else:
            ids = [i for i in request.query.get("ids", "").split(",") if i]
            fields = self._fields_param(request.query.get("fields"))
        if not ids or not fields:
            raise rest_error(400, "MISSING_ARGUMENT", "ids and fields are required")
        if len(ids) > RETRIEVE_MAX:
            raise self._too_many(RETRIEVE_MAX)
        out: list[Record | None] = []
        for record_id in ids:
            record = None
            if is_id(record_id) and record_id[:3] == otype.key_prefix:
                record = self.store.table(ctx.org, otype.name).get(to18(record_id))
            out.append(self.render(ctx, otype, record, fields) if record else None)
        return json_response(200, out)

    def collection_upsert(self, request: Request, ctx: Ctx) -> Response:
        otype = self.otype(ctx, request.params["type"])
        field = self._external_field(otype, request.params["field"])
        records, all_or_none = self._collection_body(request)

        def op(item: Any) -> dict[str, Any]:
            item_type, data = self._item_type(ctx, item)
            if item_type.name != otype.name:
                raise SalesforceError(
                    "INVALID_TYPE", f"Record type {item_type.name} does not match {otype.name}"
                )
            record_id, created = self._upsert_one(ctx, otype, field, None, data, collection=True)
            return {"id": record_id, "created": created}

        return self._run_items(ctx, records, all_or_none, op)

    # -- query ------------------------------------------------------------------------------------
    def query(self, request: Request, ctx: Ctx) -> Response:
        text = request.query.get("q", "")
        if not text.strip():
            raise rest_error(400, "MALFORMED_QUERY", "A query string must be provided")
        if len(request.path) + 1 + len(urlencode(request.query)) > MAX_URI_BYTES:
            raise rest_error(414, "URI_TOO_LONG", "URI Too Long")
        if len(text) > MAX_SOQL_CHARS:
            raise rest_error(
                400, "MALFORMED_QUERY", f"SOQL statements cannot be longer than {MAX_SOQL_CHARS} characters"
            )
        include_deleted = request.path.rstrip("/").endswith("queryAll")
        parsed = parse(text)
        otype = self.store.sobject(ctx.org, parsed.sobject)
        if otype is None:
            raise SalesforceError(
                "INVALID_TYPE",
                f"\n{text}\n^\nERROR at Row:1:Column:1\nsObject type '{parsed.sobject}' is not supported. "
                "If you are attempting to use a custom object, be sure to append the '__c' after the entity "
                "name. Please reference your WSDL or the describe call for the appropriate names.",
            )
        if otype.name == "ContentDocumentLink" and not _names_ids(parsed.where):
            raise SalesforceError(
                "MALFORMED_QUERY",
                "Implementation restriction: ContentDocumentLink requires a filter by a single Id on "
                "ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN "
                "operator.",
            )
        evaluator = Evaluator(
            parsed,
            otype,
            lambda name: self.store.sobject(ctx.org, name),
            lambda rid: self._lookup(ctx, rid),
        )
        rows = list(self.store.table(ctx.org, otype.name).values())
        if include_deleted:
            rows += list(self.store.graveyard(ctx.org, otype.name).values())
        rows = evaluator.sort([r for r in rows if evaluator.matches(r)])
        rows = rows[parsed.offset :]
        if parsed.limit is not None:
            rows = rows[: parsed.limit]
        if parsed.count == "":
            return json_response(200, {"totalSize": len(rows), "done": True, "records": []})
        if parsed.count is not None:
            aggregate = {"attributes": {"type": "AggregateResult"}, parsed.count_alias: len(rows)}
            return json_response(200, {"totalSize": 1, "done": True, "records": [aggregate]})
        projected = [evaluator.project(r, ctx.version) for r in rows]
        batch = _batch_size(request.header("sforce-query-options"))
        long_text = [p for p in evaluator.select if p.fdef.type == "textarea" and p.fdef.length > 255]
        if len(long_text) >= 2:  # two or more long text fields: pages of at most 200 rows
            batch = min(batch, LONG_TEXT_BATCH)
        cursor = Cursor(ctx.org.id, projected, batch)
        return self._page(ctx, cursor, new_id("01g"), 0)

    def _lookup(self, ctx: Ctx, record_id: str) -> tuple[SObjectType, Record] | None:
        found = self.store.get(ctx.org, record_id)
        if found is None:
            return None
        otype = self.store.sobject(ctx.org, found[0])
        return (otype, found[1]) if otype else None

    def _page(self, ctx: Ctx, cursor: Cursor, locator: str, offset: int) -> Response:
        chunk = cursor.records[offset : offset + cursor.batch]
        payload: dict[str, Any] = {"totalSize": len(cursor.records), "done": True, "records": chunk}
        following = offset + cursor.batch
        if following < len(cursor.records):
            self.cursors[locator] = cursor
            while len(self.cursors) > MAX_OPEN_CURSORS:  # like Salesforce, old cursors expire
                del self.cursors[next(iter(self.cursors))]
            payload["done"] = False
            payload["nextRecordsUrl"] = f"/services/data/v{ctx.version}/query/{locator}-{following}"
        else:
            self.cursors.pop(locator, None)
        return json_response(200, payload)

    def query_more(self, request: Request, ctx: Ctx) -> Response:
        locator, _, offset = request.params["locator"].partition("-")
        cursor = self.cursors.get(locator)
        if cursor is None or cursor.org_id != ctx.org.id or not offset.isdigit():
            raise rest_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(ctx, cursor, locator, int(offset))


def _names_ids(node: Any) -> bool:
    """Whether a WHERE clause pins a ContentDocumentLink query to ids (= or IN, under ANDs only)."""
    if node is None:
        return False
    if node[0] == "and":
        return any(_names_ids(part) for part in node[1])
    if node[0] == "cmp":
        return node[1].lower() in _LINK_FILTER_FIELDS and node[2] == "="
    if node[0] == "in":
        return node[1].lower() in _LINK_FILTER_FIELDS and not node[2]
    return False


def _item_id(item: Any) -> str | None:
    if isinstance(item, dict):
        value = item.get("id") or item.get("Id")
        return str(value) if value else None
    return None


def _batch_size(header: str) -> int:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return min(max(int(value), 200), 2000)
    return BATCH_DEFAULT
