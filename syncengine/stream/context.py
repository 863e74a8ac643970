"""What every step of a stream's session reads: whose mailbox, which stream, which connectors."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from connectors.base import CrmSide, ItemStreams
from syncengine.core.records import Problem
from syncengine.models import Mailbox, SyncSession
from syncengine.services.leases import Lease
from syncengine.services.streams import StreamSpec

Counts = defaultdict[str, Counter[str]]


def counts() -> Counts:
    return defaultdict(Counter)


@dataclass(frozen=True)
class StreamContext:
    mailbox: Mailbox
    lease: Lease  # every commit of this stream is fenced by it (services/leases.py)
    session: SyncSession | None
    spec: StreamSpec
    mail: ItemStreams  # the mailbox's connector, as its item streams
    crm: CrmSide
    now: datetime

    @property
    def stream(self) -> str:
        return self.spec.stream

    @property
    def key_scope(self) -> str:
        return f"mailbox:{self.mailbox.pk}"  # what makes this mailbox's sync keys its own


@dataclass
class StepResult:
    """What a step did: its counts (direction -> what -> how many) and the problems to report."""

    counts: Counts = field(default_factory=counts)
    problems: list[Problem] = field(default_factory=list)

    def add(self, other: StepResult) -> None:
        for direction, tally in other.counts.items():
            self.counts[direction].update(tally)
        self.problems += other.problems
