"""The answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): a page that says until when, with
429 and Retry-After, instead of axes' bare text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

Failures = Sequence[tuple[datetime, int]]  # (time of the latest failure, failures) per record


def lock_ends_at(buckets: Sequence[Failures], *, limit: int, cool_off: timedelta) -> datetime | None:
    """When the last locked bucket opens, if no one tries again meanwhile.

    A bucket (one per lockout parameter: the account, the address) holds the records inside the
    cool-off and is locked while they add up to the limit; newest first, the record that reaches
    the limit is the one whose ageing out unlocks it.
    """
    ends = []
    for records in buckets:
        total = 0
        for at, failures in sorted(records, reverse=True):
            total += failures
            if total >= limit:
                ends.append(at + cool_off)
                break
    return max(ends, default=None)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request) or timedelta(0)
    buckets = [
        list(attempts.values_list("attempt_time", "failures_since_start"))
        for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials)
    ]
    now = timezone.now()
    limit = get_failure_limit(request, credentials)
    until = lock_ends_at(buckets, limit=limit, cool_off=cool_off) or now + cool_off  # a race: assume fresh
    response = render(request, "registration/locked_out.html", {"until": until}, status=429)
    response["Retry-After"] = str(max(1, int((until - now).total_seconds()) + 1))
    return response
