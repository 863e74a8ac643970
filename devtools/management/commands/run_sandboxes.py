"""``manage.py run_sandboxes``: serve the Salesforce, Graph, Google and EWS sandboxes until stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.run import PORTS


class Command(BaseCommand):
    help = "Run the local Salesforce, Graph, Google and Exchange (EWS) sandboxes (https, CA in --dir)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "sandbox"))
        for name, port in PORTS.items():
            parser.add_argument(f"--{name}-port", type=int, default=port)

    def handle(self, *args: Any, **options: Any) -> None:
        # The sandboxes stand for the internet: they run as their own program, not inside Django.
        command = [
            sys.executable,
            "-m",
            "sandbox.run",
            "--dir",
            options["dir"],
            *[arg for name in PORTS for arg in (f"--{name}-port", str(options[f"{name}_port"]))],
        ]
        raise SystemExit(subprocess.call(command, cwd=settings.BASE_DIR, env=os.environ.copy()))
