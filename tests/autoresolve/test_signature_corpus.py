"""The signature reader over the corpus of emails people wrote down the answers for: the issue's
targets (precision >= 0.95, recall >= 0.8 for name, title, company and phone) hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoresolve.signatures import read_signature
from autoresolve.signatures.scoring import TARGETS, Tally, load_corpus, score

CORPUS = Path(__file__).parent / "signature_corpus"
# Each written by someone who never saw the reader or the other corpora; each measured blind once
# (figures in the issue's closing note), then read for its misses too.
HELD_OUT = Path(__file__).parent / "signature_corpus_held_out"
BLIND = Path(__file__).parent / "signature_corpus_blind"
BLIND_2 = Path(__file__).parent / "signature_corpus_blind_2"


@pytest.fixture(scope="module", params=[CORPUS, HELD_OUT, BLIND, BLIND_2], ids=lambda path: path.name)
def tallies(request: pytest.FixtureRequest) -> dict[str, Tally]:
    cases = load_corpus(request.param)
    assert len(cases) >= 45
    return score((case, read_signature(case.email)) for case in cases)


@pytest.mark.parametrize("field", sorted(TARGETS))
def test_it_reads_each_target_field_as_precisely_and_fully_as_the_issue_asks(
    tallies: dict[str, Tally], field: str
):
    precision, recall = TARGETS[field]
    tally = tallies[field]
    assert tally.precision >= precision, tally.misses
    assert tally.recall >= recall, tally.misses


def test_it_covers_the_five_languages_with_plain_and_html_mail():
    cases = load_corpus(CORPUS)
    languages = {case.id.split("-")[0] for case in cases}
    assert languages == {"en", "de", "fr", "es", "ja"}
    assert sum(bool(case.email.html) for case in cases) >= 8
