"""Connectors as the engine builds them: a Graph connector for a person, and a Google account (``Rep``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import RetryPolicy
from connectors.google.client import GoogleConfig
from connectors.google.connector import GoogleConnector
from connectors.graph.connector import GraphConnector
from connectors.neutral.times import Window
from sandbox.fixtures_google import GoogleAccount
from syncengine.services.connectors import mail_connector_for
from tests.support.calendar import at
from tests.support.people import Person

WINDOW = Window(at(-7, 0), at(30, 0))


def connector_with(person: Person, waits: list[float] | None = None, **config: Any) -> GraphConnector:
    """A connector as the engine builds it, with a recording sleep and config overrides."""
    base = mail_connector_for(person.mailbox)
    return GraphConnector(
        dataclasses.replace(base.config, **config),
        person.mailbox.provider_account,
        person.mailbox.credentials,
        on_credentials=base.client.on_credentials,
        sleep=(waits.append if waits is not None else lambda seconds: None),
    )


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OnGoogleAccount:
    """For a holder of a sandbox Google account: its sandbox app and the account's user id, in short."""

    account: GoogleAccount

    @property
    def app(self) -> Any:
        return self.account.app

    @property
    def user(self) -> str:
        return self.account.user_id


@dataclass
class Rep(OnGoogleAccount):
    """A Google account in the sandbox, and connectors for it as the engine would build them."""

    account: GoogleAccount
    stored: list[dict[str, Any]] = field(default_factory=list)  # what on_credentials received
    waits: list[float] = field(default_factory=list)  # what the connector slept

    def config(self, **overrides: Any) -> GoogleConfig:
        values: dict[str, Any] = {
            "api_url": self.account.server.url,
            "token_uri": self.account.token_uri,
            "client_id": self.account.client_id,
            "client_secret": self.account.client_secret,
            "ca_bundle": self.account.ca_path,
            "timeout": 10,
            "retry": RetryPolicy(max_attempts=4, base_delay=0.01, max_wait=30),
            **overrides,
        }
        return GoogleConfig(**values)

    def connector(self, credentials: dict[str, Any] | None = None, **overrides: Any) -> GoogleConnector:
        return GoogleConnector(
            self.config(**overrides),
            {"email": self.account.email},
            credentials or {"refresh_token": self.account.refresh_token},
            on_credentials=self.stored.append,
            sleep=self.waits.append,
        )

    def add_event(self, subject: str, days: float = 1, hour: int = 10, **extra: Any) -> dict[str, Any]:
        start = at(days, hour)
        body = {
            "summary": subject,
            "start": {"dateTime": stamp(start)},
            "end": {"dateTime": stamp(start + timedelta(hours=1))},
            **extra,
        }
        return self.app.create_event(self.user, body)

    def api(self, kind: str = "api") -> list[dict[str, Any]]:
        return self.app.requests(tenant=self.user, kind=kind)


def ews_answers_unknown_kind(monkeypatch: pytest.MonkeyPatch, item_id: str, kind: str, unknown: str) -> None:
    """From now on the EWS sandbox answers the item with that id as an item type exchangelib does not
    know: its ``kind`` element (say ``Message``) renamed ``unknown``."""
    from sandbox.ews import operations

    render = operations.render_item

    def odd_kind(item: Any, mailbox: Any) -> Any:
        node = render(item, mailbox)
        if item.id == item_id:
            node.tag = node.tag.replace(kind, unknown)
        return node

    monkeypatch.setattr(operations, "render_item", odd_kind)
