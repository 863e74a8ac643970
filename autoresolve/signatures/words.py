"""The reader's word lists (words.yaml beside this file): data a person can extend without code."""

from __future__ import annotations

from pathlib import Path

import yaml

WORDS: dict[str, frozenset[str]] = {
    name: frozenset(words)
    for name, words in yaml.safe_load(
        (Path(__file__).parent / "words.yaml").read_text(encoding="utf-8")
    ).items()
}
