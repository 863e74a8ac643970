"""Helpers shared by the blocklist page tests."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse


def text_of(response: HttpResponse) -> str:
    """The page as text: entities decoded (Django escapes apostrophes), whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))
