"""The blocklists as the engine's people rules (syncengine/extensions.py), registered when the app is
ready: a session asks whom it may name, and never imports this app."""

from __future__ import annotations

from blocklists.core import REASON_INTERNAL, REASON_INTERNAL_ADDRESS
from blocklists.services import blocklist_for_mailbox, free_domains_of
from syncengine.extensions import PeopleRules
from syncengine.models import Mailbox

# Colleagues are blocked as Contacts (never linked or made one) and related as the Users they are.
_RELATABLE_REASONS = (None, REASON_INTERNAL, REASON_INTERNAL_ADDRESS)


def people_rules_of(mailbox: Mailbox) -> PeopleRules:
    blocklist = blocklist_for_mailbox(mailbox)
    return PeopleRules(
        blocked=blocklist.blocks,
        relatable=lambda address: bool(address) and blocklist.reason(address) in _RELATABLE_REASONS,
        # The org's list (the defaults with its own edits) whether or not it blocks: linking never
        # takes a free-email domain for a company's.
        free_email_domains=frozenset(free_domains_of(mailbox.organization)),
    )
