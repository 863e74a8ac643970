"""Reading what the engine wrote: Outlook folders, Salesforce rows and our own stored credentials."""

from __future__ import annotations

from typing import Any

from django.db import connection

from tests.support.people import Person


def container(person: Person, kind: str, name: str) -> str:
    items = person.outlook.call("GET", f"/me/{kind}")["value"]
    return next(i["id"] for i in items if i["displayName"] == name)


def folder_contact(person: Person, contact: dict[str, Any]) -> dict[str, Any]:
    """The user makes a contact in the Outlook folder the engine syncs, "Salesforce Contacts"."""
    folder = container(person, "contactFolders", "Salesforce Contacts")
    return person.outlook.call("POST", f"/me/contactFolders/{folder}/contacts", contact)


def sf_rows(person: Person, soql: str) -> list[dict[str, Any]]:
    return person.salesforce.query_all(soql)["records"]


def raw_credentials(table: str, pk: int) -> str:
    """The credentials column of that row as stored in the database, below the encrypting field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]
