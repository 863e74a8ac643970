"""The planner, directly: pure data in, actions out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mapping.defaults import event_rules
from syncengine.core.planner import Kind, plan_stream
from syncengine.core.records import ItemChange, PairState, make_sync_key
from tests.support.planner import SCOPE, synced_pair, values


def plan(pairs=(), mail=(), crm=(), **rule_options: Any):
    return plan_stream(
        rules=event_rules(**rule_options), scope=SCOPE, pairs=pairs, mail_changes=mail, crm_changes=crm
    )


def test_it_creates_a_salesforce_record_for_a_new_mail_item():
    result = plan(mail=[ItemChange(id="m1", version="ck1", values=values(), label="Quarterly review")])
    [action] = result.actions
    assert action.kind is Kind.CREATE_CRM
    assert action.sync_key == make_sync_key(SCOPE, "m1")
    assert action.crm_writes["subject"] == "Quarterly review"
    assert action.state is not None and action.state.mail_id == "m1"


def test_it_writes_only_the_changed_field():
    pair = synced_pair()
    result = plan(pairs=[pair], mail=[ItemChange(id="m1", version="ck2", values=values(location="Room 2"))])
    [action] = result.actions
    assert action.kind is Kind.UPDATE
    assert action.crm_writes == {"location": "Room 2"}
    assert action.mail_writes == {}


def test_it_ignores_a_version_change_without_content_change():
    pair = synced_pair()
    result = plan(pairs=[pair], mail=[ItemChange(id="m1", version="ck-churn", values=values())])
    assert result.actions == []


def crm_edit(pair: PairState, modified_at: str = "", **changes: Any) -> ItemChange:
    """The pair's Salesforce record read back with those values changed since it last synced."""
    return ItemChange(
        id=pair.crm_id,
        version="v2",
        values=event_rules().crm_readback(values(**changes)),
        modified_at=modified_at,
    )


def test_it_does_not_bounce_the_engines_own_salesforce_write_back():
    pair = synced_pair()
    rules = event_rules()
    echo = ItemChange(
        id=pair.crm_id, version="2026-11-27T01:00:00.000+0000", values=rules.crm_readback(values())
    )
    result = plan(pairs=[pair], crm=[echo])
    assert result.actions == []


def test_it_sends_a_salesforce_edit_to_the_mailbox():
    pair = synced_pair()
    edited = crm_edit(pair, subject="Renamed")
    [action] = plan(pairs=[pair], crm=[edited]).actions
    assert action.kind is Kind.UPDATE
    assert action.mail_writes == {"subject": "Renamed"}
    assert action.crm_writes == {}


def test_it_merges_different_fields_changed_on_each_side():
    pair = synced_pair()
    mail = ItemChange(id="m1", version="ck2", values=values(location="Room 9"))
    crm = crm_edit(pair, subject="New title")
    result = plan(pairs=[pair], mail=[mail], crm=[crm])
    [action] = result.actions
    assert action.crm_writes == {"location": "Room 9"}
    assert action.mail_writes == {"subject": "New title"}
    assert result.conflicts == []


def test_it_treats_the_same_change_on_both_sides_as_no_conflict():
    pair = synced_pair()
    mail = ItemChange(id="m1", version="ck2", values=values(subject="Same"))
    crm = crm_edit(pair, subject="Same")
    result = plan(pairs=[pair], mail=[mail], crm=[crm])
    assert result.conflicts == []
    assert [a.kind for a in result.actions] == [Kind.REFRESH]
    assert result.actions[0].crm_writes == {} and result.actions[0].mail_writes == {}


def conflicting_subjects(pair: PairState) -> tuple[ItemChange, ItemChange]:
    """The pair's subject changed on both sides since it last synced: "Mail" at 10:00, "CRM" at 11:00."""
    mail = ItemChange(
        id="m1", version="ck2", values=values(subject="Mail"), modified_at="2026-11-27T10:00:00Z"
    )
    crm = crm_edit(pair, modified_at="2026-11-27T11:00:00Z", subject="CRM")
    return mail, crm


