"""Salesforce -> mailbox creates are exactly-once: for every provider and stream, a worker killed
right after the mailbox create (or right before it) and before the commit leaves one item on each
side and a whole pair after the next session; and a quiet session pays nothing for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from connectors.ews.connector import EwsConnector
from connectors.google.connector import GoogleConnector
from connectors.graph.connector import GraphConnector
from sandbox.base import SandboxServer
from syncengine.models import ItemPair, Outcome
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.machine import WorkerKilled, killed_at_mailbox_create
from tests.support.people import Person

pytestmark = pytest.mark.django_db

CONNECTORS = {"graph": GraphConnector, "google": GoogleConnector, "ews": EwsConnector}
STREAMS = ("events", "tasks", "contacts")
OBJECTS = {"events": "Event", "tasks": "Task", "contacts": "Contact"}


def salesforce_record(person: Person, stream: str) -> str:
    """The user makes a record in Salesforce that the engine brings into their mailbox."""
    if stream == "events":
        body = {
            "Subject": "Pricing call",
            "StartDateTime": f"{in_days(3, 9)}Z",
            "EndDateTime": f"{in_days(3, 10)}Z",
        }
        return str(person.salesforce.Event.create(body)["id"])
    if stream == "tasks":
        body = {"Subject": "Send the quote", "Status": "Not Started", "Priority": "Normal"}
        return str(person.salesforce.Task.create(body)["id"])
    return str(person.salesforce.Contact.create({"FirstName": "Mira", "LastName": "Sato"})["id"])


class Mailbox:
    """What the user sees in their mailbox, per provider: the ids of a stream's items."""

    def __init__(self, provider: str, person: Person, servers: dict[str, SandboxServer]) -> None:
        self.provider, self.person, self.servers = provider, person, servers

    def items(self, stream: str) -> list[str]:
        p, app = self.person, self.servers[self.provider].app
        if self.provider == "graph":
            if stream == "events":
                return [e["id"] for e in app.events(p.tenant_id, p.graph_user_id)]
            if stream == "tasks":
                lists = {t["displayName"]: t["id"] for t in app.task_lists(p.tenant_id, p.graph_user_id)}
                return [t["id"] for t in app.tasks(p.tenant_id, p.graph_user_id, lists["Salesforce Tasks"])]
            folders = {f["displayName"]: f["id"] for f in app.contact_folders(p.tenant_id, p.graph_user_id)}
            return [
                c["id"] for c in app.contacts(p.tenant_id, p.graph_user_id, folders["Salesforce Contacts"])
            ]
        address = p.mailbox.address
        if self.provider == "google":
            if stream == "events":
                return [e["id"] for e in app.events(address)]
            if stream == "tasks":
                lists = {t["title"]: t["id"] for t in app.task_lists(address)}
                return [t["id"] for t in app.tasks(address, lists["Salesforce Tasks"])]
            return [c["resourceName"] for c in app.contacts(address)]
        if stream == "events":
            folder = "calendar"
        else:
            folder = app.folder_id(address, f"Salesforce {stream.title()}", stream)
        return [i["id"] for i in app.items(address, folder)]


@pytest.fixture(params=sorted(CONNECTORS))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rep(provider: str, request: pytest.FixtureRequest) -> Person:
    return request.getfixturevalue({"graph": "person", "google": "on_google", "ews": "on_exchange"}[provider])


@pytest.fixture
def mailbox(provider: str, rep: Person, request: pytest.FixtureRequest) -> Mailbox:
    _, graph_server = request.getfixturevalue("sandboxes")
    servers = {"graph": graph_server}
    if provider == "google":
        servers["google"] = request.getfixturevalue("google_server")
    if provider == "ews":
        servers["ews"] = request.getfixturevalue("ews_server")
    return Mailbox(provider, rep, servers)


@contextmanager
def worker_killed_at_mailbox_create(connector: type, stream: str, *, after: bool) -> Iterator[None]:
    """The worker dies right after (or right before) its mailbox create of ``stream``."""
    with killed_at_mailbox_create(connector, stream, after=after), pytest.raises(WorkerKilled):
        yield


def synced(person: Person) -> Any:
    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None and session.outcome == Outcome.SUCCEEDED, session and session.error
    return session


