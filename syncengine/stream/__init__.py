"""One stream (events, tasks, contacts, a calendar source) of one session, read top to bottom in
``run.py``: gather -> plan (pure, final) -> execute -> follow-ups -> one commit.

- ``gather``: both sides' changes, the pairs (a dead worker's half-made ones resolved), the items to
  retry, the calendar rules applied, and the facts the draft plan asks for.
- the plan: ``syncengine/core/planner.py`` drafts it and ``syncengine/core/final_plan.py`` makes it
  final (natural-key links, invitations waiting for their organizer), both pure.
- ``execute``: the plan's writes in batches, each item's result kept.
- ``follow_ups`` and ``attendees``: what the writes call for on either side (the "Salesforce"
  category, tombstones, a new record's business link, meeting relations), each a function of its
  inputs that returns its problems.
- ``state_commit`` (services/state.py): pairs, cursors and meeting rosters in one transaction, fenced
  by the session's lease.
"""
