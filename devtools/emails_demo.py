"""Emails for the demo: what a newcomer sees saved (and not saved) at the next session.

``seed_demo_emails`` talks to the sandboxes through their control endpoints (over https, like
devtools/world.py), so it works whether they run in this process or in another one. It:

- switches email saving on for the organization and gives Salesforce's EmailMessage and Task the
  engine's External ID field (an org admin's one-time set-up in a real org);
- makes a customer in Salesforce: the Account "Northwind Traders" (northwind.example), its Contact
  Nina North and an open Opportunity owned by the demo user;
- blocklists a newsletter sender for the whole organization;
- delivers three emails to the user's Inbox: one from Nina tagged "Salesforce" (saved at the next session,
  linked to Nina, Northwind and the Opportunity), one from the newsletter tagged "Salesforce" too (never
  saved: its only outside participant is blocklisted), and one from Nina untagged (saved only once the
  user switches auto-save on, on their "Your email saving" page);
- switches autoresolving on (Contacts, on new Accounts) and delivers an email tagged "Salesforce" from
  Priya Raman of Brightwave Analytics, whom Salesforce does not know: the next session makes her a
  Contact (her signature's title and phones) on a new Account and saves the email linked to her;
- gives a colleague (bob) Priya's invitation to a kickoff call, accepted: whichever of the two
  sessions comes first makes her Contact (the invitation carries her signature too), and the other
  joins it, so the org admin's "New people" page lists one Priya, met in an email and a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from autoresolve.models import AutoresolveMode, AutoresolveSettings
from blocklists.services import org_entries_add
from devtools.world import DemoOrg, DemoPerson, SandboxControl, add_sync_key_fields
from emails.models import EmailSettings

CUSTOMER_DOMAIN = "northwind.example"
CONTACT_ADDRESS = f"nina.north@{CUSTOMER_DOMAIN}"
BLOCKED_SENDER = "news@promo-blast.example"
NEW_PERSON_ADDRESS = "priya.raman@brightwave-analytics.example"
NEW_PERSON_BODY = (
    "<p>Hi,</p><p>we met at the Leeds fair: could you send me your pricing for 50 seats?</p>"
    "<p>Best regards,<br>Priya Raman<br>Head of Operations<br>Brightwave Analytics Ltd<br>"
    "T +44 20 7946 0321 | M +44 7700 900482</p>"
)

INVITATION_BODY = (
    "<p>Hi Bob,</p><p>let us kick the pilot off: agenda, seats and the first week.</p>"
    "<p>Best regards,<br>Priya Raman<br>Head of Operations<br>Brightwave Analytics Ltd<br>"
    "T +44 20 7946 0321 | M +44 7700 900482</p>"
)


@dataclass(frozen=True)
class DemoEmails:
    account_id: str
    contact_id: str
    opportunity_id: str
    tagged_message_id: str  # Graph id of the email tagged "Salesforce" (saved next session)
    blocked_message_id: str  # tagged too, never saved
    untagged_message_id: str  # saved once auto-save is on
    new_person_message_id: str  # from someone Salesforce does not know: saved with a new Contact
    new_person_meeting_id: str  # her invitation in the colleague's calendar ("" without a colleague)


def seed_demo_emails(
    control: SandboxControl,
    org: DemoOrg,
    person: DemoPerson,
    *,
    colleague: DemoPerson | None = None,
    blocked_sender: str = BLOCKED_SENDER,
) -> DemoEmails:
    """Set up email saving for ``org`` and deliver the demo emails to ``person``'s mailbox (see above)."""
    add_sync_key_fields(control, org.sf_org_id, ("EmailMessage", "Task", "Lead", "Account"))
    EmailSettings.objects.update_or_create(organization=org.organization, defaults={"enabled": True})
    AutoresolveSettings.objects.update_or_create(
        organization=org.organization, defaults={"mode": AutoresolveMode.CONTACTS}
    )
    org_entries_add(
        organization=org.organization, texts=[blocked_sender], added_by=None, note="Demo: a newsletter"
    )

    owner = person.sf_user_id
    account = _record(
        control, org, "Account", {"Name": "Northwind Traders", "Website": f"https://{CUSTOMER_DOMAIN}"}, owner
    )
    contact = _record(
        control,
        org,
        "Contact",
        {"FirstName": "Nina", "LastName": "North", "Email": CONTACT_ADDRESS, "AccountId": account},
        owner,
    )
    close = (datetime.now(UTC) + timedelta(days=21)).date().isoformat()
    opportunity = _record(
        control,
        org,
        "Opportunity",
        {
            "Name": "Northwind: 200 seats",
            "StageName": "Proposal/Price Quote",
            "CloseDate": close,
            "AccountId": account,
        },
        owner,
    )

    tagged = _deliver(
        control, org, person, CONTACT_ADDRESS, "Nina North", "Our order for 200 seats", ["Salesforce"],
        "<p>Hello,</p><p>we are ready to order the 200 seats we discussed. Could you send the contract?</p>",
    )  # fmt: skip
    blocked = _deliver(
        control, org, person, blocked_sender, "Promo Blast", "This week's deals", ["Salesforce"],
        "<p>Unmissable offers inside.</p>",
    )  # fmt: skip
    untagged = _deliver(
        control, org, person, CONTACT_ADDRESS, "Nina North", "Delivery address", [],
        "<p>Please ship to our Leeds warehouse.</p>",
    )  # fmt: skip
    stranger = _deliver(
        control, org, person, NEW_PERSON_ADDRESS, "Priya Raman", "Pricing for 50 seats", ["Salesforce"],
        NEW_PERSON_BODY,
    )  # fmt: skip
    meeting = _invite(control, org, colleague) if colleague is not None else ""
    return DemoEmails(account, contact, opportunity, tagged, blocked, untagged, stranger, meeting)


def _invite(control: SandboxControl, org: DemoOrg, colleague: DemoPerson) -> str:
    """Priya's invitation to a kickoff call tomorrow, in the colleague's calendar, accepted."""
    day = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    event = {
        "subject": "Brightwave pilot: kickoff call",
        "start": {"dateTime": f"{day}T15:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"{day}T15:30:00", "timeZone": "UTC"},
        "body": {"contentType": "html", "content": INVITATION_BODY},
        "attendees": [
            {
                "emailAddress": {
                    "address": colleague.mailbox.address,
                    "name": colleague.user.get_full_name(),
                },
                "type": "required",
            }
        ],
    }
    path = f"/tenants/{org.tenant_id}/users/{colleague.graph_user_id}/invitations"
    body = {
        "event": event,
        "organizer": {"name": "Priya Raman", "address": NEW_PERSON_ADDRESS},
        "response": "accepted",
    }
    return str(control.graph("POST", path, body)["id"])


def _record(control: SandboxControl, org: DemoOrg, sobject: str, fields: dict[str, str], owner: str) -> str:
    return str(
        control.sf("POST", f"/orgs/{org.sf_org_id}/records/{sobject}", {**fields, "_user_id": owner})["id"]
    )


def _deliver(
    control: SandboxControl,
    org: DemoOrg,
    person: DemoPerson,
    sender: str,
    name: str,
    subject: str,
    categories: list[str],
    body: str,
) -> str:
    email = {
        "from": {"address": sender, "name": name},
        "to": [person.mailbox.address],
        "subject": subject,
        "body": body,
        "bodyType": "html",
        "categories": categories,
    }
    path = f"/tenants/{org.tenant_id}/users/{person.graph_user_id}/mail/deliver"
    return str(control.graph("POST", path, email)["id"])
