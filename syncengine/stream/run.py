"""One stream of one session, in the order it runs: gather -> plan -> execute -> follow-ups -> commit.

The plan is pure (``syncengine.core``) and final before anything is written; what a person must know
(conflicts, notices, held deletions, invitations waiting for their organizer) is recorded before the
writes, so a worker that dies after writing does not take it along. A crash anywhere replays the same
changes next time, and every write is safe to repeat (upserts and intents on the sync key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.base import ConnectorError
from connectors.salesforce.connector import comparable
from syncengine.core.calendar import final_states
from syncengine.core.final_plan import FinalPlan, MeetingContext, facts_wanted, plan_final, untouched
from syncengine.core.journal import Outcomes, journal_entries
from syncengine.core.meetings import AWAITS_ORGANIZER, AWAITS_ORGANIZER_MESSAGE
from syncengine.core.planner import Plan, plan_stream
from syncengine.core.records import PairState, Problem
from syncengine.models import Side
from syncengine.services.failures import SESSION_WIDE_CODES
from syncengine.services.held import MASS_DELETE_HALTED, deletions_hold, deletions_settle
from syncengine.services.issues import CONFLICT_RESOLVED, issue_record
from syncengine.services.journal import journal_record
from syncengine.services.progress import progress_note
from syncengine.services.retries import RetryItem, retries_settle, retry_record
from syncengine.services.state import state_commit
from syncengine.stream.attendees import Attendance, follow_attendees
from syncengine.stream.context import Counts, StepResult, StreamContext, counts
from syncengine.stream.execute import execute
from syncengine.stream.follow_ups import link_new_records, settle_tombstones, tag_synced
from syncengine.stream.gather import Gathered, crm_cursor_out, gather, look_up, meeting_context

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class StreamReport:
    counts: Counts = field(default_factory=counts)
    issues: int = 0
    halted: bool = False  # stopped for this session, or deletions wait for a person's decision

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {direction: dict(c) for direction, c in self.counts.items()}


def stream_run(ctx: StreamContext) -> StreamReport:
    report = StreamReport()
    rules = ctx.spec.rules

    # -- gather ---------------------------------------------------------------------------------
    gathered = gather(ctx)
    _report(ctx, report, gathered.result)
    progress_note(session=ctx.session, stream=ctx.stream, first=gathered.first)
    if gathered.halted:  # a side came back empty while pairs are held: a broken side, not a wipe-out
        report.halted = True
        return report

    # -- plan (pure), then the facts its draft asks for, then final -----------------------------
    final, meetings = stream_plan(ctx, gathered)
    # What an earlier session wrote before it stopped (its intents, resolved now) counts as done.
    before = len(gathered.intents.resolved)
    progress_note(session=ctx.session, stream=ctx.stream, found=before + len(final.plan.actions), done=before)
    # What a person must know is recorded before any write.
    _record_plan(ctx, report, final)
    if final.plan.held:  # kept, neither applied nor forgotten, while the cursor moves on
        deletions_hold(mailbox=ctx.mailbox, stream=ctx.stream, actions=final.plan.held)

    # -- execute --------------------------------------------------------------------------------
    done = execute(
        ctx,
        final,
        meetings,
        gathered.pairs,
        written=lambda count: progress_note(session=ctx.session, stream=ctx.stream, done=before + count),
    )
    _report(ctx, report, done.result)
    progress_note(session=ctx.session, stream=ctx.stream, done=before + len(final.plan.actions))
    retries_settle(
        mailbox=ctx.mailbox,
        stream=ctx.stream,
        mail_ids=done.done_mail - {""},
        crm_ids=done.done_crm - {""},
    )
    upserts = [*gathered.intents.resolved, *done.upserts]  # later states of the same pair win
    removals = [*gathered.intents.stale, *done.removals]

    # -- follow-ups: one failing records an issue, never holds back the commit ------------------
    scoped = gathered.scoped
    pairs = gathered.pairs
    problems: list[Problem] = []
    problems += (
        _follow_up(
            ctx,
            report,
            "category",
            lambda: tag_synced(
                ctx, final_states(pairs, upserts, removals), scoped.untagged, scoped.series_of
            ),
        )
        or []
    )
    settled, more = _follow_up(
        ctx, report, "deletion", lambda: settle_tombstones(ctx, final_states(pairs, upserts, removals))
    ) or ([], [])
    upserts += settled
    problems += more
    attendance = (
        _follow_up(
            ctx,
            report,
            "attendees",
            lambda: follow_attendees(
                ctx,
                meetings=scoped.meetings,
                new_records=done.new_records,
                pairs=pairs,
                upserts=upserts,
                removals=removals,
                crm_read=gathered.crm_set.changes,
                known_people=final.people,
            ),
        )
        or Attendance()
    )
    problems += attendance.problems
    link_problems, related = _follow_up(
        ctx, report, "links", lambda: link_new_records(ctx, done.new_records, scoped.meetings)
    ) or ([], [])
    problems += link_problems
    _report(ctx, report, StepResult(problems=problems))

    # -- commit ---------------------------------------------------------------------------------
    state_commit(
        mailbox=ctx.mailbox,
        lease=ctx.lease,
        stream=ctx.stream,
        crm_object=rules.crm_object,
        upserts=upserts,
        removals=removals,
        cursors={
            Side.MAIL: gathered.mail_set.next_cursor,
            Side.CRM: crm_cursor_out(gathered.crm_set.next_cursor, gathered.window),
        },
        rosters=attendance.rosters,
        rosters_forget=attendance.forget,
    )
    journal_record(
        mailbox=ctx.mailbox,
        session=ctx.session,
        stream=ctx.stream,
        crm_object=rules.crm_object,
        entries=journal_entries(
            final.plan,
            Outcomes(failed=done.failures, joined=frozenset(done.joined)),
            waiting=final.waiting,
            linked=[mail_id for _, mail_id in final.linked],
            left_out={**scoped.left_out, **final.left_out},
            follow_ups=related,
        ),
    )
    # Retried items gone for good, or read again with nothing to do: their retries end.
    quiet_mail, quiet_crm = untouched(
        final, mail_ids=gathered.retried[Side.MAIL], crm_ids=gathered.retried[Side.CRM]
    )
    retries_settle(
        mailbox=ctx.mailbox,
        stream=ctx.stream,
        mail_ids=gathered.vanished[Side.MAIL] | quiet_mail,
        crm_ids=gathered.vanished[Side.CRM] | quiet_crm,
    )
    _settle_held(ctx, report, gathered, final.plan, upserts, removals)
    return report


def stream_plan(ctx: StreamContext, gathered: Gathered) -> tuple[FinalPlan, MeetingContext]:
    """The stream's final plan from what was gathered: the pure draft, the facts it asks for (natural
    key matches, a read), then final. Writes nothing: the preview uses it as the session does."""
    rules = ctx.spec.rules
    draft = plan_stream(
        rules=rules,
        scope=ctx.key_scope,
        pairs=gathered.pairs,
        mail_changes=gathered.mail_changes,
        crm_changes=gathered.crm_changes,
        held=gathered.held,
        owned=gathered.owned,
    )
    meetings = meeting_context(ctx, gathered)
    wanted = facts_wanted(
        draft,
        rules=rules,
        natural_key=ctx.spec.natural_key,
        meetings_only=ctx.spec.scope is not None,  # calendar items: only meetings are matched
        context=meetings,
        comparable=comparable,
    )
    final = plan_final(
        draft, wanted, look_up(ctx, gathered, wanted), rules=rules, pairs=gathered.pairs, context=meetings
    )
    return final, meetings


def _follow_up(ctx: StreamContext, report: StreamReport, what: str, step: Callable[[], T]) -> T | None:
    """A follow-up's result; None when it failed (its issue is recorded, the commit goes on)."""
    try:
        return step()
    except ConnectorError as error:
        if error.code in SESSION_WIDE_CODES:
            raise
        _issue(
            ctx, report, Problem("FOLLOW_UP_FAILED", f"Synced, but the {what} step after it failed: {error}")
        )
        return None


