"""Reading our pages: their text for assertions, and the dashboard's URLs."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse
from django.urls import reverse


def text_of(response: HttpResponse) -> str:
    """The page's HTML with runs of whitespace collapsed, so assertions do not depend on layout."""
    return re.sub(r"\s+", " ", response.content.decode())


def url(name: str, mailbox_id: int | None = None) -> str:
    if mailbox_id is None:
        return reverse(f"dashboard:{name}")
    return reverse(f"dashboard:{name}", args=[mailbox_id])


def decoded_text_of(response: HttpResponse) -> str:
    """The page as text: entities decoded (Django escapes apostrophes), whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))
