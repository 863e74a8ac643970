"""Precision and recall of the signature reader per field, one table per corpus: the one it was
tuned on and the held-out ones written by people who never saw the reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from autoresolve.signatures import read_signature
from autoresolve.signatures.scoring import TARGETS, Tally, load_corpus, score

CORPORA = (
    "signature_corpus",
    "signature_corpus_held_out",
    "signature_corpus_blind",
    "signature_corpus_blind_2",
)


class Command(BaseCommand):
    help = "Reads every email of the signature corpora and prints precision and recall per field."

    def add_arguments(self, parser: CommandParser) -> None:
        here = Path(settings.BASE_DIR) / "tests" / "autoresolve"
        parser.add_argument("--corpus", type=Path, action="append", help="a folder of corpus YAML files")
        parser.add_argument("--misses", action="store_true", help="list every case a field got wrong")
        parser.set_defaults(default_corpora=[here / name for name in CORPORA])

    def handle(self, *args: Any, **options: Any) -> None:
        for directory in options["corpus"] or options["default_corpora"]:
            cases = load_corpus(directory)
            tallies = score((case, read_signature(case.email)) for case in cases)
            self.stdout.write(f"\n{directory.name}: {len(cases)} emails")
            self._table(tallies)
            if options["misses"]:
                for name, tally in tallies.items():
                    for miss in tally.misses:
                        self.stdout.write(f"  {name}: {miss}")

    def _table(self, tallies: dict[str, Tally]) -> None:
        self.stdout.write(
            f"{'field':<12} {'precision':>9} {'recall':>7} {'right':>6} {'wrong':>6} {'missed':>6}  target"
        )
        for name, tally in tallies.items():
            target = TARGETS.get(name)
            verdict = ""
            if target:
                met = tally.precision >= target[0] and tally.recall >= target[1]
                verdict = f"P>={target[0]} R>={target[1]} {'met' if met else 'MISSED'}"
            self.stdout.write(
                f"{name:<12} {tally.precision:>9.3f} {tally.recall:>7.3f} {tally.true_positive:>6} "
                f"{tally.false_positive:>6} {tally.false_negative:>6}  {verdict}"
            )