def crm_ids(person: Person, stream: str) -> list[str]:
    rows = person.salesforce.query_all(f"SELECT Id FROM {OBJECTS[stream]}")["records"]
    return [r["Id"] for r in rows]


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("after", [True, False], ids=["killed-after-the-create", "killed-before-the-create"])
def test_it_makes_one_mailbox_item_for_a_salesforce_record_when_the_worker_dies_at_the_create(
    provider: str, rep: Person, mailbox: Mailbox, stream: str, after: bool
):
    synced(rep)  # the folders and lists exist, the cursors are set
    record = salesforce_record(rep, stream)
    with worker_killed_at_mailbox_create(CONNECTORS[provider], stream, after=after):
        session_run(mailbox_id=rep.mailbox.pk)
    assert len(mailbox.items(stream)) == (1 if after else 0)
    [intent] = ItemPair.objects.filter(mailbox=rep.mailbox, stream=stream)
    assert intent.mail_intent_at is not None and intent.crm_id == record, "noted before the write"

    resumed = synced(rep)
    quiet = synced(rep)

    [item] = mailbox.items(stream)
    assert crm_ids(rep, stream) == [record], "no twin in Salesforce"
    [pair] = ItemPair.objects.filter(mailbox=rep.mailbox, stream=stream)
    assert (pair.mail_id, pair.crm_id, pair.mail_intent_at) == (item, record, None)
    counts = resumed.counts[stream]
    if after:  # found by its stamp and paired, made again nowhere
        assert counts.get("pairs") == {"resumed": 1} and "created" not in counts.get("to_mail", {})
    else:  # the create never happened: made now, once
        assert counts.get("to_mail") == {"created": 1} and "pairs" not in counts
    assert "created" not in counts.get("to_crm", {}), "the mail item was not saved as a new record"
    assert quiet.counts.get(stream, {}) == {}, "nothing left to do"


@pytest.mark.parametrize("after", [True, False], ids=["after the restore", "before the restore"])
def test_it_restores_a_deleted_contact_once_when_the_worker_dies_at_the_restore(
    person: Person, sandboxes, after: bool
):
    _, graph_server = sandboxes
    app, p = graph_server.app, person
    record = salesforce_record(person, "contacts")
    synced(person)
    folders = {f["displayName"]: f["id"] for f in app.contact_folders(p.tenant_id, p.graph_user_id)}
    folder = folders["Salesforce Contacts"]
    [first] = app.contacts(p.tenant_id, p.graph_user_id, folder)
    app.delete_contact(p.tenant_id, p.graph_user_id, first["id"])  # put back: the org keeps contacts

    with worker_killed_at_mailbox_create(GraphConnector, "contacts", after=after):
        session_run(mailbox_id=person.mailbox.pk)
    synced(person)
    quiet = synced(person)

    [restored] = app.contacts(p.tenant_id, p.graph_user_id, folder)
    assert restored["id"] != first["id"] and restored["surname"] == "Sato"
    [pair] = ItemPair.objects.filter(mailbox=person.mailbox, stream="contacts")
    assert (pair.mail_id, pair.crm_id, pair.mail_intent_at) == (restored["id"], record, None)
    assert crm_ids(person, "contacts") == [record]
    assert quiet.counts.get("contacts", {}) == {}


def test_it_forgets_the_intent_of_a_create_the_mailbox_refused(person: Person, sandboxes):
    _, graph_server = sandboxes
    synced(person)
    salesforce_record(person, "events")
    graph_server.app.add_fault(status=400, path=r"/me/events$", method="POST", count=1)  # in the $batch

    session = session_run(mailbox_id=person.mailbox.pk)

    assert session is not None and session.counts["events"]["to_mail"] == {"failed": 1}
    assert not ItemPair.objects.filter(mailbox=person.mailbox, mail_intent_at__isnull=False).exists()


def test_it_spends_no_call_on_mailbox_create_intents_in_a_quiet_session(person: Person):
    salesforce_record(person, "events")
    salesforce_record(person, "tasks")
    salesforce_record(person, "contacts")
    synced(person)

    quiet = synced(person)

    assert all(not v for v in quiet.counts.values()), quiet.counts
    assert quiet.api_calls["mail"] == 3, "one delta read per stream, nothing more"
