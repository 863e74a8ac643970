"""Reading our pages: a signed-in client, their text for assertions, and the dashboard's URLs."""

from __future__ import annotations

import html
import re

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse


def client_for(user: AbstractBaseUser) -> Client:
    """A test client signed in as the user, without going through the sign-in page."""
    client = Client()
    client.force_login(user)
    return client


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