def test_it_resolves_a_conflict_by_newest_change_and_reports_it():
    pair = synced_pair()
    mail, crm = conflicting_subjects(pair)
    result = plan(pairs=[pair], mail=[mail], crm=[crm])
    [conflict] = result.conflicts
    assert conflict.winner == "crm" and conflict.field == "subject"
    [action] = result.actions
    assert action.mail_writes == {"subject": "CRM"}


def test_it_lets_mail_win_when_the_policy_says_so():
    pair = synced_pair()
    mail, crm = conflicting_subjects(pair)
    result = plan(pairs=[pair], mail=[mail], crm=[crm], conflict_policy="mail")
    assert result.conflicts[0].winner == "mail"
    assert result.actions[0].crm_writes == {"subject": "Mail"}


def test_it_reverts_a_salesforce_edit_of_a_one_way_field():
    pair = synced_pair(sensitivity="private")
    edited = crm_edit(pair, sensitivity="normal")
    [action] = plan(pairs=[pair], crm=[edited]).actions
    assert action.crm_writes == {"sensitivity": "private"}
    assert action.mail_writes == {}


def test_it_deletes_in_salesforce_when_the_mail_item_is_deleted():
    pair = synced_pair()
    [action] = plan(pairs=[pair], mail=[ItemChange(id="m1", deleted=True)]).actions
    assert action.kind is Kind.DELETE_CRM and action.crm_id == pair.crm_id


def test_it_only_unlinks_an_item_that_left_the_window():
    pair = synced_pair()
    [action] = plan(pairs=[pair], mail=[ItemChange(id="m1", removed=True)]).actions
    assert action.kind is Kind.UNLINK


def test_it_keeps_the_mail_item_and_remembers_the_deletion_when_salesforce_deletes_by_default():
    pair = synced_pair()
    [action] = plan(pairs=[pair], crm=[ItemChange(id=pair.crm_id, deleted=True)]).actions
    assert action.kind is Kind.TOMBSTONE
    assert action.state is not None and (action.state.crm_id, action.state.tombstone) == ("", "untag")


def test_it_deletes_the_mail_item_of_a_record_that_came_from_salesforce_when_salesforce_deletes_it():
    pair = replace(synced_pair(), origin="crm")
    [action] = plan(pairs=[pair], crm=[ItemChange(id=pair.crm_id, deleted=True)]).actions
    assert action.kind is Kind.DELETE_MAIL


def test_it_saves_a_tombstoned_item_again_only_as_a_new_create():
    pair = replace(synced_pair(), crm_id="", tombstone="quiet")
    [action] = plan(pairs=[pair], mail=[ItemChange(id=pair.mail_id, values=values(subject="Again"))]).actions
    assert action.kind is Kind.CREATE_CRM and action.sync_key == pair.sync_key
    assert action.state is not None and action.state.tombstone == ""


def test_it_ignores_salesforce_reporting_a_tombstoned_deletion_again():
    pair = replace(synced_pair(), crm_id="", tombstone="quiet")
    deleted_again = ItemChange(id="00U000000000001AAA", deleted=True, sync_key=pair.sync_key)
    assert plan(pairs=[pair], crm=[deleted_again]).actions == []


def test_it_forgets_a_tombstone_once_its_mail_item_is_deleted():
    pair = replace(synced_pair(), crm_id="", tombstone="quiet")
    [action] = plan(pairs=[pair], mail=[ItemChange(id=pair.mail_id, deleted=True)]).actions
    assert action.kind is Kind.FORGET


def test_it_deletes_the_mail_item_when_the_org_setting_says_so():
    pair = synced_pair()
    [action] = plan(pairs=[pair], crm=[ItemChange(id=pair.crm_id, deleted=True)], delete_in_mail=True).actions
    assert action.kind is Kind.DELETE_MAIL


def test_it_halts_a_wave_of_deletions_instead_of_propagating_it():
    pairs = [synced_pair(mail_id=f"m{i}", crm_id=f"00U00000000000{i:02d}AA") for i in range(30)]
    deletions = [ItemChange(id=f"m{i}", deleted=True) for i in range(20)]
    result = plan(pairs=pairs, mail=deletions, max_delete_share=0.5, max_delete_min_count=5)
    assert result.of_kind(Kind.DELETE_CRM) == []
    assert [n.code for n in result.notices] == ["MASS_DELETE_HALTED"]


