"""How far each stream of a running session is: items done of items found, stored on the session once
per stream step (never per item), so the dashboard and its live status can show a long first sync
moving, and one that spans several sessions counts what the earlier ones already wrote."""

from __future__ import annotations

from syncengine.models import SyncSession


def progress_note(
    *,
    session: SyncSession | None,
    stream: str,
    found: int | None = None,
    done: int | None = None,
    first: bool | None = None,
) -> None:
    """Record what is known now of ``stream``; None leaves a number as it was. ``first``: the stream
    reads from scratch (no cursor yet), as a first sync does."""
    if session is None:  # a preview: nothing is stored
        return
    entry = dict(session.progress.get(stream) or {"found": 0, "done": 0, "first": False})
    for key, value in (("found", found), ("done", done), ("first", first)):
        if value is not None:
            entry[key] = value
    session.progress = {**session.progress, stream: entry}
    SyncSession.objects.filter(pk=session.pk).update(progress=session.progress)
