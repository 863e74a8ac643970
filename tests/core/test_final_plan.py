"""From the planner's draft to the final plan, directly: pure data in, a plan out (no database, no
sandbox). Natural-key links and invitations waiting for their organizer (ISE-013)."""

from __future__ import annotations

from typing import Any

from mapping.defaults import event_rules
from syncengine.core.calendar import MeetingFacts
from syncengine.core.final_plan import Facts, Match, MeetingContext, facts_wanted, plan_final
from syncengine.core.planner import Kind, plan_stream
from syncengine.core.records import ItemChange, PairState

SCOPE = "mailbox:1"
ME = "rep@acme.example"
BOSS = "boss@acme.example"


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def meeting(mail_id: str = "m1", subject: str = "Kick-off", **meta: Any) -> ItemChange:
    values = {"subject": subject, "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z"}
    return ItemChange(id=mail_id, version="ck1", values=values, label=subject, meta=meta)


def facts_of(*changes: ItemChange, organizer: str = "customer@client.example", answer: str = "accepted"):
    return {
        c.id: MeetingFacts(attendees=(ME, "customer@client.example"), organizer=organizer, answer=answer)
        for c in changes
    }


def finished(changes, meetings, facts=None, pairs=(), crm=(), save_unresponded=True):
    rules = event_rules()
    draft = plan_stream(rules=rules, scope=SCOPE, pairs=pairs, mail_changes=changes, crm_changes=crm)
    context = MeetingContext(meetings=meetings, own_address=ME, save_unresponded_invitations=save_unresponded)
    wanted = facts_wanted(
        draft,
        rules=rules,
        natural_key=("subject", "start"),
        meetings_only=True,
        context=context,
        comparable=lower,
    )
    facts = facts or Facts()
    return draft, wanted, plan_final(draft, wanted, facts, rules=rules, pairs=list(pairs), context=context)


def test_it_links_a_new_meeting_to_the_record_its_natural_key_matches_and_stamps_our_key():
    change = meeting()
    _, wanted, final = finished([change], facts_of(change))
    [key] = wanted.match_keys
    facts = Facts(matches={key: Match("00U1", {"subject": "Kick-off"}, "")})

    _, _, final = finished([change], facts_of(change), facts)

    [action] = final.plan.actions
    assert (action.kind, action.crm_id) == (Kind.UPDATE, "00U1")
    assert final.linked == [("00U1", "m1")]
    assert final.stamp == {"00U1": action.sync_key}


def test_it_asks_for_the_natural_keys_of_meetings_only_on_a_calendar():
    appointment = meeting("m2", "Dentist")

    _, wanted, _ = finished([appointment], meetings={})

    assert wanted.match_keys == {}


def test_it_does_not_link_a_second_mail_item_to_a_record_already_paired():
    change = meeting()
    _, wanted, _ = finished([change], facts_of(change))
    [key] = wanted.match_keys
    paired = PairState(sync_key="other", mail_id="m9", crm_id="00U1")

    _, _, final = finished(
        [change], facts_of(change), Facts(matches={key: Match("00U1", {}, "")}), pairs=[paired]
    )

    assert [a.kind for a in final.plan.actions] == [Kind.CREATE_CRM]
    assert final.linked == []


def test_it_leaves_a_meeting_another_attendee_saved_to_its_upsert_and_stamps_nothing():
    change = meeting()
    draft, wanted, _ = finished([change], facts_of(change))
    [key] = wanted.match_keys
    [create] = draft.actions
    facts = Facts(matches={key: Match("00U1", {}, create.sync_key)})  # our shared key is on it already

    _, _, final = finished([change], facts_of(change), facts)

    assert [a.kind for a in final.plan.actions] == [Kind.CREATE_CRM]
    assert final.stamp == {}


def test_it_keeps_the_draft_as_it_was():
    change = meeting()
    draft, wanted, _ = finished([change], facts_of(change))
    [key] = wanted.match_keys

    _, _, final = finished([change], facts_of(change), Facts(matches={key: Match("00U1", {}, "")}))

    assert [a.kind for a in draft.actions] == [Kind.CREATE_CRM]
    assert final.plan is not draft


def test_it_holds_back_an_unanswered_invitation_until_its_organizers_mailbox_saved_it():
    change = meeting(response="notResponded")
    meetings = facts_of(change, organizer=BOSS, answer="notResponded")
    facts = Facts(synced_users={BOSS: [7]})

    _, wanted, final = finished([change], meetings, facts, save_unresponded=False)

    assert list(wanted.invitations) == ["m1"] and wanted.invitations["m1"].organizer == BOSS
    assert final.plan.actions == []
    assert [a.mail_id for a in final.waiting] == ["m1"]


def test_it_saves_the_invitation_once_its_organizers_mailbox_saved_the_meeting():
    change = meeting(response="notResponded")
    meetings = facts_of(change, organizer=BOSS, answer="notResponded")
    draft, _, _ = finished([change], meetings, save_unresponded=False)
    [create] = draft.actions
    facts = Facts(synced_users={BOSS: [7]}, saved_by=frozenset({(7, create.sync_key)}))

    _, _, final = finished([change], meetings, facts, save_unresponded=False)

    assert [a.kind for a in final.plan.actions] == [Kind.CREATE_CRM]
    assert final.waiting == []


def test_it_does_not_wait_for_an_organizer_who_does_not_sync():
    change = meeting(response="notResponded")
    meetings = facts_of(change, organizer="outside@client.example", answer="notResponded")

    _, _, final = finished([change], meetings, Facts(synced_users={}), save_unresponded=False)

    assert [a.kind for a in final.plan.actions] == [Kind.CREATE_CRM]
