"""Running sessions: in this process, or in a separate worker process on this test's world."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection

from syncengine.services.sessions import session_run
from tests.support.people import Person


def run(person: Person):
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome in ("succeeded", "partial"), session and session.error
    return session


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


# The settings a separate worker process gets from this test's, under the same names.
WORKER_SETTINGS = (
    "SECRET_KEY",
    "GRAPH_AUTHORITY_HOST",
    "GRAPH_API_URL",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "SALESFORCE_LOGIN_URL",
    "SALESFORCE_CLIENT_ID",
    "SALESFORCE_CLIENT_SECRET",
    "OUTBOUND_CA_BUNDLE",
)


def worker_env() -> dict[str, str]:
    """The environment a separate worker process needs to act on this test's world."""
    env = os.environ.copy()
    env.update({name: getattr(settings, name) for name in WORKER_SETTINGS}, DATABASE_URL=database_url())
    return env


def start_manage(
    *command: str, output: int = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """``manage.py <command>`` started in a separate process on this test's world (its output goes to
    ``output``: dropped, or ``subprocess.PIPE`` to read it; ``env`` adds to its environment)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env={**worker_env(), **(env or {})},
        stdout=output,
        stderr=output,
    )
