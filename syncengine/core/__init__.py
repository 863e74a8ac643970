"""Framework-free heart of the engine: neutral records, field rules and the planner.

Nothing here imports Django or a client library, so the rules can be tested (and reasoned about)
as plain functions of plain data.
"""
