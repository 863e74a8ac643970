"""Retried items the final plan does nothing with are the ones whose retries end (pure)."""

from __future__ import annotations

from syncengine.core.final_plan import FinalPlan, untouched
from syncengine.core.planner import Action, Kind, Plan
from syncengine.core.records import PairState


def test_it_keeps_the_items_the_plan_writes_holds_or_waits_on():
    state = PairState(sync_key="k2", mail_id="m2", crm_id="c2")
    final = FinalPlan(
        Plan(
            actions=[
                Action(Kind.UPDATE, "k1", mail_id="m1", crm_id="c1"),
                Action(Kind.UPDATE, "k2", state=state),
            ],
            held=[Action(Kind.DELETE_CRM, "k3", crm_id="c3")],
        ),
        waiting=[Action(Kind.CREATE_CRM, "k4", mail_id="m4")],
    )

    quiet = untouched(final, mail_ids={"m1", "m2", "m4", "m5"}, crm_ids={"c1", "c2", "c3", "c6"})

    assert quiet == ({"m5"}, {"c6"})
