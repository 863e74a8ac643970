"""Every response carries a Content-Security-Policy that forbids inline scripts, plugins, framing,
a foreign <base> and posting forms elsewhere; our templates need nothing it forbids."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from syncengine.models import Role
from tests.support.pages import client_for
from tests.support.people import Person

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(answer) -> dict[str, list[str]]:
    header = answer.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_strict(answer) -> None:
    csp = policy(answer)
    assert csp.get("default-src") == ["'self'"], answer.headers
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-eval'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("form-action") == ["'self'"]


def our_routes(patterns=None, prefix: str = "") -> Iterator[str]:
    """Every route of ours (the admin's are checked apart), as a path template."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                yield from our_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


@pytest.fixture
def boss(make_person: Callable[..., Person]) -> Person:
    return make_person("boss", role=Role.ORG_ADMIN)


def test_it_sends_a_content_security_policy_on_every_page(boss: Person):
    values = {
        "organization_id": str(boss.organization.pk),
        "mailbox_id": str(boss.mailbox.pk),
        "stream": "events",
    }
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(boss.user)
    paths = [
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)
        for route in our_routes()
    ]
    assert len(paths) > 30

    for path in paths:
        for client in (signed_in, anonymous):
            answer = client.get(path)
            assert answer.status_code < 500, path
            assert_strict(answer)


ADMIN_PAGES = [
    "admin:index",
    "admin:auth_user_changelist",
    "admin:auth_user_add",
    "admin:axes_accessattempt_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_it_sends_the_policy_on_the_admin_pages(name: str):
    client = client_for(User.objects.create_superuser("support", "support@example.com", "pw-for-tests-only"))

    answer = client.get(reverse(name))

    assert answer.status_code == 200
    assert_strict(answer)


@pytest.mark.parametrize("name", ["login", "admin:login"])
def test_it_sends_the_policy_on_the_login_pages_and_the_lockout_page(name: str):
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert_strict(client.get(reverse(name)))

    for n in range(settings.AXES_FAILURE_LIMIT):
        answer = client.post(reverse(name), {"username": "alice", "password": f"guess-{n}"})

    assert answer.status_code == 429
    assert_strict(answer)


def test_it_sends_the_policy_with_error_pages():
    answer = Client().get("/no-such-page/")

    assert answer.status_code == 404
    assert_strict(answer)


@pytest.mark.parametrize(
    "forbidden",
    [
        r"<script(?![^>]*\bsrc=)[^>]*>",  # inline script (a JSON data block would need a nonce too)
        r"<style\b",  # inline style sheet
        r"\sstyle\s*=",  # style attribute
        r"\son[a-z]+\s*=",  # event handler attribute
        r"javascript:",
    ],
)
def test_it_keeps_what_the_policy_forbids_out_of_our_templates(forbidden: str):
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(forbidden, path.read_text(), re.IGNORECASE)
    ]

    assert offenders == []
