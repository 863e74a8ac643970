"""Follow-ups: what a stream's writes call for after them, on either side. Each is a function of its
inputs that returns what it did and its problems; one failing never holds back the commit."""

from __future__ import annotations

from dataclasses import replace

from syncengine.core.calendar import MeetingFacts
from syncengine.core.journal import Entry, related_entry
from syncengine.core.linking import ItemFacts
from syncengine.core.records import PairState, Problem
from syncengine.core.scope import SALESFORCE_CATEGORY, has_category
from syncengine.services.activity_links import link_new_activities
from syncengine.stream.context import StreamContext
from syncengine.stream.execute import NewRecord


def tag_synced(
    ctx: StreamContext,
    final: list[PairState],
    untagged: dict[str, list[str]],
    series_of: dict[str, str],
) -> list[Problem]:
    """Give synced calendar items the "Salesforce" category (and put it back if removed)."""
    synced = {p.mail_id for p in final if not p.tombstone}
    # An occurrence's category is set on its series: tagging each occurrence would turn every one of
    # them into an exception of the series in the user's calendar.
    targets: dict[str, list[str]] = {}
    for item_id in sorted(i for i in untagged if i in synced):
        targets.setdefault(series_of.get(item_id, item_id), untagged[item_id])
    items = [(i, {"categories": [*categories, SALESFORCE_CATEGORY]}) for i, categories in targets.items()]
    if not items:
        return []
    results = ctx.mail.update(stream=ctx.spec.mail_side_stream, items=items)
    return [
        Problem(
            "CATEGORY_NOT_SET", f"Could not set the Salesforce category: {result.message}", mail_id=item_id
        )
        for (item_id, _), result in zip(items, results, strict=True)
        if not result.ok
    ]


def settle_tombstones(ctx: StreamContext, final: list[PairState]) -> tuple[list[PairState], list[Problem]]:
    """Take the "Salesforce" category off items whose record was deleted in Salesforce (the
    reference's deletion table), so the calendar no longer says they are saved. Returns the pairs
    settled (to store) and the problems."""
    waiting = [p for p in final if p.tombstone == "untag"]
    if not waiting:
        return [], []
    if not ctx.spec.tag_category:  # nothing to take off: the item simply stays unsaved
        return [replace(p, tombstone="kept") for p in waiting], []
    stream = ctx.spec.mail_side_stream
    current = {c.id: c for c in ctx.mail.read_items(stream=stream, ids=[p.mail_id for p in waiting])}
    settled: list[PairState] = []
    untag: list[tuple[PairState, list[str]]] = []
    for pair in waiting:
        item = current.get(pair.mail_id)
        if item is None or item.deleted:
            continue  # its deletion comes in a delta and drops the pair
        categories = [str(c) for c in item.meta.get("categories") or []]
        if item.meta.get("series_master_id"):
            settled.append(replace(pair, tombstone="kept"))  # the category is the whole series'
        elif has_category(categories, SALESFORCE_CATEGORY):
            untag.append((pair, [c for c in categories if not has_category([c], SALESFORCE_CATEGORY)]))
        else:
            settled.append(replace(pair, tombstone="quiet"))
    problems: list[Problem] = []
    if untag:
        results = ctx.mail.update(
            stream=stream, items=[(pair.mail_id, {"categories": categories}) for pair, categories in untag]
        )
        for (pair, _), result in zip(untag, results, strict=True):
            if result.ok:
                settled.append(replace(pair, tombstone="quiet"))
            else:  # stays "untag": the next session tries again
                problems.append(
                    Problem(
                        "CATEGORY_NOT_REMOVED",
                        "Deleted in Salesforce; the Salesforce category could not be taken off the "
                        f"calendar item: {result.message}",
                        mail_id=pair.mail_id,
                    )
                )
    return settled, problems


def link_new_records(
    ctx: StreamContext, new_records: list[NewRecord], meetings: dict[str, MeetingFacts]
) -> tuple[list[Problem], list[Entry]]:
    """Events and Tasks made this session get their business record (WhatId), as emails do; the
    journal is told which one and by which rule."""
    created = [r for r in new_records if r.created_values is not None]
    if not ctx.spec.link_records or not created:
        return [], []
    items = []
    for record in created:
        values = record.created_values or {}
        meeting = meetings.get(record.mail_id)
        facts = ItemFacts(
            sender=meeting.organizer if meeting else "",
            to=meeting.attendees if meeting else (),
            subject=str(values.get("subject") or ""),
            body=str(values.get("body") or ""),
        )
        items.append((record.crm_id, facts))
    problems, chosen = link_new_activities(
        ctx.crm, mailbox=ctx.mailbox, crm_object=ctx.spec.rules.crm_object, items=items, today=ctx.now.date()
    )
    mail_of = {r.crm_id: r.mail_id for r in created}
    entries = [
        related_entry(crm_id=i, mail_id=mail_of.get(i, ""), links=links) for i, links in chosen.items()
    ]
    return [Problem("LINK_FAILED", problem) for problem in problems], entries
