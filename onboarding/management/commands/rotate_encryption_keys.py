"""``manage.py rotate_encryption_keys``: re-encrypt every stored secret with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onboarding.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS. Idempotent: "
        "values already under that key are left alone. Prints counts only, never a secret."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_all(dry_run=options["dry_run"])
        verb = "would re-encrypt" if options["dry_run"] else "re-encrypted"
        for label, counts in report.counts.items():
            self.stdout.write(
                f"{label}: {verb} {counts['rotated']}, already current {counts['current']}, "
                f"empty {counts['empty']}, changed meanwhile {counts['changed']}, "
                f"unreadable {counts['unreadable']}"
            )
        self.stdout.write(
            f"Total: {verb} {report.total('rotated')}, already current {report.total('current')}."
        )
        if report.total("changed"):
            self.stdout.write("Rows changed during the run were written by the app with the newest key.")
        if report.total("unreadable"):
            raise CommandError(
                f"{report.total('unreadable')} value(s) cannot be decrypted with any configured key and "
                "were left unchanged: add the key they were written with to FIELD_ENCRYPTION_KEYS and rerun."
            )
