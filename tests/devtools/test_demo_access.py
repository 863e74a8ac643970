"""The demo's "by hand" text (var/demo-access.txt) lists what README "Acting as the user by hand"
says, and its commands work: run here with bash and curl against the sandboxes."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devtools.access import SECTIONS, App, DemoAccess, Rep, access_text
from sandbox.tls import SandboxCA
from tests.support.people import GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET, SF_CLIENT_ID, SF_CLIENT_SECRET, Person

README = Path(__file__).resolve().parents[2] / "README.md"
GRAPH_PASSWORD = "Sandbox-Passw0rd!"  # the sandboxes' defaults, which the tests' people have
SALESFORCE_PASSWORD = "sandbox-password"


@pytest.fixture
def access(person: Person, sandboxes, sandbox_ca: SandboxCA) -> DemoAccess:
    sf_server, graph_server = sandboxes
    return DemoAccess(
        dashboard="http://127.0.0.1:8000/",
        logins={"alice": "alice-demo-1"},
        ca_bundle=str(sandbox_ca.ca_path),
        leaf_spki_sha256=sandbox_ca.leaf_spki_sha256,
        salesforce_url=sf_server.url,
        graph_url=graph_server.url,
        google_url="https://127.0.0.1:9",
        ews_url="https://127.0.0.1:9",
        tenant_id=person.tenant_id,
        salesforce_password=SALESFORCE_PASSWORD,
        graph=App(GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET),
        salesforce=App(SF_CLIENT_ID, SF_CLIENT_SECRET),
        google=App("google-id", "google-secret"),
        reps=(
            Rep(
                username="alice",
                address=person.mailbox.address,
                provider="graph",
                salesforce_username=person.connection.username,
                mail_password=GRAPH_PASSWORD,
            ),
        ),
        example_day=(datetime.now(UTC) + timedelta(days=2)).date(),
    )


def test_it_has_the_sections_the_readme_names(access: DemoAccess):
    readme = README.read_text()
    section = readme.split("## Acting as the user by hand", 1)[1].split("\n## ", 1)[0]
    text = access_text(access)

    for head in SECTIONS:
        assert f"== {head.format(rep='alice')}" in text
        assert f"**{head.format(rep='a rep')}**" in section  # the README explains each one
    for needed in (access.ca_bundle, access.leaf_spki_sha256, GRAPH_PASSWORD, SALESFORCE_PASSWORD):
        assert needed in text
    assert "var/demo-access.txt" in section and "--ignore-certificate-errors-spki-list" in section


@pytest.mark.django_db
def test_its_commands_read_and_change_outlook_and_salesforce(access: DemoAccess, person: Person):
    assert shutil.which("curl") and shutil.which("bash")
    meeting = person.salesforce.Event.create(
        {"Subject": "Kickoff", "StartDateTime": "2026-12-10T10:00:00Z", "EndDateTime": "2026-12-10T11:00:00Z"}
    )
    lines = [
        line.strip() for line in access_text(access).splitlines() if re.match(r"  (GRAPH=|SF=|curl )", line)
    ]
    script = "set -euo pipefail\n" + "\n".join(lines).replace("EVENT_ID", meeting["id"])

    shown = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)

    assert shown.returncode == 0, shown.stderr
    assert len(lines) == 8 and '"displayName": "Tasks"' in shown.stdout  # 2 tokens, 4 Outlook, 2 Salesforce
    assert '"subject": "Call with Nina North"' in shown.stdout and '"Subject": "Kickoff"' in shown.stdout
    events = person.outlook.call("GET", "/me/events?$select=subject")["value"]
    assert [e["subject"] for e in events] == ["Call with Nina North"]  # really in her calendar
    assert person.salesforce.Event.get(meeting["id"])["Subject"] == "Renamed in Salesforce"
