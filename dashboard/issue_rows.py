"""The open issues of a mailbox as the dashboard lists them: the code in words, what to do, and
whether "Retry now" can help (syncengine/core/code_words.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from syncengine.core.code_words import Words, words_for
from syncengine.models import SyncIssue
from syncengine.services.held import MASS_DELETE_HALTED


@dataclass(frozen=True)
class IssueRow:
    issue: SyncIssue
    words: Words
    can_retry: bool  # a session now may fix it: the item is kept to retry, or the cause passes


def issue_rows(issues: Iterable[SyncIssue]) -> list[IssueRow]:
    return [IssueRow(issue, words_for(issue.code), _can_retry(issue)) for issue in issues]


def _can_retry(issue: SyncIssue) -> bool:
    if issue.code == MASS_DELETE_HALTED:
        return False  # a person's decision ends it, not another try
    # An item given up on or stopped keeps what to read again: Retry now starts its retries again.
    return issue.retries or "pending" in (issue.details or {}) or words_for(issue.code).retry
