"""What a person needs to act as a demo user by hand, in "Outlook" and in Salesforce, against this
run's sandboxes: the sign-in pages, usernames and passwords, the app registrations, how a browser
and curl trust the sandboxes' certificate, and commands that read and change what each side holds.
``make demo`` writes it to var/demo-access.txt; README "Acting as the user by hand" explains it.
Pure: the demo hands the facts in."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import date

SALESFORCE_API = "/services/data/v62.0"
GRAPH_SCOPES = "Calendars.ReadWrite Contacts.ReadWrite Tasks.ReadWrite offline_access"
# The sections, in order; the README names the same ones (tests/devtools/test_demo_access.py).
SECTIONS = (
    "Web pages",
    "The sandboxes' certificate",
    "App registrations",
    "As {rep} in Outlook (Microsoft Graph)",
    "As {rep} in Salesforce",
    "What Google and Exchange hold",
)
TOKEN_OF = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"


@dataclass(frozen=True)
class Rep:
    username: str  # the engine's login
    address: str  # the mailbox
    provider: str  # graph, google, ews
    salesforce_username: str
    mail_password: str = ""  # Microsoft 365's or Exchange's; Google's sandbox asks none


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class DemoAccess:
    dashboard: str
    logins: dict[str, str]  # the engine's logins: username -> password
    ca_bundle: str
    leaf_spki_sha256: str
    salesforce_url: str
    graph_url: str
    google_url: str
    ews_url: str
    tenant_id: str
    salesforce_password: str
    graph: App
    salesforce: App
    google: App
    reps: tuple[Rep, ...]
    example_day: date  # a day inside the sync window, for the new appointment


def access_text(access: DemoAccess) -> str:
    outlook = next(r for r in access.reps if r.provider == "graph")
    heads = [s.format(rep=outlook.username) for s in SECTIONS]
    lines = [
        "Acting as the user by hand: this run's values (they change at every `make demo`).",
        "",
        *_web(access, heads[0]),
        *_certificate(access, heads[1]),
        *_apps(access, heads[2]),
        *_outlook(access, outlook, heads[3]),
        *_salesforce(access, outlook, heads[4]),
        *_sandbox_views(access, heads[5]),
    ]
    return "\n".join(lines) + "\n"


def _web(a: DemoAccess, head: str) -> list[str]:
    lines = [f"== {head}", f"Dashboard and console: {a.dashboard}  (the engine's logins:)"]
    lines += [f"  {user} / {password}" for user, password in a.logins.items()]
    lines += [
        f"Connect or reconnect a mailbox or Salesforce: {a.dashboard}connect/ , which opens the",
        "sandboxes' own sign-in pages (Microsoft 365, Google, Salesforce) with these users:",
    ]
    for rep in a.reps:
        mail = {
            "graph": f"Microsoft 365 {rep.address} / {rep.mail_password}",
            "google": f"Google {rep.address} (the sandbox asks no password)",
            "ews": f"Exchange {rep.address} / {rep.mail_password} (typed on the connect page)",
        }[rep.provider]
        lines.append(
            f"  {rep.username}: {mail}; Salesforce {rep.salesforce_username} / {a.salesforce_password}"
        )
    lines += [
        f"  Microsoft 365 sign-in page: {a.graph_url}/{a.tenant_id}/oauth2/v2.0/authorize",
        f"  Google consent page:        {a.google_url}/o/oauth2/v2/auth",
        f"  Salesforce login page:      {a.salesforce_url}/services/oauth2/authorize",
        "The sandboxes have no mailbox or CRM pages of their own: read and change their data with the",
        "commands below (the dashboard's item links point at the real Outlook and Salesforce hosts).",
        "",
    ]
    return lines


def _certificate(a: DemoAccess, head: str) -> list[str]:
    return [
        f"== {head}",
        f"The sandboxes serve https with a CA made at each start: {a.ca_bundle}",
        "Chromium that trusts this run's sandboxes and nothing else (a throw-away profile, no install):",
        '  chromium --user-data-dir="$(mktemp -d)" '
        f"--ignore-certificate-errors-spki-list={a.leaf_spki_sha256} {a.dashboard}",
        "Firefox: Settings > Privacy & Security > View Certificates > Authorities > Import, pick the CA",
        "file and tick 'identify websites' (a test profile is best: the CA is new at each run).",
        "curl: --cacert with the CA file, as below.",
        "",
    ]


def _apps(a: DemoAccess, head: str) -> list[str]:
    return [
        f"== {head}",
        "Made up for this run, registered with the sandboxes (the engine uses the same):",
        f"  Microsoft 365: client id {a.graph.client_id}, secret {a.graph.client_secret}, "
        f"tenant {a.tenant_id}",
        f"  Salesforce:    consumer key {a.salesforce.client_id}, secret {a.salesforce.client_secret}",
        f"  Google:        client id {a.google.client_id}, secret {a.google.client_secret}",
        "",
    ]


def _outlook(a: DemoAccess, rep: Rep, head: str) -> list[str]:
    q = shlex.quote
    token = (
        f"curl -s --cacert {q(a.ca_bundle)} {a.graph_url}/{a.tenant_id}/oauth2/v2.0/token "
        f"-d grant_type=password -d client_id={q(a.graph.client_id)} "
        f"--data-urlencode client_secret={q(a.graph.client_secret)} "
        f"--data-urlencode username={q(rep.address)} "
        f"--data-urlencode password={q(rep.mail_password)} --data-urlencode {q('scope=' + GRAPH_SCOPES)}"
    )
    me = f"{a.graph_url}/v1.0/me"
    auth = f'--cacert {q(a.ca_bundle)} -H "Authorization: Bearer $GRAPH"'
    day = f"{a.example_day:%Y-%m-%d}"
    event = json.dumps(
        {
            "subject": "Call with Nina North",
            "start": {"dateTime": f"{day}T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"{day}T10:30:00", "timeZone": "UTC"},
        }
    )
    return [
        f"== {head}",
        "A token, as Outlook gets one (the password grant; the sandbox keeps it for this):",
        f"  GRAPH=$({token} | {TOKEN_OF})",
        "Her calendar, her 'Salesforce Tasks' list and her 'Salesforce Contacts' folder:",
        f"  curl -s {auth} {q(me + '/events?$select=subject,start,end&$top=50')}",
        f"  curl -s {auth} {me}/todo/lists",
        f"  curl -s {auth} {me}/contactFolders",
        "A new appointment (it reaches Salesforce at her next session, within a minute):",
        f"  curl -s {auth} -H 'Content-Type: application/json' {me}/events -d {q(event)}",
        "",
    ]


def _salesforce(a: DemoAccess, rep: Rep, head: str) -> list[str]:
    q = shlex.quote
    token = (
        f"curl -s --cacert {q(a.ca_bundle)} {a.salesforce_url}/services/oauth2/token "
        f"-d grant_type=password -d client_id={q(a.salesforce.client_id)} "
        f"--data-urlencode client_secret={q(a.salesforce.client_secret)} "
        f"--data-urlencode username={q(rep.salesforce_username)} "
        f"--data-urlencode password={q(a.salesforce_password)}"
    )
    api = f"{a.salesforce_url}{SALESFORCE_API}"
    auth = f'--cacert {q(a.ca_bundle)} -H "Authorization: Bearer $SF"'
    soql = "q=SELECT Id, Subject, StartDateTime, WhoId, WhatId FROM Event ORDER BY StartDateTime"
    return [
        f"== {head}",
        "A token (the username-password flow):",
        f"  SF=$({token} | {TOKEN_OF})",
        "The org's Events, newest last (any SOQL works: Task, Contact, Account...):",
        f"  curl -s {auth} -G {api}/query --data-urlencode {q(soql)}",
        "Rename one (its Id from the list; the change reaches her calendar at her next session):",
        f"  curl -s {auth} -X PATCH -H 'Content-Type: application/json' {api}/sobjects/Event/EVENT_ID "
        f"-d {q(json.dumps({'Subject': 'Renamed in Salesforce'}))}",
        "",
    ]


def _sandbox_views(a: DemoAccess, head: str) -> list[str]:
    q = shlex.quote
    lines = [f"== {head}", "The sandboxes' own view of a mailbox (no sign-in; not the providers' API):"]
    for rep in a.reps:
        if rep.provider == "google":
            lines.append(
                f"  curl -s --cacert {q(a.ca_bundle)} {a.google_url}/_sandbox/users/{rep.address}/events"
            )
        if rep.provider == "ews":
            box = f"{a.ews_url}/_sandbox/mailboxes/{rep.address}"
            lines.append(f"  curl -s --cacert {q(a.ca_bundle)} {box}/folders/calendar/items")
    return lines
