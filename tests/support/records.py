"""Reading what the engine wrote: Outlook folders and Salesforce rows."""

from __future__ import annotations

from typing import Any

from tests.support.people import Person


def container(person: Person, kind: str, name: str) -> str:
    items = person.outlook.call("GET", f"/me/{kind}")["value"]
    return next(i["id"] for i in items if i["displayName"] == name)


def sf_rows(person: Person, soql: str) -> list[dict[str, Any]]:
    return person.salesforce.query_all(soql)["records"]
