"""What the state machine in ``test_state_machine.py`` needs besides its rules: a world (the two
sandboxes, the person under test and a Salesforce persona whose token never expires under it), the
model of what the machine did, and readers that show each side in the neutral vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import requests
from simple_salesforce import Salesforce

from connectors.graph.events import to_neutral
from mapping.defaults import event_rules
from syncengine.core.records import make_sync_key
from syncengine.models import ItemPair, SyncIssue
from syncengine.services.issues import CONFLICT_RESOLVED
from tests.support.people import SYNC_KEY_FIELD, Person

COMPARED = ("subject", "location", "body", "start", "end")
RULES = event_rules()


class WorkerKilled(BaseException):
    """Raised where a killed worker would stop: no ``except Exception`` in the engine sees it."""


def instant(day: int, minute: int) -> str:
    """A neutral UTC instant ``day`` days from today, ``minute`` minutes after midnight."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=day, minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_body(values: dict[str, Any]) -> dict[str, Any]:
    """Graph event properties (as a user would PATCH them) for neutral values."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "subject":
            out["subject"] = value
        elif key == "location":
            out["location"] = {"displayName": value}
        elif key == "body":
            out["body"] = {"contentType": "text", "content": value}
        elif key in ("start", "end"):
            out[key] = {"dateTime": value.removesuffix("Z"), "timeZone": "UTC"}
    return out


@dataclass
class World:
    """Fixtures handed to the machine class (a fresh person per example, the sandbox apps)."""

    make_person: Callable[..., Person]
    sf_app: Any
    graph_app: Any
    sf_url: str
    http: requests.Session

    def salesforce_as(self, person: Person) -> Salesforce:
        """The user in Salesforce, with a fresh token: expiring the engine's tokens cannot hit it."""
        return Salesforce(
            instance_url=self.sf_url,
            session_id=self.sf_app.issue_access_token(person.sf_org_id, person.sf_user_id),
            session=self.http,
            version="62.0",
        )

    def outlook_events(self, person: Person) -> dict[str, dict[str, Any]]:
        events = self.graph_app.events(person.tenant_id, person.graph_user_id)
        return {e["id"]: {k: to_neutral(e)[k] for k in COMPARED} for e in events}

    def sf_events(self, person: Person) -> list[dict[str, Any]]:
        return self.sf_app.records(person.sf_org_id, "Event")


def salesforce_body(values: dict[str, Any]) -> dict[str, Any]:
    """Salesforce Event fields (as a user would fill them in) for neutral values."""
    return {
        "Subject": values["subject"],
        "Location": values["location"] or None,
        "Description": values["body"] or None,
        "StartDateTime": values["start"],
        "EndDateTime": values["end"],
    }


@contextmanager
def killed_at_mailbox_create(connector: type, stream: str, *, after: bool) -> Iterator[None]:
    """Inside: a worker dies right after (or right before) its first mailbox create of ``stream``,
    before anything is committed; other calls go through."""
    real: Callable[..., Any] = connector.create

    def create(self: Any, **kwargs: Any) -> Any:
        if kwargs["stream"] != stream:
            return real(self, **kwargs)
        if after:
            real(self, **kwargs)
        raise WorkerKilled

    with mock.patch.object(connector, "create", create):
        yield


def sf_neutral(record: dict[str, Any]) -> dict[str, Any]:
    values = RULES.neutral_from_crm(record)
    return {k: values[k] for k in COMPARED}


@dataclass
class Item:
    """One Outlook event the machine created, and what it did to it since both sides last agreed."""

    mail_id: str
    alive: bool = True
    # "mail": the machine made it in Outlook; "crm": the Outlook copy of an Event the machine made
    # in Salesforce (its record id in ``crm_id``), known once the engine paired the two.
    origin: str = "mail"
    crm_id: str = ""
    sf_deleted: bool = False  # its Salesforce Event was deleted by the machine at least once
    settled: dict[str, Any] = field(default_factory=dict)  # field -> value both sides agreed on
    # field -> side ("mail" | "crm") -> the last value the machine wrote there, not yet settled
    open: dict[str, dict[str, Any]] = field(default_factory=dict)

    def edit(self, side: str, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self.open.setdefault(key, {})[side] = value


@dataclass
class Model:
    person: Person
    items: dict[str, Item] = field(default_factory=dict)
    crm_owner: dict[str, str] = field(default_factory=dict)  # Salesforce Event id ever seen -> mail id
    crm_deleted: set[str] = field(default_factory=set)  # Salesforce Events the machine deleted
    # Events the machine made in Salesforce: record id -> the neutral values it gave them
    crm_made: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def key_of(self, mail_id: str) -> str:
        return make_sync_key(f"mailbox:{self.person.mailbox.pk}", mail_id)

    def pairs(self) -> list[ItemPair]:
        return list(ItemPair.objects.filter(mailbox=self.person.mailbox, stream="events"))

    def open_pending_ids(self) -> set[str]:
        """Mail and Salesforce ids with a failed write still waiting to be retried."""
        ids: set[str] = set()
        for mail_id, crm_id in SyncIssue.objects.filter(
            mailbox=self.person.mailbox, resolved=False, details__has_key="pending"
        ).values_list("mail_id", "crm_id"):
            ids |= {mail_id, crm_id} - {""}
        return ids

    def conflicts(self) -> list[dict[str, Any]]:
        return list(
            SyncIssue.objects.filter(mailbox=self.person.mailbox, code=CONFLICT_RESOLVED).values_list(
                "details", flat=True
            )
        )


def lost_in_recorded_conflict(conflicts: list[dict[str, Any]], key: str, side: str, value: Any) -> bool:
    """Was ``value`` written on ``side`` overwritten by a conflict the engine reported?"""
    other = "crm" if side == "mail" else "mail"
    return any(
        c.get("field") == key and c.get(f"{side}_value") == value and c.get("winner") == other
        for c in conflicts
    )


def sync_key_field() -> str:
    return SYNC_KEY_FIELD
