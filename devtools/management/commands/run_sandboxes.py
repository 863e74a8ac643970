"""``manage.py run_sandboxes``: serve the Salesforce and Graph sandboxes until stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the local Salesforce and Microsoft Graph sandboxes (https, CA written to --dir)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "sandbox"))
        parser.add_argument("--salesforce-port", type=int, default=8443)
        parser.add_argument("--graph-port", type=int, default=8444)

    def handle(self, *args: Any, **options: Any) -> None:
        # The sandboxes stand for the internet: they run as their own program, not inside Django.
        command = [
            sys.executable,
            "-m",
            "sandbox.run",
            "--dir",
            options["dir"],
            "--salesforce-port",
            str(options["salesforce_port"]),
            "--graph-port",
            str(options["graph_port"]),
        ]
        raise SystemExit(subprocess.call(command, cwd=settings.BASE_DIR, env=os.environ.copy()))
