"""A dry run of one mailbox's streams: gather and the final plan exactly as a session makes them,
then nothing written (no item written to either side, no pair, cursor or intent stored; only the
containers a first session makes, such as the mailbox's "Salesforce Tasks" list, may be made).
``from_scratch`` reads both sides whole, as a first sync or a full resync would: what would be
created, updated or deleted on each side, with counts and examples, before it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncengine.core.journal import WOULD_HAPPEN, Outcomes, journal_entries
from syncengine.stream.context import StreamContext
from syncengine.stream.gather import gather
from syncengine.stream.run import stream_plan

EXAMPLES = 5


@dataclass
class StreamPreview:
    stream: str
    counts: dict[str, int] = field(default_factory=dict)  # a journal code -> how many items
    examples: dict[str, list[str]] = field(default_factory=dict)  # a journal code -> a few labels
    halted: str = ""  # why nothing would be planned

    def lines(self) -> list[tuple[str, int, list[str]]]:
        return [
            (WOULD_HAPPEN.get(what, what), n, self.examples.get(what, [])) for what, n in self.counts.items()
        ]


def stream_preview(ctx: StreamContext, *, from_scratch: bool) -> StreamPreview:
    preview = StreamPreview(ctx.stream)
    gathered = gather(ctx, from_scratch=from_scratch)
    if gathered.halted:
        problems = gathered.result.problems
        preview.halted = (
            problems[0].message if problems else "A side came back empty: nothing would be planned."
        )
        return preview
    final, _ = stream_plan(ctx, gathered)
    entries = journal_entries(
        final.plan,
        Outcomes(),
        waiting=final.waiting,
        linked=[mail_id for _, mail_id in final.linked],
        left_out={**gathered.scoped.left_out, **final.left_out},
    )
    for entry in entries:
        preview.counts[entry.what] = preview.counts.get(entry.what, 0) + 1
        shown = preview.examples.setdefault(entry.what, [])
        if len(shown) < EXAMPLES:
            shown.append(entry.label or entry.mail_id or entry.crm_id)
    return preview
