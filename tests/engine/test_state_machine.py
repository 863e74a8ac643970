"""A Hypothesis state machine over the real engine against the sandboxes.

The machine plays the user in Outlook and in Salesforce (creates on both sides, edits, deletes), runs
sessions, injects faults before sessions and kills a worker mid-session (Salesforce writes, Graph
writes, right before or after an Outlook create, before the commit), and keeps a model of what it did.
After every session that ends without failing, each pair with no retry pending must agree on both
sides and every edit the machine made must be there or be the loser of a reported conflict. After
two quiet sessions (no faults), the whole world is checked: pairs agree, no twins, nothing deleted
that nobody deleted, deletions went where the default rules send them, and nothing is left to do.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import hypothesis.strategies as st
import pytest
import requests
from hypothesis import HealthCheck, Phase, event
from hypothesis import settings as hsettings
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from connectors.graph.connector import GraphConnector
from syncengine.models import ItemPair, Outcome, SyncIssue
from syncengine.services.sessions import session_run
from tests.support.machine import (
    COMPARED,
    Item,
    Model,
    WorkerKilled,
    World,
    graph_body,
    instant,
    killed_at_mailbox_create,
    lost_in_recorded_conflict,
    salesforce_body,
    sf_neutral,
)
from tests.support.people import SYNC_KEY_FIELD

pytestmark = pytest.mark.django_db

EXAMPLES = int(__import__("os").environ.get("SM_EXAMPLES", "200"))
STEPS = 8

WORDS = ("Acme", "call", "renewal", "Q3", "demo", "HQ", "Teams", "notes", "agenda", "Zoë")
texts = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)
times = st.tuples(
    st.integers(1, 30),  # days ahead: inside the sync window
    st.integers(0, 88).map(lambda q: q * 15),  # start, minutes after midnight
    st.sampled_from([15, 30, 60, 120]),  # duration in minutes
).map(lambda t: {"start": instant(t[0], t[1]), "end": instant(t[0], t[1] + t[2])})
new_events = st.tuples(
    st.fixed_dictionaries({"subject": texts, "location": texts, "body": texts}), times
).map(lambda e: {**e[0], **e[1]})
outlook_edits = (
    st.tuples(
        st.fixed_dictionaries({}, optional={"subject": texts, "location": texts, "body": texts}),
        st.none() | times,
    )
    .map(lambda e: {**e[0], **(e[1] or {})})
    .filter(bool)
)
salesforce_edits = st.fixed_dictionaries(
    {}, optional={"Subject": texts, "Location": texts, "Description": texts}
).filter(bool)
SF_TO_NEUTRAL = {"Subject": "subject", "Location": "location", "Description": "body"}

# Faults injected before one session; each is cleared after it.
FAULTS = (
    "graph 429 Retry-After 0",
    "graph 429 Retry-After 1 (longer than the engine waits)",
    "salesforce 500 once",
    "salesforce 503 once",
    "graph access tokens expired",
    "salesforce access tokens expired",
    "graph delta tokens invalid (full read)",
    "graph event writes answer 503 until the connector gives up (item failures)",
)
# Ways a worker dies mid-session: a write the connector gives up on, or killed before the commit.
KILLS = (
    "salesforce upserts answer 503 until the connector gives up",
    "salesforce updates answer 503 until the connector gives up",
    "salesforce deletes answer 503 until the connector gives up",
    "graph $batch answers 503 until the connector gives up",
    "killed after the writes, before the commit",
    "killed right after an Outlook create, before the commit",
    "killed right before an Outlook create",
)


class SyncMachine(RuleBasedStateMachine):
    world: World  # set on a subclass made inside the test, from its fixtures

    events = Bundle("events")

    def __init__(self) -> None:
        super().__init__()
        self.model: Model | None = None
        self.synced: list[str] = []  # Salesforce Event ids the engine has paired, that still exist

    @property
    def m(self) -> Model:
        assert self.model is not None
        return self.model

    @initialize(target=events, first=st.lists(new_events, min_size=1, max_size=3))
    def a_new_person_with_synced_events(self, first: list[dict[str, str]]) -> MultipleResults[str]:
        # A fresh person per example: a Salesforce org and a Microsoft 365 tenant of their own,
        # with a few events already synced, so that the first steps can edit them on either side.
        self.model = Model(self.world.make_person())
        ids = [self._create(values) for values in first]
        self._session()
        return multiple(*ids)

    # -- the user in Outlook ----------------------------------------------------------------------
    @rule(target=events, values=new_events)
    def create_in_outlook(self, values: dict[str, str]) -> str:
        return self._create(values)

    def _create(self, values: dict[str, str]) -> str:
        p = self.m.person
        created = self.world.graph_app.create_event(p.tenant_id, p.graph_user_id, graph_body(values))
        item = Item(created["id"])
        item.edit("mail", values)
        self.m.items[item.mail_id] = item
        return item.mail_id

    @rule(mail_id=events, changes=outlook_edits)
    def edit_in_outlook(self, mail_id: str, changes: dict[str, Any]) -> None:
        p = self.m.person
        self.world.graph_app.update_event(p.tenant_id, p.graph_user_id, mail_id, graph_body(changes))
        self.m.items[mail_id].edit("mail", changes)

    @rule(mail_id=consumes(events))
    def delete_in_outlook(self, mail_id: str) -> None:
        p = self.m.person
        self.world.graph_app.delete_event(p.tenant_id, p.graph_user_id, mail_id)
        item = self.m.items[mail_id]
        item.alive = False

    # -- the user in Salesforce -------------------------------------------------------------------
    @rule(values=new_events)
    def create_in_salesforce(self, values: dict[str, str]) -> None:
        made = self.world.salesforce_as(self.m.person).Event.create(salesforce_body(values))
        self.m.crm_made[str(made["id"])] = dict(values)

    @precondition(lambda self: bool(self.synced))
    @rule(pick=st.integers(0, 20), changes=salesforce_edits)
    def edit_in_salesforce(self, pick: int, changes: dict[str, str]) -> None:
        crm_id = self.synced[pick % len(self.synced)]
        self.world.salesforce_as(self.m.person).Event.update(
            crm_id, {k: v or None for k, v in changes.items()}
        )
        item = self.m.items[self.m.crm_owner[crm_id]]
        item.edit("crm", {SF_TO_NEUTRAL[k]: v for k, v in changes.items()})
        if crm_id in self.m.crm_made:
            self.m.crm_made[crm_id].update({SF_TO_NEUTRAL[k]: v for k, v in changes.items()})

    @precondition(lambda self: bool(self.synced))
    @rule(pick=st.integers(0, 20))
    def delete_in_salesforce(self, pick: int) -> None:
        crm_id = self.synced.pop(pick % len(self.synced))
        self.world.salesforce_as(self.m.person).Event.delete(crm_id)
        self.m.crm_deleted.add(crm_id)
        item = self.m.items[self.m.crm_owner[crm_id]]
        item.sf_deleted = True
        if item.origin == "crm":  # an Event that came from Salesforce leaves Outlook with its record
            item.alive = False

    # -- sessions ---------------------------------------------------------------------------------
    @rule()
    def run_a_session(self) -> None:
        self._session()

    @rule(fault=st.sampled_from(FAULTS))
    def run_a_session_after_a_fault(self, fault: str) -> None:
        self._inject(fault)
        try:
            self._session()
        finally:
            self._clear_faults()

    @rule(how=st.sampled_from(KILLS))
    def a_worker_dies_mid_session(self, how: str) -> None:
        if how == "killed after the writes, before the commit":
            # The process dies once every write is done and before pairs and cursors are committed.
            kill = mock.patch("syncengine.stream.run.state_commit", side_effect=WorkerKilled)
            with kill, pytest.raises(WorkerKilled):
                session_run(mailbox_id=self.m.person.mailbox.pk)
            self._refresh_synced()
            return
        if how.startswith("killed right"):
            # Dies inside the Outlook create of an Event made in Salesforce, if the session makes one.
            with killed_at_mailbox_create(GraphConnector, "events", after="after" in how):
                try:
                    self._session()
                except WorkerKilled:
                    event("killed at an Outlook create")
                    self._refresh_synced()
            return
        self._inject(how)
        try:
            self._session()
        finally:
            self._clear_faults()

    @rule(values=new_events, after=st.booleans())
    def a_worker_dies_at_the_outlook_create_of_a_salesforce_event(
        self, values: dict[str, str], after: bool
    ) -> None:
        # The user makes an Event in Salesforce; the session bringing it to Outlook dies right after
        # (or right before) the Outlook create, before its commit.
        self.create_in_salesforce(values)
        with killed_at_mailbox_create(GraphConnector, "events", after=after):
            try:
                self._session()
            except WorkerKilled:
                event(f"killed {'after' if after else 'before'} an Outlook create")
                self._refresh_synced()

    @rule()
    def quiet_sessions_then_check_everything(self) -> None:
        self._quiet_check()

    def teardown(self) -> None:
        if self.model is not None:
            self._quiet_check()

    # -- plumbing ---------------------------------------------------------------------------------
    def _inject(self, fault: str) -> None:
        from django.conf import settings

        p, sf, graph = self.m.person, self.world.sf_app, self.world.graph_app
        attempts = settings.RETRY_MAX_ATTEMPTS
        match fault:
            case "graph 429 Retry-After 0":
                graph.add_fault(status=429, retry_after=0, path="/v1.0/", count=1)
            case "graph 429 Retry-After 1 (longer than the engine waits)":
                graph.add_fault(status=429, retry_after=1, path="/v1.0/", count=1)
            case "salesforce 500 once":
                sf.add_fault(status=500, path="/services/data/", count=1)
            case "salesforce 503 once":
                sf.add_fault(status=503, path="/services/data/", count=1)
            case "graph access tokens expired":
                graph.expire_tokens(p.tenant_id)
            case "salesforce access tokens expired":
                sf.expire_tokens(p.sf_org_id)
            case "graph delta tokens invalid (full read)":
                graph.invalidate_delta_tokens(p.tenant_id)
            case "graph event writes answer 503 until the connector gives up (item failures)":
                graph.add_fault(status=503, path="/me/events/", method="PATCH", count=attempts)
            case "salesforce upserts answer 503 until the connector gives up":
                path = rf"/composite/sobjects/Event/{SYNC_KEY_FIELD}$"
                sf.add_fault(status=503, path=path, method="PATCH", count=attempts)
            case "salesforce updates answer 503 until the connector gives up":
                sf.add_fault(status=503, path=r"/composite/sobjects$", method="PATCH", count=attempts)
            case "salesforce deletes answer 503 until the connector gives up":
                sf.add_fault(status=503, path=r"/composite/sobjects$", method="DELETE", count=attempts)
            case "graph $batch answers 503 until the connector gives up":
                graph.add_fault(status=503, path=r"/\$batch$", method="POST", count=attempts)
            case _:
                raise AssertionError(fault)

    def _clear_faults(self) -> None:
        self.world.sf_app.clear()
        self.world.graph_app.clear()

    def _session(self) -> str:
        session = session_run(mailbox_id=self.m.person.mailbox.pk)
        assert session is not None, "the session did not run (lease held or mailbox suspended)"
        self._refresh_synced()
        outcome = session.outcome
        if SyncIssue.objects.filter(session=session, stream="events", code="STREAM_FAILED").exists():
            outcome = Outcome.FAILED  # the events stream failed alone: nothing of it was committed
        event(f"session {outcome}")
        if outcome != Outcome.FAILED:
            self._settle()
        return outcome

    def _refresh_synced(self) -> None:
        live = {r["Id"] for r in self.world.sf_events(self.m.person)}
        for pair in self.m.pairs():
            if pair.crm_id in self.m.crm_made and pair.mail_id and pair.mail_id not in self.m.items:
                # The Outlook copy of an Event made in Salesforce, now paired: its values must arrive.
                copy = Item(pair.mail_id, origin="crm", crm_id=pair.crm_id)
                copy.edit("crm", self.m.crm_made[pair.crm_id])
                self.m.items[pair.mail_id] = copy
            if pair.crm_id and pair.mail_id:
                self.m.crm_owner[pair.crm_id] = pair.mail_id
        # (an Event made in a session that died before its commit is not "synced": no whole pair)
        paired = {p.crm_id for p in self.m.pairs() if p.mail_id and p.mail_intent_at is None}
        self.synced = sorted(live & paired)

    def _settle(self) -> None:
        """After a session that did not fail: every pair with no retry pending agrees on both sides,
        and each edit since both sides last agreed is there, or lost a conflict that was reported."""
        m = self.m
        outlook = self.world.outlook_events(m.person)
        salesforce = {r["Id"]: r for r in self.world.sf_events(m.person)}
        pending = m.open_pending_ids()
        conflicts = m.conflicts()
        paired_mail = set()
        for pair in m.pairs():
            item = m.items.get(pair.mail_id)
            assert item is not None, f"a pair for an event the machine never made: {pair}"
            if pair.tombstone:  # deleted in Salesforce: remembered, synced no more
                assert item.sf_deleted and not pair.crm_id, f"a tombstone nobody made: {pair}"
                continue
            paired_mail.add(pair.mail_id)
            if {pair.mail_id, pair.crm_id} & pending or not item.alive:
                continue
            assert pair.mail_id in outlook, f"paired Outlook event is gone: {pair}"
            assert pair.crm_id in salesforce, f"paired Salesforce Event is gone: {pair}"
            mail, crm = outlook[pair.mail_id], sf_neutral(salesforce[pair.crm_id])
            assert mail == crm, f"pair out of step after a session:\n Outlook    {mail}\n Salesforce {crm}"
            for key in COMPARED:
                final = mail[key]
                if len(set(item.open.get(key, {}).values())) > 1:
                    event("both sides edited one field")
                edits = {s: v for s, v in item.open.get(key, {}).items() if v != item.settled.get(key)}
                if not edits:
                    assert final == item.settled.get(key, final), (
                        f"{key!r} changed to {final!r} though nobody edited it "
                        f"(was {item.settled.get(key)!r})"
                    )
                for side, value in edits.items():
                    assert value == final or lost_in_recorded_conflict(conflicts, key, side, value), (
                        f"the {side} edit {key}={value!r} is on neither side (now {final!r}) and no "
                        "conflict was reported"
                    )
                item.settled[key] = final
            item.open.clear()
        for item in m.items.values():
            if item.sf_deleted and item.alive and item.mail_id not in paired_mail | pending:
                # Unlinked by the Salesforce deletion: edits made to the deleted record are moot,
                # and a later re-save starts from the Outlook event as it is.
                for sides in item.open.values():
                    sides.pop("crm", None)
                item.settled.clear()

    def _quiet_check(self) -> None:
        self._clear_faults()
        first = self._session()
        assert first != Outcome.FAILED, "a session with no fault failed"
        last = session_run(mailbox_id=self.m.person.mailbox.pk)
        assert last is not None and last.outcome != Outcome.FAILED, last and last.error
        assert not SyncIssue.objects.filter(session=last, code="STREAM_FAILED").exists()
        self._refresh_synced()
        self._settle()
        self._check_world(last.counts)

    def _check_world(self, last_counts: dict[str, Any]) -> None:
        m = self.m
        outlook = self.world.outlook_events(m.person)
        records = self.world.sf_events(m.person)
        salesforce = {r["Id"]: r for r in records}
        keyed: dict[str, list[str]] = {}
        for r in records:
            if r.get(SYNC_KEY_FIELD):
                keyed.setdefault(r[SYNC_KEY_FIELD], []).append(r["Id"])
        pairs = m.pairs()

        assert not m.open_pending_ids(), "failed writes still pending after quiet sessions"
        intents = [p for p in pairs if p.mail_intent_at is not None or not (p.mail_id or p.tombstone)]
        assert not intents, f"half-made pairs left after quiet sessions: {intents}"
        twins = {k: ids for k, ids in keyed.items() if len(ids) > 1}
        assert not twins, f"several Salesforce Events for one Outlook event: {twins}"
        for attr in ("mail_id", "crm_id"):
            values = [getattr(p, attr) for p in pairs if getattr(p, attr)]
            assert len(values) == len(set(values)), f"two pairs share a {attr}"
        categories = {
            e["id"]: e.get("categories") or []
            for e in self.world.graph_app.events(m.person.tenant_id, m.person.graph_user_id)
        }
        for pair in [p for p in pairs if p.tombstone]:
            assert pair.tombstone == "quiet", f"a Salesforce deletion not settled by quiet sessions: {pair}"
            assert "Salesforce" not in categories[pair.mail_id], (
                f"the Outlook event of a record deleted in Salesforce still says it is saved: {pair}"
            )
        pairs = [p for p in pairs if not p.tombstone]
        for pair in pairs:
            assert pair.crm_id in salesforce, f"pair points at a missing Salesforce Event: {pair}"
            # Records made in Salesforce keep no sync key of ours: their pair is keyed by record id.
            stamped = None if pair.origin == "crm" else pair.sync_key
            assert salesforce[pair.crm_id][SYNC_KEY_FIELD] == stamped, f"sync key mismatch: {pair}"
            assert pair.mail_id in outlook, f"pair points at a missing Outlook event: {pair}"
            assert outlook[pair.mail_id] == sf_neutral(salesforce[pair.crm_id]), f"pair out of step: {pair}"

        alive = {i.mail_id for i in m.items.values() if i.alive}
        assert set(outlook) == alive, (
            f"Outlook events deleted that nobody deleted: {sorted(alive - set(outlook))}; "
            f"unexpected ones: {sorted(set(outlook) - alive)}"
        )
        by_mail = {p.mail_id: p for p in pairs}  # live pairs only
        by_crm = {p.crm_id: p for p in pairs}
        for crm_id in set(m.crm_made) - m.crm_deleted:  # each came to Outlook, once
            assert crm_id in by_crm, f"an Event made in Salesforce never came to Outlook: {crm_id}"
            copy = m.items[by_crm[crm_id].mail_id]
            assert copy.origin == "crm", f"a Salesforce Event paired with an Outlook one: {crm_id}"
        for item in m.items.values():
            if item.origin == "crm":
                if item.alive:
                    assert by_mail.get(item.mail_id) and by_mail[item.mail_id].crm_id == item.crm_id, (
                        f"the Outlook copy of a Salesforce Event lost its pair: {item}"
                    )
                else:
                    assert item.mail_id not in by_mail, (
                        f"pair kept for an Event deleted in Salesforce: {item}"
                    )
                continue
            holders = keyed.get(m.key_of(item.mail_id), [])
            if not item.alive:
                assert item.mail_id not in by_mail, f"pair kept for a deleted Outlook event: {item}"
                assert not holders, (
                    f"Outlook event {item.mail_id[:16]}… was deleted but Salesforce Event(s) {holders} "
                    "made for it are still there"
                )
            elif not item.sf_deleted:
                assert item.mail_id in by_mail, f"Outlook event never paired: {item}"
                assert len(holders) == 1, f"Outlook event has {len(holders)} Salesforce Events: {item}"
            else:  # deleted in Salesforce: the Outlook event stays and is never saved again on its own
                assert item.mail_id not in by_mail, f"an event deleted in Salesforce was saved again: {item}"
                assert not holders, f"an event deleted in Salesforce has Salesforce Events again: {holders}"
        for crm_id, mail_id in m.crm_owner.items():
            if crm_id not in m.crm_deleted and m.items[mail_id].alive:
                assert crm_id in salesforce, f"Salesforce Event {crm_id} deleted though nobody deleted it"
        strays = set(keyed) - {m.key_of(i) for i in m.items}
        assert not strays, f"Salesforce Events with sync keys of no Outlook event: {strays}"
        assert last_counts.get("events", {}) == {}, f"a second quiet session still had work: {last_counts}"


def test_it_keeps_outlook_and_salesforce_in_step_under_random_edits_faults_and_crashes(
    make_person: Any, sandboxes: Any, sandbox_ca: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SYNC_MAX_DELETE_MIN_COUNT = 1000  # random deletes are not a mass delete here
    settings.RETRY_MAX_WAIT_SECONDS = 0.05  # back off briefly; a Retry-After of 1 s fails the call
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 200 new users
    sf_server, graph_server = sandboxes
    for server in sandboxes:
        # Answer without Nagle's delay (headers and body are two TLS writes; the client's delayed
        # ACK would add ~40 ms to every call). Timing only: what the sandboxes answer is unchanged.
        monkeypatch.setattr(server.httpd.RequestHandlerClass, "disable_nagle_algorithm", True)
    http = requests.Session()
    http.trust_env = False
    http.verify = str(sandbox_ca.ca_path)

    class Machine(SyncMachine):
        world = World(make_person, sf_server.app, graph_server.app, sf_server.url, http)

    run_state_machine_as_test(
        Machine,
        settings=hsettings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            print_blob=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


# -- the bugs the machine found, pinned down (strict: they fail loudly once fixed) -----------------
def test_it_lets_go_of_an_event_deleted_in_salesforce_while_its_cursor_is_empty(person: Any, sandboxes: Any):
    sf_server, graph_server = sandboxes
    created = graph_server.app.create_event(
        person.tenant_id, person.graph_user_id, graph_body({"subject": "Demo", **_an_hour(3)})
    )
    session_run(mailbox_id=person.mailbox.pk)  # saved to Salesforce; the Salesforce cursor stays ""
    [record] = sf_server.app.records(person.sf_org_id, "Event")
    person.salesforce.Event.delete(record["Id"])

    session_run(mailbox_id=person.mailbox.pk)
    session_run(mailbox_id=person.mailbox.pk)

    [pair] = ItemPair.objects.filter(mailbox=person.mailbox)
    assert (pair.crm_id, pair.tombstone) == ("", "quiet"), "still linked to a deleted Event"
    assert created["id"] in {e["id"] for e in graph_server.app.events(person.tenant_id, person.graph_user_id)}


def test_it_deletes_the_event_a_killed_session_saved_when_outlook_deletes_it_before_the_replay(
    person: Any, sandboxes: Any
):
    sf_server, graph_server = sandboxes
    created = graph_server.app.create_event(
        person.tenant_id, person.graph_user_id, graph_body({"subject": "Short-lived", **_an_hour(2)})
    )
    kill = mock.patch("syncengine.stream.run.state_commit", side_effect=WorkerKilled)
    with kill, pytest.raises(WorkerKilled):  # the upsert went through, then the worker died
        session_run(mailbox_id=person.mailbox.pk)
    assert len(sf_server.app.records(person.sf_org_id, "Event")) == 1
    graph_server.app.delete_event(person.tenant_id, person.graph_user_id, created["id"])

    session_run(mailbox_id=person.mailbox.pk)
    session_run(mailbox_id=person.mailbox.pk)

    assert sf_server.app.records(person.sf_org_id, "Event") == [], "orphan Salesforce Event left behind"


def _an_hour(days: int) -> dict[str, str]:
    return {"start": instant(days, 600), "end": instant(days, 660)}
