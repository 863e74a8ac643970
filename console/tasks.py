"""django-q2 entry points of the console: thin, they take ids and call one service."""

from __future__ import annotations

from console.previews import preview_run


def run_preview(preview_id: int) -> str:
    return f"preview {preview_id}: {preview_run(preview_id=preview_id).state}"