def test_it_reports_a_subject_cut_to_salesforces_limit():
    long_subject = "x" * 300
    result = plan(mail=[ItemChange(id="m1", version="ck1", values=values(subject=long_subject))])
    assert [n.code for n in result.notices] == ["FIELD_TRUNCATED"]
    state = result.actions[0].state
    assert state is not None and len(state.synced["crm"]["subject"]) == 255
    assert state.synced["mail"]["subject"] == long_subject


def test_it_relinks_a_salesforce_record_by_its_sync_key_after_lost_ids():
    pair = synced_pair(crm_id="")  # the create happened, but its id never got stored
    rules = event_rules()
    change = ItemChange(
        id="00U0000000000XYZAA", version="v1", values=rules.crm_readback(values()), sync_key=pair.sync_key
    )
    [action] = plan(pairs=[pair], crm=[change]).actions
    assert action.kind is Kind.REFRESH
    assert action.state is not None and action.state.crm_id == "00U0000000000XYZAA"


def test_it_reads_back_its_own_create_as_no_change():
    rules = event_rules()
    [create] = plan(mail=[ItemChange(id="m1", version="ck1", values=values(show_as="tentative"))]).actions
    assert create.state is not None
    create.state.crm_id = "00U000000000001AAA"
    # Salesforce stores "Busy" for "tentative": the echo carries the read-back value, not ours.
    echo = ItemChange(
        id=create.state.crm_id, version="v1", values=rules.crm_readback(values(show_as="tentative"))
    )
    assert plan(pairs=[create.state], crm=[echo]).actions == []


def test_it_restores_a_mail_item_deleted_when_deletions_may_not_reach_salesforce():
    pair = synced_pair()
    rules_kwargs = {"delete_in_crm": False, "restore_in_mail": True}
    from dataclasses import replace

    rules = replace(event_rules(), **rules_kwargs)
    result = plan_stream(
        rules=rules,
        scope=SCOPE,
        pairs=[pair],
        mail_changes=[ItemChange(id="m1", deleted=True)],
        crm_changes=[],
    )
    [action] = result.actions
    assert action.kind is Kind.CREATE_MAIL and action.crm_id == pair.crm_id
    assert action.mail_writes["subject"] == "Quarterly review"
    assert action.state is not None and action.state.sync_key == pair.sync_key and action.state.mail_id == ""


def test_it_writes_nothing_back_for_the_mailbox_defaults_of_an_item_it_made_from_a_record():
    rules = event_rules()
    record = ItemChange(id="00U000000000001AAA", version="v1", values=rules.crm_readback(values()))
    [create] = plan(crm=[record], create_in_mail=True).actions
    assert create.kind is Kind.CREATE_MAIL and "sensitivity" not in create.mail_writes  # to Salesforce only
    assert create.state is not None
    create.state.mail_id = "m1"
    # The mail item comes back with the mailbox's default sensitivity, which Salesforce already has.
    echo = ItemChange(id="m1", version="ck1", values=values())

    [refresh] = plan(pairs=[create.state], mail=[echo]).actions

    assert refresh.kind is Kind.REFRESH and refresh.crm_writes == {}
    assert refresh.state is not None and refresh.state.synced["mail"]["sensitivity"] == "normal"
    assert plan(pairs=[refresh.state], mail=[echo]).actions == []


def test_it_still_saves_a_mailbox_value_salesforce_does_not_have_yet():
    rules = event_rules()
    record = ItemChange(id="00U000000000001AAA", version="v1", values=rules.crm_readback(values()))
    [create] = plan(crm=[record], create_in_mail=True).actions
    assert create.state is not None
    create.state.mail_id = "m1"

    [update] = plan(
        pairs=[create.state], mail=[ItemChange(id="m1", values=values(sensitivity="private"))]
    ).actions

    assert update.kind is Kind.UPDATE and update.crm_writes == {"sensitivity": "private"}
