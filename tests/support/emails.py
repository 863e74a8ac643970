"""Helpers for the email stream's scenario tests: a Salesforce org that takes Enhanced Email with the
engine's External ID, emails arriving in (and sent from) the Graph sandbox, and sessions run end to end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from emails.models import EmailSettings
from syncengine.models import Organization, SyncSession
from syncengine.services.sessions import session_run
from tests.support.people import SYNC_KEY_FIELD, Person

TODAY = datetime.now(UTC).date()


def enable_emails(person: Person, sf_server: Any, **options: Any) -> EmailSettings:
    """The org saves emails: the External ID on EmailMessage (and Task), and the org setting on."""
    for sobject in ("EmailMessage", "Task"):
        sf_server.app.add_field(
            person.sf_org_id, sobject, SYNC_KEY_FIELD, "string", length=80, external_id=True, unique=True
        )
    settings, _ = EmailSettings.objects.update_or_create(
        organization=person.organization, defaults={"enabled": True, **options}
    )
    return settings


def set_internal_domain(organization: Organization, domain: str) -> None:
    from syncengine.models import SyncSettings

    SyncSettings.objects.update_or_create(organization=organization, defaults={"internal_domains": domain})


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def deliver(graph: Any, person: Person, subject: str, sender: str = "ann@acme.example", **extra: Any) -> Any:
    email = {
        "from": {"address": sender, "name": sender.split("@")[0].title()},
        "to": [person.mailbox.address],
        "subject": subject,
        "body": f"<p>About {subject}</p>",
        "bodyType": "html",
        "receivedDateTime": extra.pop("received", ago(0.1)),
        **extra,
    }
    return graph.mail.deliver(person.tenant_id, person.graph_user_id, email)


def send(graph: Any, person: Person, subject: str, to: list[str], **extra: Any) -> Any:
    email = {"to": to, "subject": subject, "body": f"Hello about {subject}", **extra}
    return graph.mail.send(person.tenant_id, person.graph_user_id, email)["sent"]


def sync(person: Person) -> SyncSession:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None
    assert session.outcome in ("succeeded", "partial"), session.error
    return session


def email_counts(session: SyncSession) -> dict[str, Any]:
    """The session's email counts, flat: saved, created, failed, given_up, tagged, moved, read,
    threads_read, threads_later, files_too_large, reasons and skipped."""
    counts = session.counts["emails"]
    return {
        **counts["to_crm"],
        **counts["to_mail"],
        "read": counts["read"]["emails"],
        "threads_read": counts["read"]["threads"],
        "threads_later": counts["read"]["threads_later"],
        "files_too_large": counts["read"]["files_too_large"],
        "reasons": counts["saved because"],
        "skipped": counts["left alone"],
    }


def saved(sf_server: Any, person: Person) -> list[dict[str, Any]]:
    return sorted(sf_server.app.records(person.sf_org_id, "EmailMessage"), key=lambda r: r.get("Subject", ""))


def subjects(sf_server: Any, person: Person) -> list[str]:
    return [r["Subject"] for r in saved(sf_server, person)]


def relations(person: Person, email_id: str) -> set[tuple[str, str]]:
    rows = person.salesforce.query(
        f"SELECT RelationType, RelationId, RelationAddress FROM EmailMessageRelation "
        f"WHERE EmailMessageId = '{email_id}'"
    )["records"]
    return {(r["RelationType"], r["RelationId"] or r["RelationAddress"]) for r in rows}


def crm_world(person: Person) -> dict[str, str]:
    """Acme with Ann (a Contact) and an open Opportunity the user owns."""
    sf = person.salesforce
    acme = sf.Account.create({"Name": "Acme", "Website": "https://acme.example"})["id"]
    ann = sf.Contact.create({"LastName": "Ann", "Email": "ann@acme.example", "AccountId": acme})["id"]
    deal = sf.Opportunity.create(
        {"Name": "Acme renewal", "StageName": "Prospecting", "CloseDate": day(20), "AccountId": acme}
    )["id"]
    return {"acme": acme, "ann": ann, "deal": deal}


def org_form(**changes: Any) -> dict[str, Any]:
    """The org email settings form as an org admin posts it, with ``changes`` (None: a box left off)."""
    form = {
        "enabled": "on",
        "save_as": "email_message",
        "auto_track": "people",
        "save_threads": "on",
        "tag_saved": "on",
        "save_attachments": "on",
        "max_attachment_mb": "10",
        "backfill_days": "6",
        "salesforce_folder": "Salesforce emails",
        "link_opportunities": "on",
        "opportunity_closed_within_days": "365",
        "opportunity_close_within_days": "180",
        "case_open_only": "on",
        "case_created_within_days": "90",
        "account_by_domain": "on",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}
