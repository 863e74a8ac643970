"""The two sides of a rep's calendar as the rep acts on them, for the instant sync latency bench:
Outlook (Graph REST), Google Calendar (REST), Exchange (EWS through exchangelib) and Salesforce
(REST), each with the rep's own sign-in and the provider's public protocol. Each side can make,
rename and delete an event, and say whether an event of a subject is there."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Protocol

from django.conf import settings
from exchangelib import CalendarItem, EWSDateTime

from connectors.ews.transport import open_account
from devtools.world import DemoOrg, DemoPerson, SandboxControl, refreshed

SALESFORCE_API = "/services/data/v62.0"


class Side(Protocol):
    name: str

    def create(self, subject: str) -> str: ...
    def rename(self, item_id: str, subject: str) -> None: ...
    def delete(self, item_id: str) -> None: ...
    def has(self, subject: str) -> bool: ...


def _token(control: SandboxControl, url: str, refresh: str, client_id: str, secret: str, **extra: str) -> str:
    return str(refreshed(control, url, refresh, client_id, secret, **extra)["access_token"])


def _when(offset_hours: int = 50) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=offset_hours)).replace(minute=0, second=0, microsecond=0)


class OutlookSide:
    name = "Microsoft 365"

    def __init__(self, control: SandboxControl, org: DemoOrg, person: DemoPerson) -> None:
        self.http = control.http
        token = _token(
            control,
            f"{control.graph_url}/{org.tenant_id}/oauth2/v2.0/token",
            control.graph_refresh_token(org.tenant_id, person.graph_user_id),
            settings.GRAPH_CLIENT_ID,
            settings.GRAPH_CLIENT_SECRET,
            scope="Calendars.ReadWrite offline_access",
        )
        self.me = f"{control.graph_url}/v1.0/me"
        self.headers = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'}

    def create(self, subject: str) -> str:
        start = _when()
        body = {
            "subject": subject,
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        }
        response = self.http.post(f"{self.me}/events", json=body, headers=self.headers, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def rename(self, item_id: str, subject: str) -> None:
        self.http.patch(
            f"{self.me}/events/{item_id}", json={"subject": subject}, headers=self.headers, timeout=30
        ).raise_for_status()

    def delete(self, item_id: str) -> None:
        self.http.delete(f"{self.me}/events/{item_id}", headers=self.headers, timeout=30).raise_for_status()

    def has(self, subject: str) -> bool:
        url: str | None = f"{self.me}/events?$top=200&$select=id,subject"
        while url:
            page = self.http.get(url, headers=self.headers, timeout=30).json()
            if any(e.get("subject") == subject for e in page.get("value", [])):
                return True
            url = page.get("@odata.nextLink")
        return False


def _google_headers(control: SandboxControl, person: DemoPerson) -> dict[str, str]:
    """The Google rep's own access token, as their consent would give our app."""
    refresh = control.google(
        "POST", f"/users/{person.graph_user_id}/refresh_tokens", {"client_id": settings.GOOGLE_CLIENT_ID}
    )["refresh_token"]
    token = _token(
        control,
        f"{control.google_url}/token",
        refresh,
        settings.GOOGLE_CLIENT_ID,
        settings.GOOGLE_CLIENT_SECRET,
    )
    return {"Authorization": f"Bearer {token}"}


