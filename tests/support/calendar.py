"""Times for calendar items and the events the engine synced into Salesforce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.people import SYNC_KEY_FIELD, Person


def in_days(days: float, hour: int = 10) -> str:
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def synced_events(person: Person) -> list[dict]:
    soql = (
        "SELECT Id, Subject, Description, StartDateTime, EndDateTime, Location, ShowAs, IsPrivate, "
        f"IsAllDayEvent, {SYNC_KEY_FIELD} FROM Event WHERE {SYNC_KEY_FIELD} != null ORDER BY StartDateTime"
    )
    return person.salesforce.query_all(soql)["records"]


def salesforce_event(person: Person, subject: str, days: int) -> str:
    """The person makes an event in Salesforce, their own, from 9 to 10 (UTC) that many days from now."""
    start, end = in_days(days, 9) + "Z", in_days(days, 10) + "Z"
    body = {"Subject": subject, "StartDateTime": start, "EndDateTime": end, "OwnerId": person.sf_user_id}
    return person.salesforce.Event.create(body)["id"]


def sf_writes(person: Person, server) -> list[dict]:
    return [
        r for r in server.app.requests(tenant=person.sf_org_id) if r["method"] in ("POST", "PATCH", "DELETE")
    ]


def at(days: float, hour: int = 10) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