def _record_plan(ctx: StreamContext, report: StreamReport, final: FinalPlan) -> None:
    plan = final.plan
    result = StepResult()
    for action in final.waiting:  # ISE-013: read again each session until the organizer's saved it
        result.counts["to_crm"]["waiting"] += 1
        result.problems.append(
            Problem(
                AWAITS_ORGANIZER,
                AWAITS_ORGANIZER_MESSAGE,
                mail_id=action.mail_id,
                label=action.label,
                details={"pending": {"side": Side.MAIL, "id": action.mail_id, "deleted": False}},
                retry=True,
            )
        )
    if final.linked:
        result.counts["pairs"]["linked"] += len(final.linked)
    for notice in plan.notices:
        if notice.code == MASS_DELETE_HALTED:
            report.halted = True
        result.problems.append(
            Problem(
                notice.code, notice.message, mail_id=notice.mail_id, crm_id=notice.crm_id, label=notice.label
            )
        )
    for conflict in plan.conflicts:
        result.counts["pairs"]["conflicts"] += 1
        loser = "Salesforce" if conflict.winner == "mail" else "mailbox"
        result.problems.append(
            Problem(
                CONFLICT_RESOLVED,
                f"'{conflict.field}' was changed on both sides; the {loser} value was overwritten.",
                label=conflict.label,
                mail_id=conflict.mail_id,
                crm_id=conflict.crm_id,
                details={
                    "field": conflict.field,
                    "mail_value": conflict.mail_value,
                    "crm_value": conflict.crm_value,
                    "winner": conflict.winner,
                },
            )
        )
    _report(ctx, report, result)


