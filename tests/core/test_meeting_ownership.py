"""Who owns a meeting's Event, directly: the organizer rule and the planner's let-go."""

from __future__ import annotations

from dataclasses import replace

from mapping.defaults import event_rules
from syncengine.core.meetings import Role, awaits_organizer, meeting_role
from syncengine.core.planner import Kind, plan_stream
from syncengine.core.records import ItemChange
from tests.support.planner import SCOPE, synced_pair

ME = "bob@acme.example"
SYNCED = frozenset({"alice@acme.example", ME})


def role(organizer: str, response: str = "accepted") -> Role:
    return meeting_role(organizer=organizer, response=response, own_address=ME, synced_users=SYNCED)


def test_it_gives_a_meeting_to_its_organizers_mailbox_when_the_organizer_is_a_synced_user():
    assert role("Alice@Acme.example") is Role.ATTENDEE
    assert role("bob@ACME.example") is Role.ORGANIZER
    assert role("", response="organizer") is Role.ORGANIZER
    assert role("ana@globex.example") is Role.UNKNOWN, "an outside organizer: the first saver owns it"


def test_it_makes_an_unaccepted_invitation_wait_only_for_an_organizer_who_syncs():
    def waits(role: Role, response: str, saved: bool = False, save_unresponded: bool = False) -> bool:
        return awaits_organizer(
            role=role, response=response, save_unresponded_invitations=save_unresponded, organizer_saved=saved
        )

    assert waits(Role.ATTENDEE, "notResponded")
    assert waits(Role.ATTENDEE, "declined")
    assert not waits(Role.ATTENDEE, "notResponded", saved=True), "the organizer saved it: it joins"
    assert not waits(Role.ATTENDEE, "accepted"), "an accepted meeting is saved by any attendee"
    assert not waits(Role.ATTENDEE, "notResponded", save_unresponded=True), "the org saves them anyway"
    assert not waits(Role.UNKNOWN, "notResponded"), "an organizer who does not sync cannot save it first"


def plan(pairs, mail, crm=(), owned=None):
    return plan_stream(
        rules=event_rules(), scope=SCOPE, pairs=pairs, mail_changes=mail, crm_changes=crm, owned=owned
    )


def test_it_lets_go_of_a_meeting_another_mailbox_owns_when_its_copy_is_deleted():
    pair = synced_pair()  # this mailbox saved it first (origin "mail")
    gone = [ItemChange(id="m1", deleted=True)]

    assert [a.kind for a in plan([pair], gone, owned={pair.sync_key: False}).actions] == [Kind.LET_GO]
    assert [a.kind for a in plan([pair], gone).actions] == [Kind.DELETE_CRM], "no organizer known: it owns"
    shared = replace(pair, origin="shared")  # a legacy organizer's pair that joined: it owns now
    assert [a.kind for a in plan([shared], gone, owned={pair.sync_key: True}).actions] == [Kind.DELETE_CRM]


def test_it_ignores_changes_of_a_let_go_record_until_it_is_deleted():
    marker = replace(synced_pair(), mail_id="", tombstone="left")
    edited = ItemChange(id=marker.crm_id, version="v2", values={"subject": "Renamed"})

    assert plan([marker], [], [edited]).actions == []
    [forget] = plan([marker], [], [ItemChange(id=marker.crm_id, deleted=True)]).actions
    assert forget.kind is Kind.FORGET
