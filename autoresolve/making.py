"""The people maker the engine calls (syncengine/extensions.py): for a mailbox's unresolved
participants, read their signatures, plan who gets which record, write them to Salesforce once, keep
them for the org admin, and hand the records back so the items link to them in the same session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction

from autoresolve.domains import domain_of
from autoresolve.models import AutoresolveMode, AutoresolveSettings
from autoresolve.plan import WRITTEN_MODES, Participant, makeable, plan_people
from autoresolve.salesforce import PersonWritten, create_planned, salesforce_facts
from autoresolve.services import (
    created_records_intend,
    created_records_keep,
    created_records_resolve,
    rules_of,
)
from autoresolve.signatures import SignedEmail, read_signature
from connectors.base import ConnectorError
from connectors.salesforce.connector import SalesforceConnector
from syncengine.extensions import MadePerson, PeopleMade, Unresolved, people_rules_for
from syncengine.models import Mailbox, Organization

log = logging.getLogger(__name__)


def _participant(person: Unresolved) -> Participant:
    signature = None
    if person.text or person.html or person.display_name:
        email = SignedEmail(
            text=person.text, html=person.html, from_name=person.display_name, from_address=person.address
        )
        signature = read_signature(email)
    return Participant(
        person.address,
        person.display_name,
        signature,
        resource=person.resource,
        mailing_list=person.mailing_list,
        source=person.source,
    )


def _made(written: PersonWritten) -> MadePerson:
    """What the items link to: a Lead, a Contact, or a Person Account's Contact (on its Account)."""
    if written.person.kind == "PersonAccount":
        return MadePerson(written.person.address, "Contact", written.person_contact_id, written.id)
    return MadePerson(written.person.address, written.person.kind, written.id, written.account_id)


def people_making_enabled(organization: Organization) -> bool:
    chosen = AutoresolveSettings.objects.filter(organization=organization).first()
    return chosen is not None and chosen.mode in WRITTEN_MODES


def people_makeable(mailbox: Mailbox, addresses: Sequence[str]) -> frozenset[str]:
    chosen = AutoresolveSettings.objects.filter(organization=mailbox.organization).first()
    if chosen is None:
        return frozenset()
    rules = people_rules_for(mailbox)
    return makeable(
        addresses, mode=chosen.mode, blocked=rules.blocked, free_email_domains=rules.free_email_domains
    )


def _keep_safely(keep: Callable[[], object]) -> None:
    try:
        with transaction.atomic():  # a savepoint: a clash must not spoil the session's transaction
            keep()
    except IntegrityError:  # another mailbox of the org kept the same people at the same moment
        log.info("autoresolve: another session kept these people first")


def people_make(mailbox: Mailbox, crm: SalesforceConnector, people: Sequence[Unresolved]) -> PeopleMade:
    organization = mailbox.organization
    chosen = AutoresolveSettings.objects.filter(organization=organization).first()
    if chosen is None or chosen.mode == AutoresolveMode.OFF:
        return PeopleMade()
    # SalesforceEmailCreateAllUnresolvedRecipients: auto-saved emails' people only when the org says so.
    wanted = [p for p in people if not p.auto_saved or chosen.create_for_all_unresolved_recipients]
    if not wanted:
        return PeopleMade()
    rules = people_rules_for(mailbox)
    try:
        created_records_resolve(organization=organization, crm=crm)  # a dead session's, if any
        participants = [_participant(p) for p in wanted]
        facts = salesforce_facts(crm, [domain_of(p.address) for p in participants])
        plan = plan_people(
            participants,
            organization_id=organization.pk,
            # The form offers Person Accounts only where Salesforce has them; chosen, they are there.
            rules=rules_of(chosen, person_accounts_available=chosen.mode == AutoresolveMode.PERSON_ACCOUNTS),
            facts=facts,
            blocked=rules.blocked,
            free_email_domains=rules.free_email_domains,
        )
        _keep_safely(
            lambda: created_records_intend(organization=organization, mailbox=mailbox, people=plan.people)
        )
        written = create_planned(crm, plan)
    except ConnectorError as error:  # the items are saved all the same, without the new people
        return PeopleMade(problem=f"New people could not be created in Salesforce: {error}")
    _keep_safely(lambda: created_records_keep(organization=organization, mailbox=mailbox, written=written))
    refused = [w for w in written if w.failure]
    problem = ""
    if refused:
        first = refused[0]
        problem = (
            f"{len(refused)} new people could not be created, e.g. {first.person.address}: {first.failure}"
        )
    made = tuple(
        _made(w) for w in written if w.id and (w.person.kind != "PersonAccount" or w.person_contact_id)
    )
    return PeopleMade(made, problem)