class GoogleSide:
    name = "Google"

    def __init__(self, control: SandboxControl, person: DemoPerson) -> None:
        self.http = control.http
        self.events = f"{control.google_url}/calendar/v3/calendars/primary/events"
        self.headers = _google_headers(control, person)

    def create(self, subject: str) -> str:
        start = _when()
        body = {
            "summary": subject,
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "end": {"dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        }
        response = self.http.post(self.events, json=body, headers=self.headers, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def rename(self, item_id: str, subject: str) -> None:
        self.http.patch(
            f"{self.events}/{item_id}", json={"summary": subject}, headers=self.headers, timeout=30
        ).raise_for_status()

    def delete(self, item_id: str) -> None:
        self.http.delete(f"{self.events}/{item_id}", headers=self.headers, timeout=30).raise_for_status()

    def has(self, subject: str) -> bool:
        token: str | None = ""
        while token is not None:
            params: dict[str, Any] = {"maxResults": 250, **({"pageToken": token} if token else {})}
            page = self.http.get(self.events, params=params, headers=self.headers, timeout=30).json()
            if any(
                e.get("summary") == subject and e.get("status") != "cancelled" for e in page.get("items", [])
            ):
                return True
            token = page.get("nextPageToken")
        return False


class GmailSide:
    """The rep's Gmail: a customer's email arrives in the Inbox (``messages.insert``, as mail delivery
    puts it there). Emails are saved once and never edited, so only arrivals are measured."""

    name = "Gmail"

    def __init__(self, control: SandboxControl, person: DemoPerson) -> None:
        self.http = control.http
        self.address = person.mailbox.address
        self.messages = f"{control.google_url}/gmail/v1/users/me/messages"
        self.headers = _google_headers(control, person)

    def create(self, subject: str) -> str:
        raw = (
            f"From: Pat Customer <pat@customer-bench.example>\r\nTo: {self.address}\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{secrets.token_hex(8)}@customer-bench.example>\r\n"
            f"Date: {format_datetime(datetime.now(UTC))}\r\n\r\nShall we meet next week?\r\n"
        )
        body = {"raw": base64.urlsafe_b64encode(raw.encode()).decode(), "labelIds": ["INBOX", "UNREAD"]}
        response = self.http.post(self.messages, json=body, headers=self.headers, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def rename(self, item_id: str, subject: str) -> None:
        raise NotImplementedError("an email is saved once; it is not edited")

    def delete(self, item_id: str) -> None:
        raise NotImplementedError("an email is saved once; deleting it in Gmail leaves Salesforce's copy")

    def has(self, subject: str) -> bool:
        raise NotImplementedError("the engine saves emails one way, into Salesforce")


class ExchangeSide:
    name = "Exchange"

    def __init__(self, control: SandboxControl, person: DemoPerson) -> None:
        self.account = open_account(
            service_endpoint=f"{control.ews_url}/EWS/Exchange.asmx",
            smtp_address=person.mailbox.address,
            credentials=dict(person.mailbox.credentials),
            build=(15, 1, 2507, 6),
            ca_bundle=str(control.http.verify),
            timeout=30,
            time_zone="UTC",
            on_response=lambda response: None,
        )
        self.items: dict[str, CalendarItem] = {}

    def create(self, subject: str) -> str:
        start = EWSDateTime.from_datetime(_when())
        item = CalendarItem(
            account=self.account,
            folder=self.account.calendar,
            subject=subject,
            start=start,
            end=start + timedelta(hours=1),
        )
        item.save()
        self.items[str(item.id)] = item
        return str(item.id)

    def rename(self, item_id: str, subject: str) -> None:
        item = self.items[item_id]
        item.subject = subject
        item.save(update_fields=["subject"])

    def delete(self, item_id: str) -> None:
        self.items.pop(item_id).delete()

    def has(self, subject: str) -> bool:
        return self.account.calendar.filter(subject=subject).count() > 0


class SalesforceSide:
    name = "Salesforce"

    def __init__(self, control: SandboxControl, org: DemoOrg, person: DemoPerson) -> None:
        self.http = control.http
        self.owner = person.sf_user_id
        token = _token(
            control,
            f"{control.salesforce_url}/services/oauth2/token",
            control.sf_refresh_token(org.sf_org_id, person.sf_user_id),
            settings.SALESFORCE_CLIENT_ID,
            settings.SALESFORCE_CLIENT_SECRET,
        )
        self.api = f"{control.salesforce_url}{SALESFORCE_API}"
        self.headers = {"Authorization": f"Bearer {token}"}

    def create(self, subject: str) -> str:
        start = _when()
        body = {
            "Subject": subject,
            "StartDateTime": start.isoformat(),
            "EndDateTime": (start + timedelta(hours=1)).isoformat(),
            "OwnerId": self.owner,
        }
        response = self.http.post(f"{self.api}/sobjects/Event", json=body, headers=self.headers, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def rename(self, item_id: str, subject: str) -> None:
        self.http.patch(
            f"{self.api}/sobjects/Event/{item_id}",
            json={"Subject": subject},
            headers=self.headers,
            timeout=30,
        ).raise_for_status()

    def delete(self, item_id: str) -> None:
        self.http.delete(
            f"{self.api}/sobjects/Event/{item_id}", headers=self.headers, timeout=30
        ).raise_for_status()

    def has(self, subject: str, sobject: str = "Event") -> bool:
        quoted = subject.replace("\\", "\\\\").replace("'", "\\'")
        soql = f"SELECT Id FROM {sobject} WHERE Subject = '{quoted}'"  # noqa: S608 - the bench's own subjects
        response = self.http.get(f"{self.api}/query", params={"q": soql}, headers=self.headers, timeout=30)
        response.raise_for_status()
        return bool(response.json().get("records"))


def mailbox_side(control: SandboxControl, org: DemoOrg, person: DemoPerson) -> Side:
    provider = person.mailbox.provider
    if provider == "google":
        return GoogleSide(control, person)
    if provider == "ews":
        return ExchangeSide(control, person)
    return OutlookSide(control, org, person)