def _settle_held(
    ctx: StreamContext,
    report: StreamReport,
    gathered: Gathered,
    plan: Plan,
    upserts: list[PairState],
    removals: list[str],
) -> None:
    """Drop the holds whose decision was carried out (or whose pair is gone); while any waits for a
    decision, the stream is halted: the session says so, and so does the stream's issue."""
    held: list[Any] = gathered.every_hold
    done = set(removals) | {s.sync_key for s in upserts}
    paired = {p.sync_key for p in gathered.pairs}
    settled = {h.sync_key for h in held if h.decision and h.sync_key in done}
    settled |= {h.sync_key for h in held if h.sync_key not in paired}
    deletions_settle(mailbox=ctx.mailbox, stream=ctx.stream, sync_keys=settled)
    new = {a.sync_key for a in plan.held}
    waiting = [h for h in held if not h.decision and h.sync_key not in settled and h.sync_key not in new]
    count = len(waiting) + len(new)
    if not count:
        return
    report.halted = True
    report.counts["held"]["deletions"] = count
    if waiting and not plan.held:  # a halt of an earlier session: still waiting
        sides = {"crm": "Salesforce", "mail": "the mailbox"}
        where = " and ".join(sorted({sides[h.side] for h in waiting}))
        _issue(
            ctx,
            report,
            Problem(
                MASS_DELETE_HALTED,
                f"{count} {ctx.stream} deletions in {where} are held and wait for your decision on the "
                "dashboard: confirm them, or restore the items. Nothing is deleted until then.",
            ),
        )


def _report(ctx: StreamContext, report: StreamReport, result: StepResult) -> None:
    for direction, tally in result.counts.items():
        report.counts[direction].update(tally)
    for problem in result.problems:
        _issue(ctx, report, problem)


def _issue(ctx: StreamContext, report: StreamReport, problem: Problem) -> None:
    report.issues += 1
    details = dict(problem.details) if problem.details is not None else {}
    if problem.retry:  # the item goes to the retry ledger: read again next session
        pending = details.pop("pending")
        retry_record(
            mailbox=ctx.mailbox,
            session=ctx.session,
            stream=ctx.stream,
            item=RetryItem(
                side=pending["side"],
                id=pending["id"],
                deleted=pending["deleted"],
                permanent=bool(details.pop("permanent", False)),
                problem=problem.message,
            ),
            code=problem.code,
            message=problem.message,
            mail_id=problem.mail_id,
            crm_id=problem.crm_id,
            crm_object=ctx.spec.rules.crm_object,
            label=problem.label,
            details=details,
        )
        return
    issue_record(
        mailbox=ctx.mailbox,
        session=ctx.session,
        stream=ctx.stream,
        code=problem.code,
        message=problem.message,
        crm_object=ctx.spec.rules.crm_object,
        mail_id=problem.mail_id,
        crm_id=problem.crm_id,
        label=problem.label,
        details=details or None,
    )
