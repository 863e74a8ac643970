"""A person who is a member of a second organization: their mailbox there, and (when asked) their
Salesforce connection to that organization's own Salesforce org, in the same sandboxes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncengine.models import Mailbox, Membership, Role, SalesforceConnection
from syncengine.services.mailboxes import mailbox_create
from tests.support.people import GRAPH_CLIENT_ID, SF_CLIENT_ID, Person


@dataclass
class SecondMembership:
    membership: Membership
    mailbox: Mailbox
    connection: SalesforceConnection | None
    tenant_id: str
    graph_user_id: str


def join_organization(
    person: Person, host: Person, sandboxes: Any, *, salesforce: bool = True, role: str = Role.USER
) -> SecondMembership:
    """Make ``person`` a member of ``host``'s organization, with a Graph mailbox in its tenant."""
    sf_server, graph_server = sandboxes
    organization = host.organization
    membership = Membership.objects.create(user=person.user, organization=organization, role=role)
    address = f"{person.user.username}@{organization.slug}.example"
    graph_user = graph_server.app.create_user(host.tenant_id, address, person.user.username)
    refresh = graph_server.app.issue_refresh_token(host.tenant_id, graph_user["id"], GRAPH_CLIENT_ID)
    mailbox = mailbox_create(
        organization=organization,
        owner=person.user,
        address=address,
        provider_account={"tenant_id": host.tenant_id, "user_id": graph_user["id"]},
        credentials={"refresh_token": refresh},
    )
    connection = None
    if salesforce:
        sf_app = sf_server.app
        sf_user = sf_app.create_user(host.sf_org_id, f"{address}.sf", address, person.user.username)
        sf_refresh = sf_app.issue_refresh_token(host.sf_org_id, sf_user["id"], SF_CLIENT_ID)
        connection = SalesforceConnection.objects.create(
            user=person.user,
            organization=organization,
            instance_url=sf_server.url,
            salesforce_user_id=sf_user["id"],
            salesforce_org_id=host.sf_org_id,
            username=sf_user["username"],
            credentials={"refresh_token": sf_refresh},
        )
    return SecondMembership(membership, mailbox, connection, host.tenant_id, graph_user["id"])
