"""Change Data Capture: the change events the REST sandbox's writes make, kept as the event bus keeps them.

Each committed REST call is one transaction; each row it wrote becomes one change event on
``/data/<Object>ChangeEvent`` (and ``/data/ChangeEvents``), Avro-encoded against a schema in
Salesforce's shape: the record's fields, all optional, plus ``ChangeEventHeader``. Events get an
8-byte big-endian replay id and are kept 72 hours of the sandbox's clock. An org has no change
events until CDC is enabled for some of its objects, as an admin selects them in Setup.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import fastavro

from sandbox.salesforce.schema import SObjectType
from sandbox.salesforce.store import Change, Org, Record, Store
from sandbox.salesforce.values import parse_datetime

# The objects the sandbox captures changes of (the ones the engine syncs).
CDC_OBJECTS = ("Contact", "Event", "EventRelation", "Task")
ALL_CHANGES = "/data/ChangeEvents"
RETENTION = timedelta(hours=72)
CHANGE_TYPES = (
    "CREATE",
    "DELETE",
    "UNDELETE",
    "UPDATE",
    "GAP_CREATE",
    "GAP_DELETE",
    "GAP_UNDELETE",
    "GAP_UPDATE",
    "GAP_OVERFLOW",
)
# Not fields of a change event: the header carries the id, and the bus its own stamps.
_NOT_IN_EVENT = {"Id", "IsDeleted", "SystemModstamp"}
_AVRO_TYPES = {"boolean": "boolean", "int": "int", "double": "double", "currency": "double"}


def topic_of(sobject: str) -> str:
    return f"/data/{sobject}ChangeEvent"


def replay_bytes(replay: int) -> bytes:
    return replay.to_bytes(8, "big")


def _avro_type(kind: str) -> Any:
    if kind == "datetime":  # epoch milliseconds, as Salesforce sends datetimes
        return "long"
    if kind == "date":  # days since the epoch
        return "int"
    return _AVRO_TYPES.get(kind, "string")


def header_schema() -> dict[str, Any]:
    strings = {"type": "array", "items": "string"}
    return {
        "type": "record",
        "name": "ChangeEventHeader",
        "fields": [
            {"name": "entityName", "type": "string"},
            {"name": "recordIds", "type": strings},
            {
                "name": "changeType",
                "type": {"type": "enum", "name": "ChangeType", "symbols": list(CHANGE_TYPES)},
            },
            {"name": "changeOrigin", "type": "string"},
            {"name": "transactionKey", "type": "string"},
            {"name": "sequenceNumber", "type": "int"},
            {"name": "commitTimestamp", "type": "long"},
            {"name": "commitNumber", "type": "long"},
            {"name": "commitUser", "type": "string"},
            {"name": "nulledFields", "type": strings},
            {"name": "diffFields", "type": strings},
            {"name": "changedFields", "type": strings},
        ],
    }


def event_schema(otype: SObjectType) -> dict[str, Any]:
    """``<Object>ChangeEvent``'s Avro schema: the header, then every field of the object, optional."""
    fields: list[dict[str, Any]] = [{"name": "ChangeEventHeader", "type": header_schema()}]
    for fdef in otype.fields.values():
        if fdef.name in _NOT_IN_EVENT:
            continue
        fields.append({"name": fdef.name, "type": ["null", _avro_type(fdef.type)], "default": None})
    return {
        "type": "record",
        "name": f"{otype.name}ChangeEvent",
        "namespace": "com.sforce.eventbus",
        "fields": fields,
    }


def schema_id_of(schema_json: str) -> str:
    """Salesforce's schema ids are short opaque strings; ours are a hash of the schema."""
    return base64.urlsafe_b64encode(hashlib.sha256(schema_json.encode()).digest())[:22].decode()


@dataclass
class BusEvent:
    replay: int
    sobject: str
    at: datetime
    event_id: str
    schema_id: str
    payload: bytes


@dataclass
class OrgBus:
    enabled: set[str] = field(default_factory=set)
    events: list[BusEvent] = field(default_factory=list)
    purged_through: int = 0  # the newest replay id the retention window has dropped
    commits: int = 0


