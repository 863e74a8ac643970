"""What a provider gives the contract suite: its connector, and the user acting in their mailbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from connectors.neutral.times import Window

# provider -> module with make_side(request) -> MailSide
PROVIDERS: dict[str, str] = {
    "graph": "tests.connectors.contract.graph_side",
    "graph_app": "tests.connectors.contract.graph_app_side",  # app-only (admin consent)
    "ews": "tests.connectors.contract.ews_side",
    "google": "tests.connectors.contract.google_side",
}
STREAMS = ("events", "tasks", "contacts")


class MailSide(Protocol):
    provider: str
    streams: frozenset[str]  # the streams the provider's connector supports
    window: Window  # the calendar window the events stream is read with

    def connector(self) -> Any:
        """A connector for the test mailbox, as the engine would build it (fresh each call)."""
        ...

    def user_create(self, stream: str, values: Mapping[str, Any]) -> str:
        """The user makes an item in their mail client (in the stream's synced folder); its id."""
        ...

    def user_update(self, stream: str, item_id: str, values: Mapping[str, Any]) -> None: ...

    def user_delete(self, stream: str, item_id: str) -> None: ...

    def invalidate_cursors(self) -> None:
        """Make the provider refuse every stored cursor (Graph 410, Google 410, EWS bad sync state)."""
        ...


def hour(days: int, at: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=at, minute=0, second=0, microsecond=0)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def default_window() -> Window:
    return Window(hour(-7, 0), hour(30, 0))


def sample(stream: str, n: int = 1) -> dict[str, Any]:
    """Neutral values of a typical item; ``n`` makes them differ."""
    if stream == "events":
        return {
            "subject": f"Contract review {n}",
            "body": "Agenda: terms",
            "start": stamp(hour(1 + n, 15)),
            "end": stamp(hour(1 + n, 16)),
            "location": "Room 4",
            "show_as": "busy",
            "sensitivity": "normal",
            "is_all_day": False,
        }
    if stream == "tasks":
        return {
            "subject": f"Send proposal {n}",
            "body": "Draft v2",
            "status": "notStarted",
            "importance": "high",
            "due_date": (date.today() + timedelta(days=2 + n)).isoformat(),
        }
    if stream == "contacts":
        return {
            "first_name": "Ada",
            "last_name": f"Lovelace{n}",
            "email": f"ada{n}@analytical.example",
            "company": "Analytical Engines",
            "job_title": "Analyst",
            "phone": f"+1 555 010{n % 10}",
        }
    raise ValueError(stream)


def edit(stream: str) -> dict[str, Any]:
    """A change a user typically makes."""
    return {
        "events": {"subject": "Contract review (moved)", "location": "Room 9"},
        "tasks": {"subject": "Send proposal v3", "status": "inProgress"},
        "contacts": {"job_title": "Chief Analyst"},
    }[stream]
