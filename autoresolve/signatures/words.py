"""The reader's word lists (words.yaml beside this file): data a person can extend without code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_RAW: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "words.yaml").read_text(encoding="utf-8"))

WORDS: dict[str, frozenset[str]] = {name: frozenset(words) for name, words in _RAW.items()}
# Japanese family names -> how they are written in Latin letters ("高橋" -> {"takahashi"}).
FAMILY_NAME_READINGS_JA: dict[str, frozenset[str]] = {
    name: frozenset(readings) for name, readings in _RAW["japanese_family_names"].items()
}