class ChangeCapture:
    """The change event bus of every org, fed by the store's journal; guarded by the app's lock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.buses: dict[str, OrgBus] = {}
        self.schemas: dict[str, str] = {}  # schema id -> schema JSON
        self._parsed: dict[str, Any] = {}
        self.last_replay = 0  # one counter for the host, as replay ids only need to grow

    def bus(self, org_id: str) -> OrgBus:
        return self.buses.setdefault(org_id, OrgBus())

    def enable(self, org: Org, objects: list[str] | tuple[str, ...]) -> list[str]:
        chosen = []
        for name in objects:
            otype = self.store.sobject(org, name)
            if otype is None or otype.name not in CDC_OBJECTS:
                raise ValueError(f"Change Data Capture is not available for {name} in the sandbox")
            chosen.append(otype.name)
        self.bus(org.id).enabled.update(chosen)
        return sorted(self.bus(org.id).enabled)

    def schema_for(self, org: Org, sobject: str) -> tuple[str, Any]:
        """The object's current schema id and parsed schema (custom fields change it, and its id)."""
        otype = self.store.sobject(org, sobject)
        if otype is None:
            raise KeyError(sobject)
        schema_json = json.dumps(event_schema(otype), separators=(",", ":"))
        schema_id = schema_id_of(schema_json)
        if schema_id not in self.schemas:
            self.schemas[schema_id] = schema_json
            self._parsed[schema_id] = fastavro.parse_schema(json.loads(schema_json))
        return schema_id, self._parsed[schema_id]

    # -- publishing -----------------------------------------------------------------------------------
    def commit(self, changes: list[Change], origin: str, user_id: str) -> int:
        """Publish one transaction's changes (those of enabled objects). Returns how many events."""
        published = 0
        key = str(uuid.uuid4())
        sequence = 0
        for change in changes:
            bus = self.buses.get(change.org_id)
            if bus is None or change.sobject not in bus.enabled:
                continue
            if sequence == 0:
                bus.commits += 1
            sequence += 1
            org = self.store.orgs[change.org_id]
            header = {
                "entityName": change.sobject,
                "recordIds": [change.record_id],
                "changeType": change.change_type,
                "changeOrigin": origin,
                "transactionKey": key,
                "sequenceNumber": sequence,
                "commitNumber": bus.commits,
                "commitUser": user_id,
            }
            self._publish(org, change.sobject, header, *_fields_of(change))
            published += 1
        return published

    def inject_gap(
        self, org: Org, sobject: str, change_type: str, record_ids: list[str] | None = None
    ) -> bytes:
        """A gap event (GAP_CREATE... or GAP_OVERFLOW), as Salesforce sends when it could not make the
        real events: the header only, the subscriber must read the records back. Returns its replay id."""
        if change_type not in CHANGE_TYPES or not change_type.startswith("GAP_"):
            raise ValueError(f"not a gap change type: {change_type}")
        if sobject not in self.bus(org.id).enabled:
            raise ValueError(f"Change Data Capture is not enabled for {sobject}")
        bus = self.bus(org.id)
        bus.commits += 1
        header = {
            "entityName": sobject,
            "recordIds": list(record_ids or []),
            "changeType": change_type,
            "changeOrigin": "",
            "transactionKey": str(uuid.uuid4()),
            "sequenceNumber": 1,
            "commitNumber": bus.commits,
            "commitUser": "",
        }
        return replay_bytes(self._publish(org, sobject, header, {}, [], [], []).replay)

    def _publish(
        self,
        org: Org,
        sobject: str,
        header: dict[str, Any],
        values: Record,
        changed: list[str],
        diff: list[str],
        nulled: list[str],
    ) -> BusEvent:
        schema_id, parsed = self.schema_for(org, sobject)
        now = self.store.clock.now()
        header = {
            **header,
            "commitTimestamp": int(now.timestamp() * 1000),
            "changedFields": changed,
            "diffFields": diff,
            "nulledFields": nulled,
        }
        names = {f["name"]: f["type"][1] for f in parsed["fields"][1:]}
        record: Record = {"ChangeEventHeader": header}
        for name, avro_type in names.items():
            record[name] = _to_avro(values.get(name), avro_type) if name in values else None
        out = io.BytesIO()
        fastavro.schemaless_writer(out, parsed, record)
        self.last_replay += 1
        event = BusEvent(self.last_replay, sobject, now, str(uuid.uuid4()), schema_id, out.getvalue())
        self.bus(org.id).events.append(event)
        return event

    # -- reading ----------------------------------------------------------------------------------------
    def retained(self, org_id: str) -> list[BusEvent]:
        """The org's events still in the 72-hour window (older ones are dropped now)."""
        bus = self.bus(org_id)
        horizon = self.store.clock.now() - RETENTION
        kept = [e for e in bus.events if e.at >= horizon]
        if len(kept) != len(bus.events):
            dropped = bus.events[: len(bus.events) - len(kept)]
            bus.purged_through = max(bus.purged_through, dropped[-1].replay)
            bus.events = kept
        return kept


def _fields_of(change: Change) -> tuple[Record, list[str], list[str], list[str]]:
    """The field values an event carries, and its changedFields, diffFields and nulledFields."""
    if change.change_type in {"CREATE", "UNDELETE"} and change.after is not None:
        values = {k: v for k, v in change.after.items() if v is not None and k not in _NOT_IN_EVENT}
        return values, [], [], []
    if change.change_type == "UPDATE" and change.before is not None and change.after is not None:
        before, after = change.before, change.after
        changed = sorted(k for k in after if k not in _NOT_IN_EVENT and before.get(k) != after.get(k))
        nulled = [k for k in changed if after.get(k) is None]
        values = {k: after[k] for k in changed if after.get(k) is not None}
        return values, changed, [], nulled
    return {}, [], [], []  # DELETE: the header alone


def _to_avro(value: Any, avro_type: str) -> Any:
    if value is None:
        return None
    if avro_type == "long" and isinstance(value, str):
        parsed = parse_datetime(value)
        return int(parsed.timestamp() * 1000) if parsed else None
    if avro_type == "int" and isinstance(value, str):
        return (date.fromisoformat(value[:10]) - date(1970, 1, 1)).days
    if avro_type == "boolean":
        return bool(value)
    if avro_type == "double":
        return float(value)
    if avro_type == "int":
        return int(value)
    return value if isinstance(value, str) else json.dumps(value)
