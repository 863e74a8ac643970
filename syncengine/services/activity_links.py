"""New Events and Tasks linked to their business record (WhatId), with the same initial search and
rules as saved emails (syncengine/core/linking.py): an Opportunity the filters select, else the
Contact's Account, a Case number in the subject, a Salesforce record link in the body.

One search for all of a session's new records, one update call per 200: a session that made nothing
new costs nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors.base import CrmSide
from syncengine.core.linking import ItemFacts, Links, LinkUser, link_item
from syncengine.extensions import link_filters_for, people_rules_for
from syncengine.models import Mailbox
from syncengine.services.lookup import search_session


def link_new_activities(
    crm: CrmSide,
    *,
    mailbox: Mailbox,
    crm_object: str,
    items: Sequence[tuple[str, ItemFacts]],
    today: date,
) -> tuple[list[str], dict[str, Links]]:
    """Set WhatId on new records where the linker finds a business record. Returns the problems, if
    any, and what the linker chose for each record written (for the journal)."""
    if not items:
        return [], {}
    blocked = people_rules_for(mailbox).blocked
    user = LinkUser(crm.user_id, frozenset({mailbox.address.lower()}))
    filters = link_filters_for(mailbox)
    found = search_session(
        crm, [f for _, f in items], user=user, is_blocked=blocked, today=today, filters=filters
    )
    updates: list[dict[str, object]] = []
    chosen: dict[str, Links] = {}
    for record_id, facts in items:
        links = link_item(facts, user=user, found=found, is_blocked=blocked, today=today, filters=filters)
        if links.what_id:
            updates.append({"Id": record_id, "WhatId": links.what_id})
            chosen[record_id] = links
    if not updates:
        return [], {}
    results = crm.update(crm_object=crm_object, records=updates)
    problems = []
    for update, result in zip(updates, results, strict=True):
        if not result.ok:
            problems.append(f"Could not link the {crm_object} to {update['WhatId']}: {result.message}")
            chosen.pop(str(update["Id"]), None)
    return problems, chosen
