"""``manage.py sync_mailbox ID``: run one session for a mailbox now, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from syncengine.models import Mailbox, Trigger
from syncengine.services.sessions import session_run


class Command(BaseCommand):
    help = "Run one sync session for a mailbox in the foreground (support and scripting)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("mailbox_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if not Mailbox.objects.filter(pk=options["mailbox_id"]).exists():
            raise CommandError(f"no mailbox {options['mailbox_id']}")
        session = session_run(mailbox_id=options["mailbox_id"], trigger=Trigger.MANUAL)
        if session is None:
            raise CommandError("another session holds this mailbox's lease, or the mailbox is suspended")
        self.stdout.write(
            f"session {session.pk}: {session.outcome} {session.counts} calls={session.api_calls}"
        )
        if session.error:
            self.stdout.write(f"error: {session.error}")
