"""Helpers shared by the dashboard tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from django.urls import reverse


def in_days(days: float, hour: int = 10) -> str:
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def text_of(response: HttpResponse) -> str:
    """The page's HTML with runs of whitespace collapsed, so assertions do not depend on layout."""
    return re.sub(r"\s+", " ", response.content.decode())


def url(name: str, mailbox_id: int | None = None) -> str:
    if mailbox_id is None:
        return reverse(f"dashboard:{name}")
    return reverse(f"dashboard:{name}", args=[mailbox_id])
