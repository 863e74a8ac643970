"""Precision and recall of the signature reader per field, over a corpus of emails whose expected
fields a person wrote down (tests/autoresolve/signature_corpus/)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from autoresolve.signatures.model import Signature, SignedEmail

TEXT_FIELDS = Signature.TEXT_FIELDS
# The fields the issue sets targets for, and the targets.
TARGETS = {"name": (0.95, 0.8), "title": (0.95, 0.8), "company": (0.95, 0.8), "phone": (0.95, 0.8)}


@dataclass(frozen=True)
class Case:
    id: str
    email: SignedEmail
    expected: Mapping[str, Any]
    note: str = ""


@dataclass
class Tally:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        written = self.true_positive + self.false_positive
        return self.true_positive / written if written else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


def load_corpus(directory: Path) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            email = SignedEmail(
                text=raw.get("text") or "",
                html=raw.get("html") or "",
                from_name=raw.get("from_name") or "",
                from_address=raw.get("from_address") or "",
            )
            cases.append(Case(str(raw["id"]), email, raw.get("expected") or {}, raw.get("note") or ""))
    return cases


def _same(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.replace(",", " ").split()).strip(" .")


def _count(tally: Tally, case_id: str, wanted: str, written: str) -> None:
    if written and _same(written) == _same(wanted):
        tally.true_positive += 1
        return
    if written:
        tally.false_positive += 1
    if wanted:
        tally.false_negative += 1
    if written or wanted:
        tally.misses.append(f"{case_id}: wanted {wanted!r}, wrote {written!r}")


def score(results: Iterable[tuple[Case, Signature]]) -> dict[str, Tally]:
    """Per field: a field written and right is a true positive, written and wrong a false positive
    (and a false negative when something was expected), left empty where a value was expected a
    false negative. Phones count one by one, number and kind."""
    tallies: dict[str, Tally] = {name: Tally() for name in ("name", *TEXT_FIELDS, "phone")}
    for case, signature in results:
        written = signature.confident()
        for name in TEXT_FIELDS:
            _count(tallies[name], case.id, str(case.expected.get(name) or ""), written.get(name, ""))
        full = " ".join(written.get(k, "") for k in ("first_name", "last_name")).strip()
        wanted_full = " ".join(str(case.expected.get(k) or "") for k in ("first_name", "last_name")).strip()
        _count(tallies["name"], case.id, wanted_full, full)
        wanted_phones = {(str(p["number"]), str(p["type"])) for p in case.expected.get("phones") or []}
        written_phones = {(p.number, p.kind) for p in signature.confident_phones()}
        phone = tallies["phone"]
        phone.true_positive += len(wanted_phones & written_phones)
        phone.false_positive += len(written_phones - wanted_phones)
        phone.false_negative += len(wanted_phones - written_phones)
        if wanted_phones != written_phones:
            phone.misses.append(f"{case.id}: wanted {sorted(wanted_phones)}, wrote {sorted(written_phones)}")
    return tallies
