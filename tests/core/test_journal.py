"""The session journal's entries from a plan and the execution's outcomes (pure: no database)."""

from __future__ import annotations

from syncengine.core import journal
from syncengine.core.journal import Outcomes, journal_entries
from syncengine.core.planner import Action, Conflict, Kind, Plan
from syncengine.core.records import PairState


def action(kind: Kind, key: str = "k1", **fields) -> Action:
    return Action(kind=kind, sync_key=key, label=f"Meeting {key}", **fields)


def test_it_names_each_change_with_the_fields_it_wrote():
    created = action(Kind.CREATE_CRM, "k1", mail_id="m1", crm_writes={"subject": "A", "start": "x"})
    created.state = PairState(sync_key="k1", mail_id="m1", crm_id="00U1")  # the execution's new id
    plan = Plan(
        actions=[
            created,
            action(Kind.UPDATE, "k2", mail_id="m2", crm_id="00U2", crm_writes={"location": "HQ"}),
            action(Kind.UPDATE, "k3", mail_id="m3", crm_id="00U3", mail_writes={"subject": "B"}),
            action(Kind.UPDATE, "k4", crm_writes={"a": 1}, mail_writes={"b": 2}),
            action(Kind.DELETE_MAIL, "k5", mail_id="m5"),
            action(Kind.REFRESH, "k6"),
            action(Kind.FORGET, "k7"),
        ]
    )

    entries = journal_entries(plan, Outcomes())

    assert [(e.sync_key, e.what, e.fields) for e in entries] == [
        ("k1", journal.CREATED_IN_CRM, ("start", "subject")),
        ("k2", journal.UPDATED_IN_CRM, ("location",)),
        ("k3", journal.UPDATED_IN_MAIL, ("subject",)),
        ("k4", journal.UPDATED_BOTH, ("a", "b")),
        ("k5", journal.DELETED_IN_MAIL, ()),
    ]
    assert (entries[0].label, entries[0].mail_id, entries[0].crm_id) == ("Meeting k1", "m1", "00U1")


def test_it_keeps_the_providers_answer_for_a_failed_write_and_what_was_meant():
    plan = Plan(actions=[action(Kind.DELETE_CRM, "k1", crm_id="00U1")])

    [entry] = journal_entries(plan, Outcomes(failed={"k1": "ENTITY_IS_LOCKED: locked"}))

    assert (entry.what, entry.message) == (journal.FAILED, "ENTITY_IS_LOCKED: locked")
    assert entry.details == {"meant": journal.DELETED_IN_CRM}


def test_it_tells_links_joins_holds_waits_and_conflicts_apart():
    plan = Plan(
        actions=[
            action(Kind.CREATE_CRM, "k1", mail_id="m1", crm_writes={"subject": "A"}),
            action(Kind.UPDATE, "k2", mail_id="m2", crm_id="00U2"),
        ],
        held=[action(Kind.DELETE_CRM, "k3", crm_id="00U3")],
        conflicts=[
            Conflict("k4", "Meeting k4", "subject", "Mail", "CRM", "crm", mail_id="m4", crm_id="00U4")
        ],
    )

    entries = journal_entries(
        plan,
        Outcomes(joined=frozenset({"k1"})),
        waiting=[action(Kind.CREATE_CRM, "k5", mail_id="m5")],
        linked=["m2"],
    )

    assert [(e.sync_key, e.what) for e in entries] == [
        ("k1", journal.JOINED),
        ("k2", journal.LINKED),
        ("k3", journal.HELD),
        ("k5", journal.WAITING),
        ("k4", journal.CONFLICT),
    ]
    conflict = entries[-1]
    assert conflict.details == {"mail_value": "Mail", "crm_value": "CRM", "winner": "crm"}
    assert conflict.message == "'subject' was changed on both sides; the Salesforce value was kept."
    assert "Salesforce" in entries[2].message


def test_it_has_words_for_every_code():
    codes = {
        v for k, v in vars(journal).items() if k.isupper() and isinstance(v, str) and k != "WHAT_HAPPENED"
    }
    assert codes == set(journal.WHAT_HAPPENED)


def test_it_explains_the_items_the_scope_left_out():
    [entry] = journal_entries(Plan(), Outcomes(), left_out={"m9": ("Dentist", "private")})

    assert (entry.what, entry.label, entry.mail_id, entry.details) == (
        journal.LEFT_OUT,
        "Dentist",
        "m9",
        {"why": "private"},
    )
    assert "private" in entry.message.lower()
